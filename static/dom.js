// Small DOM and time helpers shared by the staff panels. Text always goes in as text nodes, so
// notes and notices typed by staff can never inject markup.

/** Build an element: h("li", {class: "x", dataset: {...}}, "text", child, [more]). */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") el.className = value;
    else if (key === "dataset") Object.assign(el.dataset, value);
    else if (key.startsWith("on") && typeof value === "function") el.addEventListener(key.slice(2), value);
    else if (value === true) el.setAttribute(key, "");
    else el.setAttribute(key, String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false || child === "") continue;
    el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

/** Replace a container's children, keeping keyboard focus on the "same" element if redrawn. */
export function replaceChildren(container, ...children) {
  const active = document.activeElement;
  const key = active && container.contains(active) ? active.dataset.focusKey : null;
  container.replaceChildren(...children.flat(Infinity).filter(Boolean));
  if (key) {
    const again = container.querySelector(`[data-focus-key="${CSS.escape(key)}"]`);
    if (again) again.focus({ preventScroll: true });
  }
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

/** Read a value kept in localStorage ("" when storage is off). */
export function stored(key) {
  try {
    return localStorage.getItem(key) || "";
  } catch {
    return "";
  }
}

/** Keep a value in localStorage (silently not, when storage is off). */
export function store(key, value) {
  try {
    localStorage.setItem(key, value);
  } catch {
    // Private mode or storage off: the choice just is not remembered.
  }
}
