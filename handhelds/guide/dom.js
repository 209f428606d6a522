// Tiny DOM helpers: build elements with text (never innerHTML with data), keep small stores.

/**
 * h("button", {class: "big", onclick: fn, "aria-pressed": "true"}, "label", child, ...)
 * Props starting with "on" become listeners; `hidden`, `disabled`, `checked`, `value` set
 * properties; everything else becomes an attribute (null/false skip it).
 */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") {
      el.addEventListener(key.slice(2), value);
    } else if (key === "class") {
      el.className = value;
    } else if (["hidden", "disabled", "checked", "value", "open"].includes(key)) {
      el[key] = value;
    } else {
      el.setAttribute(key, value === true ? "" : String(value));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replace an element's children. */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/** JSON in localStorage, tolerant of a full or disabled storage. */
export const store = {
  get(key, fallback = null) {
    try {
      const raw = localStorage.getItem(key);
      return raw === null ? fallback : JSON.parse(raw);
    } catch {
      return fallback;
    }
  },
  set(key, value) {
    try {
      localStorage.setItem(key, JSON.stringify(value));
    } catch {
      // Storage full or disabled: the app still works, it just forgets on reload.
    }
  },
  remove(key) {
    try {
      localStorage.removeItem(key);
    } catch {
      // as above
    }
  },
};

let toastTimer = null;

/** A short message at the bottom of the screen, read out by screen readers. */
export function toast(message, kind = "info") {
  const el = document.getElementById("toast");
  if (!el) return;
  el.textContent = message;
  el.dataset.kind = kind;
  el.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => {
    el.hidden = true;
  }, 6000);
}
