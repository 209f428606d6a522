// This browser's storage, for every screen: localStorage (`local`: device enrolment, language,
// drafts, the hub's outbox) and sessionStorage (`session`: what a board announced this session).
// Storage can be off or full (private mode, kiosk lock-down, quota): then nothing is kept and
// reads give the fallback, and the screen still works; it just forgets on reload. Nothing here
// ever throws.

/** One storage area, reached lazily (touching `localStorage` itself can throw). */
class Shelf {
  constructor(area) {
    this.area = area;
  }

  /** The string kept under `key`, or "" (nothing kept, or storage off). */
  get(key) {
    try {
      return this.area().getItem(key) || "";
    } catch {
      return "";
    }
  }

  /** Keep a string (silently not, when storage is off or full). */
  set(key, value) {
    try {
      this.area().setItem(key, value);
    } catch {
      // Storage off or full: the value just is not remembered.
    }
  }

  /** Forget `key`. */
  remove(key) {
    try {
      this.area().removeItem(key);
    } catch {
      // Storage off: nothing was kept anyway.
    }
  }

  /** The JSON value kept under `key`; `fallback` when there is none or it does not parse. */
  getJSON(key, fallback = null) {
    try {
      const raw = this.area().getItem(key);
      return raw === null || raw === "" ? fallback : JSON.parse(raw);
    } catch {
      return fallback;
    }
  }

  /** Keep a value as JSON (silently not, when storage is off or full). */
  setJSON(key, value) {
    try {
      this.area().setItem(key, JSON.stringify(value));
    } catch {
      // as set()
    }
  }
}

export const local = new Shelf(() => localStorage);
export const session = new Shelf(() => sessionStorage);
