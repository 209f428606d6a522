// DOM and time helpers every screen shares (staff panels, the guide app, kiosk, link banner).
// Text always goes in as text nodes, never as markup, so notes and notices typed by staff or
// visitors can never inject HTML.

// Set as properties, not attributes: they are live state (what a control shows or whether it
// is shown), and a property also works after the user has changed the control.
const PROPERTIES = new Set(["hidden", "disabled", "checked", "value", "open"]);

/**
 * Build an element: h("button", {class: "big", onclick: fn, dataset: {id}, "aria-pressed": "true"},
 * "label", child, [more children]).
 *
 * Props: null, undefined and false skip the prop; "class" sets the class name; "dataset" is an
 * object copied into data-* attributes; "on…" with a function adds an event listener; hidden,
 * disabled, checked, value and open set the element's property; anything else becomes an
 * attribute ("" for true). Children are flattened; null, undefined, false and "" are skipped;
 * nodes go in as they are, everything else as a text node.
 */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") el.className = value;
    else if (key === "dataset") Object.assign(el.dataset, value);
    else if (key.startsWith("on") && typeof value === "function") el.addEventListener(key.slice(2), value);
    else if (PROPERTIES.has(key)) el[key] = value;
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  append(el, children);
  return el;
}

/** Append children by h()'s rules (flattened; null, undefined, false and "" skipped). */
function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false || child === "") continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/**
 * Replace a container's children (by h()'s rules) and return it. Keyboard focus stays on the
 * "same" element when it is redrawn: an element with the same data-focus-key.
 */
export function replaceChildren(container, ...children) {
  const active = document.activeElement;
  const key = active && container.contains(active) ? active.dataset.focusKey : null;
  container.replaceChildren();
  append(container, children);
  if (key) {
    const again = container.querySelector(`[data-focus-key="${CSS.escape(key)}"]`);
    if (again) again.focus({ preventScroll: true });
  }
  return container;
}

/** The server's clock, from the offset measured when the page was served. */
export class Clock {
  constructor(serverNow) {
    this.offset = serverNow ? serverNow - Date.now() / 1000 : 0;
  }

  now() {
    return Date.now() / 1000 + this.offset;
  }

  /** "m:ss" (or "h:mm:ss") since a server timestamp. */
  elapsed(since) {
    const total = Math.max(0, Math.floor(this.now() - since));
    const hours = Math.floor(total / 3600);
    const minutes = Math.floor((total % 3600) / 60);
    const seconds = String(total % 60).padStart(2, "0");
    return hours ? `${hours}:${String(minutes).padStart(2, "0")}:${seconds}` : `${minutes}:${seconds}`;
  }

  /** Whole minutes since a server timestamp. */
  minutes(since) {
    return Math.max(0, Math.floor((this.now() - since) / 60));
  }
}

/** "10:32" for a server timestamp, in the site's time zone. */
export function clockTime(at, timezone) {
  try {
    return new Intl.DateTimeFormat("ja-JP", { hour: "2-digit", minute: "2-digit", timeZone: timezone }).format(
      new Date(at * 1000),
    );
  } catch {
    return new Date(at * 1000).toTimeString().slice(0, 5);
  }
}
