// Keyboard shortcuts: the one table the key handler, the on-screen list and the buttons'
// hints all read, so what is documented is what works.

export const SHORTCUTS = [
  { keys: ["n"], show: "N", action: "callNext", label: "a_call_next" },
  { keys: ["g"], show: "G", action: "callTicket", label: "a_call_ticket" },
  { keys: ["r"], show: "R", action: "recall", label: "a_recall" },
  { keys: ["s"], show: "S", action: "start", label: "a_start" },
  { keys: ["x"], show: "X", action: "noShow", label: "a_no_show" },
  { keys: ["1", "2", "3", "4", "5", "6", "7", "8", "9"], show: "key_digits", action: "completeProcedure", label: "a_complete_proc" },
  { keys: ["d"], show: "D", action: "completeStep", label: "a_complete_step" },
  { keys: ["a"], show: "A", action: "add", label: "a_add" },
  { keys: ["t"], show: "T", action: "transfer", label: "a_transfer" },
  { keys: ["b"], show: "B", action: "returnToQueue", label: "a_return" },
  { keys: ["p"], show: "P", action: "park", label: "a_park" },
  { keys: ["u"], show: "U", action: "unpark", label: "a_unpark" },
  { keys: ["o"], show: "O", action: "open", label: "a_open" },
  { keys: ["h"], show: "H", action: "pause", label: "a_pause" },
  { keys: ["c"], show: "C", action: "close", label: "a_close" },
  { keys: ["l"], show: "L", action: "lang", label: "a_lang" },
  { keys: ["?"], show: "?", action: "help", label: "a_help" },
];

/** The key shown for an action ("N"), or "" if it has none. */
export function keyFor(action) {
  const entry = SHORTCUTS.find((s) => s.action === action);
  return entry ? entry.show : "";
}

function typing(target) {
  if (!(target instanceof Element)) return false;
  return Boolean(target.closest("input, textarea, select, [contenteditable=''], [contenteditable='true']"));
}

/**
 * Listen for shortcuts on the document; `run(action, {digit})` is called for each.
 * Shortcuts are off while typing in a field, while a dialog is open and with Ctrl/Alt/Meta
 * (so browser and screen-reader keys keep working).
 */
export function bindShortcuts(run) {
  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.altKey || event.metaKey || event.isComposing) return;
    if (typing(event.target) || document.querySelector("dialog[open]")) return;
    const key = event.key.length === 1 ? event.key.toLowerCase() : "";
    const entry = SHORTCUTS.find((s) => s.keys.includes(key));
    if (!entry) return;
    event.preventDefault();
    if (event.repeat) return; // a held key must not call three visitors
    run(entry.action, { digit: /^[1-9]$/.test(key) ? Number(key) : 0 });
  });
}
