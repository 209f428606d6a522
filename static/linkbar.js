// The one way every screen says that its link to the hub is down: a banner at the top (role
// "alert", so a screen reader says it once), the same words and mark on every screen, what
// happens to the user's actions meanwhile, and how many are waiting to be sent, in Japanese
// (and English after it when the screen is in another language). The page's
// root carries `data-hub-link` (live | offline | stale | connecting) for styles and tests.
//
//   mountLinkBanner(hub, { mode: "queue", lang: () => panel.t.lang, extra: () => [...] });
//
// `timezone`: the office's, for the time the link was lost (the screen's clock otherwise).
// mode "queue": actions wait in the outbox (guide, counter); "disabled": actions are off
// until the link is back (supervisor); "view": a screen without actions (board, visitor).

import { h } from "/static/dom.js";
import { fill } from "/static/i18n.js";

const TEXT = {
  offline: ["● オフライン — サーバーとの接続が切れました。自動で再接続しています。", "● Offline — connection lost. Reconnecting automatically."],
  stale: ["● 記録サーバー停止中 — 表示が古い可能性があります。", "● Store unreachable — what you see may be out of date."],
  since: ["{t} から", "since {t}"],
  queue: ["操作は送信待ちとして保存し、接続が戻ると自動で送信します。", "Actions wait and are sent automatically when the connection is back."],
  disabled: ["接続が戻るまで操作はできません。", "Actions are disabled until the connection is back."],
  view: ["表示は最新ではない可能性があります。", "What you see may be out of date."],
  pending: ["送信待ち {n}件", "{n} waiting to be sent"],
};

/** Japanese first; English after it unless the screen is in Japanese. */
function say(lang, key, vars = {}) {
  const [ja, en] = TEXT[key].map((text) => fill(text, vars));
  return lang === "ja" ? [ja] : [ja, h("span", { lang: "en" }, ` / ${en}`)];
}

/**
 * Keep a banner in step with `hub`'s link. `element` (default: a new one at the top of the
 * body) is filled and shown while the link is down; `extra()` adds screen-specific lines.
 * @returns {{element: HTMLElement, render: () => void}} the banner and a way to redraw it
 */
export function mountLinkBanner(hub, { mode = "view", lang = () => "ja", extra = () => [], element = null, timezone = undefined } = {}) {
  const banner = element || h("div", { class: "link-banner", role: "alert", hidden: true });
  if (!element) document.body.prepend(banner);
  banner.classList.add("link-banner");
  let wasLive = false;
  const render = () => {
    const status = hub.status;
    if (status === "live") wasLive = true;
    document.documentElement.dataset.hubLink = status === "live" ? "live" : status === "stale" ? "stale" : status === "connecting" && !wasLive ? "connecting" : "offline";
    const pending = mode === "view" ? 0 : hub.pending.length;
    document.documentElement.dataset.hubPending = String(pending);
    const show = status !== "live" && (wasLive || status !== "connecting");
    banner.hidden = !show;
    if (!show) {
      banner.replaceChildren();
      return;
    }
    const l = lang();
    const since = hub.offlineSince && status !== "stale" ? new Date(hub.offlineSince).toLocaleTimeString("ja-JP", { hour: "2-digit", minute: "2-digit", second: "2-digit", timeZone: timezone }) : "";
    banner.dataset.status = status === "stale" ? "stale" : "offline";
    // (Element.replaceChildren would print a null as "null".)
    const lines = [
      h("p", { class: "link-state" }, say(l, status === "stale" ? "stale" : "offline"), since ? [" (", say(l, "since", { t: since }), ")"] : ""),
      h("p", {}, say(l, mode)),
      ...extra().map((line) => h("p", {}, line)),
      pending ? h("p", { class: "link-pending" }, h("span", { "aria-hidden": "true" }, "⇡ "), say(l, "pending", { n: pending })) : null,
    ];
    banner.replaceChildren(...lines.filter(Boolean));
  };
  hub.addEventListener("status", render);
  hub.addEventListener("outbox", render);
  render();
  return { element: banner, render };
}
