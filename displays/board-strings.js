// The board's own captions, from config/texts.toml (embedded in the page by the server) in
// each language the board lists. Everything about the office (queue labels, wait bands,
// notices, the spoken call) comes from config via the view. STRINGS.notOpen.vi is a caption's
// Vietnamese text; floors are shown as configured in every language.
import { embeddedTexts } from "/static/i18n.js";

function byKey(tables) {
  const strings = { floor: {} };
  for (const [lang, table] of Object.entries(tables)) {
    strings.floor[lang] = "{f}";
    for (const [key, text] of Object.entries(table)) {
      const camel = key.replace(/_(\w)/g, (_, c) => c.toUpperCase());
      (strings[camel] ||= {})[lang] = text;
    }
  }
  return strings;
}

export const STRINGS = byKey(embeddedTexts());
