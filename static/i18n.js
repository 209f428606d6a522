// The screens' translator: one table of [ja, en] strings per screen, one way to use it.

/**
 * A translator over `strings` ({key: [ja, en]}) for `lang` ("ja" | "en"):
 * t(key, values) fills {name} placeholders; t.label(Text) picks a config label's language
 * (falling back to Japanese); t.has(key); t.lang.
 */
export function makeTranslator(strings, lang) {
  const index = lang === "en" ? 1 : 0;
  const t = (key, values = {}) => {
    const entry = strings[key];
    const template = entry ? entry[index] || entry[0] : key;
    return template.replace(/\{(\w+)\}/g, (whole, name) => (name in values ? String(values[name]) : whole));
  };
  t.lang = index ? "en" : "ja";
  t.has = (key) => key in strings;
  t.label = (text) => {
    if (!text) return "";
    if (typeof text === "string") return text;
    return (index ? text.en : text.ja) || text.ja || text.en || "";
  };
  return t;
}
