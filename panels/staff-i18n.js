// Words every staff panel shares (the sign-in line, the language switch and the connection's
// state) in Japanese and English. Each panel's own table adds its words to these.

import { translator } from "/static/i18n.js";

export const STAFF_STRINGS = {
  signed_in_as: ["サインイン: {name}", "Signed in: {name}"],
  sign_out: ["サインアウト", "Sign out"],
  lang_toggle: ["English", "日本語"],
  lang_toggle_label: ["表示言語を英語に切り替える", "Switch the display to Japanese"],
  conn_connecting: ["接続中…", "Connecting…"],
  conn_live: ["オンライン", "Live"],
  conn_stale: ["記録サーバー停止中", "Store unreachable"],
  conn_reconnecting: ["再接続中…", "Reconnecting…"],
  conn_offline: ["オフライン", "Offline"],
};

/**
 * A staff screen's translator over its table ({key: [ja, en]}): staff screens are in Japanese
 * or English, so any other stored choice reads Japanese. The fallback rule is /static/i18n.js's.
 */
export function staffTranslator(strings, lang) {
  return translator(strings, lang === "en" ? "en" : "ja");
}
