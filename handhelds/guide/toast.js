// The guide app's toast: a short message at the bottom of the screen, read out by screen
// readers (the page's #toast is a live region), gone after a few seconds.

const SHOWN_MS = 6000;
let toastTimer = null;

/** Show `message` ("info", "ok", "warn" or "error" in data-kind, for its colour and mark). */
export function toast(message, kind = "info") {
  const el = document.getElementById("toast");
  if (!el) return;
  el.textContent = message;
  el.dataset.kind = kind;
  el.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => {
    el.hidden = true;
  }, SHOWN_MS);
}
