// The board's own captions, from config/texts.toml (embedded in the page by the server) in
// each language the board lists. Everything about the office (queue labels, wait bands,
// notices, the spoken call) comes from config via the view. STRINGS.notOpen.vi is a caption's
// Vietnamese text; floors are shown as configured in every language (a language without its
// own floor caption shows the floor as it is).

import { byKey, embeddedTexts } from "/static/i18n.js";

const tables = embeddedTexts();
const asConfigured = Object.fromEntries(Object.keys(tables).map((lang) => [lang, "{f}"]));

/** {camelKey: {lang: text}}, as the board's code names its captions. */
export const STRINGS = { floor: asConfigured };
for (const [key, text] of Object.entries(byKey(tables))) {
  const camel = key.replace(/_(\w)/g, (_, c) => c.toUpperCase());
  STRINGS[camel] = camel === "floor" ? { ...asConfigured, ...text } : text;
}
