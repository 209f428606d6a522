// Visitor-facing wording, served by the page from config/texts.toml (one table for every
// screen a visitor reads). Shared by the visitor page and the lobby boards.

/** The table a page embeds as <script type="application/json" id="texts">: {lang: {key: text}}. */
export function embeddedTexts(id = "texts") {
  const el = document.getElementById(id);
  try {
    return el ? JSON.parse(el.textContent) : {};
  } catch {
    return {};
  }
}

/** A string (or config Text) in `lang`, falling back to English then Japanese. */
export function pick(text, lang) {
  if (!text) return "";
  if (typeof text === "string") return text;
  return text[lang] || text.en || text.ja || "";
}

/** Fill `{name}` placeholders. */
export function fill(template, values) {
  return template.replace(/\{(\w+)\}/g, (whole, name) => (name in values ? String(values[name]) : whole));
}
