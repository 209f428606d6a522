// The city overview: each of the supervisor's sites at a glance (waiting, alerts, counters,
// every queue), from /api/supervisor/overview every few seconds. The server decides alerts.

import { clockTime, h, replaceChildren } from "/static/dom.js";
import { local } from "/static/storage.js";
import { translator } from "/panels/supervisor-i18n.js";

const LANG_KEY = "madoguchi.supervisor.lang";
const EVERY = 5000;
const data = document.body.dataset;
let t = translator(local.get(LANG_KEY) || "ja");
let last = null;

function minutes(value) {
  return value == null ? t("no_counter") : t("minutes", { n: value });
}

function siteCard(site) {
  const alerts = site.alerts;
  return h(
    "section",
    { class: "city-site", dataset: { site: site.id, alerts: String(alerts) }, "aria-labelledby": `site-${site.id}` },
    h("h2", { id: `site-${site.id}` }, t.label(site.name)),
    h(
      "p",
      { class: "city-summary" },
      h("span", { class: "waiting" }, t("city_waiting", { n: site.waiting })),
      h("span", { class: alerts ? "has-alerts" : "" }, alerts ? `⚠ ${t("city_alerts", { n: alerts })}` : t("city_no_alert")),
      h("span", {}, t("city_counters", site.counters)),
      h("span", { class: "muted" }, t("city_visits", { n: site.visits_today })),
      site.stale ? h("span", { class: "error" }, t("city_stale")) : null,
    ),
    h(
      "table",
      {},
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          h("th", { scope: "col" }, t("col_queue")),
          h("th", { scope: "col", class: "num" }, t("col_waiting")),
          h("th", { scope: "col", class: "num" }, t("col_longest")),
          h("th", { scope: "col", class: "num" }, t("col_estimate")),
          h("th", { scope: "col", class: "num" }, t("col_open")),
        ),
      ),
      h(
        "tbody",
        {},
        site.queues.map((q) =>
          h(
            "tr",
            { class: q.alert ? "in-alert" : "", dataset: { queue: q.id, alert: q.alert } },
            h(
              "th",
              { scope: "row" },
              h("span", { class: "series" }, q.series),
              " ",
              t.label(q.label),
              q.alert ? h("span", { class: "badge alert" }, `⚠ ${t("alert_mark")}`) : null,
            ),
            h("td", { class: "num" }, t("persons", { n: q.waiting })),
            h("td", { class: "num" }, q.waiting ? t("minutes", { n: q.longest_wait }) : "—"),
            h("td", { class: "num" }, q.waiting ? minutes(q.estimated_wait) : "—"),
            h("td", { class: "num" }, String(q.open_counters)),
          ),
        ),
      ),
    ),
    h("a", { class: "open-live", href: `/supervisor/${encodeURIComponent(site.id)}` }, `${t("city_site_link")} →`),
  );
}

function render() {
  document.documentElement.lang = t.lang;
  for (const el of document.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  document.getElementById("lang-toggle").textContent = t("lang_toggle");
  document.getElementById("lang-toggle").title = t("lang_toggle_label");
  document.getElementById("staff-name").textContent = t("signed_in_as", { name: data.staffName });
  document.title = `${t("city_title")} — Madoguchi`;
  if (!last) return;
  replaceChildren(document.getElementById("sites"), last.sites.map(siteCard));
  const zone = last.sites.length ? last.sites[0].timezone : undefined;
  document.getElementById("updated").textContent = t("city_updated", { at: clockTime(last.now, zone) });
}

async function load() {
  const error = document.getElementById("error");
  try {
    const response = await fetch("/api/supervisor/overview", { cache: "no-store" });
    if (response.status === 401) {
      location.assign("/signin?next=/supervisor");
      return;
    }
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    last = await response.json();
    error.hidden = true;
    render();
  } catch {
    error.textContent = t("city_error");
    error.hidden = false;
  }
}

document.getElementById("lang-toggle").addEventListener("click", () => {
  t = translator(t.lang === "ja" ? "en" : "ja");
  local.set(LANG_KEY, t.lang);
  render();
});
render();
load();
setInterval(load, EVERY);
