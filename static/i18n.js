// The one translator of every screen (staff panels, guide app, visitor page, boards, kiosk).
//
// A text is {ja, en, zh, …} (a config label, a visitor-facing entry of config/texts.toml, a
// guide UI string), a [ja, en] pair (the staff screens' own tables) or a plain string (shown as
// it is). ONE fallback rule, the one the visitor-facing pages have always used: the requested
// language, then English, then Japanese; a key no table knows is shown as the key itself
// (`t.has(key)` tells a screen that wants its own fallback). config/texts.toml requires ja and
// en for every entry, so a visitor reading a language not yet translated reads English.

const FALLBACK = ["en", "ja"];

/** A text in `lang`, by the rule above ("" when it has no text at all). */
export function pick(text, lang) {
  if (!text) return "";
  if (typeof text === "string") return text;
  if (Array.isArray(text)) return pick({ ja: text[0], en: text[1] }, lang);
  for (const code of [lang, ...FALLBACK]) if (text[code]) return text[code];
  return "";
}

/** Fill `{name}` placeholders from `values` (unknown names stay as they are). */
export function fill(template, values = {}) {
  return template.replace(/\{(\w+)\}/g, (whole, name) => (name in values ? String(values[name]) : whole));
}

/**
 * A translator over `strings` ({key: text}) for `lang`: t(key, values) is the key's text with
 * {name} placeholders filled (the key itself when `strings` has no such key); t.has(key);
 * t.label(text) picks a config label by the same rule; t.lang.
 */
export function translator(strings, lang) {
  const t = (key, values) => (Object.hasOwn(strings, key) ? fill(pick(strings[key], lang), values) : key);
  t.lang = lang;
  t.has = (key) => Object.hasOwn(strings, key);
  t.label = (text) => pick(text, lang);
  return t;
}

/** Per-language tables ({lang: {key: text}}) turned into one {key: {lang: text}} table. */
export function byKey(tables) {
  const strings = {};
  for (const [lang, table] of Object.entries(tables)) {
    for (const [key, text] of Object.entries(table)) (strings[key] ||= {})[lang] = text;
  }
  return strings;
}

/** The table a page embeds as <script type="application/json" id="texts">: {lang: {key: text}}. */
export function embeddedTexts(id = "texts") {
  const el = document.getElementById(id);
  try {
    return el ? JSON.parse(el.textContent) : {};
  } catch {
    return {};
  }
}
