// The public congestion page, live: one `public` view per site over the shared hub client.
// The server renders every figure first (the page works without JavaScript); this only puts
// the view's newer counts and band labels into the same cells. No rule is computed here.

import { HubClient } from "/static/hub.js";

// The asset version this page was served with (the hub says when it changes).
const version = new URL(import.meta.url).searchParams.get("v") || "";

const liveState = document.getElementById("live-state");
const asOf = document.getElementById("as-of");
const hubs = [];

// The office's local time, whatever the reader's own time zone.
const clock = new Intl.DateTimeFormat("ja-JP", {
  hour: "2-digit",
  minute: "2-digit",
  hourCycle: "h23",
  timeZone: document.getElementById("live").dataset.timezone || undefined,
});
const hhmm = (date) => clock.format(date);

function text(ja, en) {
  const span = document.createElement("span");
  span.lang = "en";
  span.textContent = en;
  return [document.createTextNode(`${ja} `), span];
}

function renderSite(section, hub) {
  const site = Object.values(hub.entities.site || {})[0];
  const bands = site ? site.wait_bands : [];
  for (const [id, line] of Object.entries(hub.entities.queues || {})) {
    const row = section.querySelector(`tr[data-queue="${CSS.escape(id)}"]`);
    if (!row) continue;
    const before = row.dataset.live;
    const now = JSON.stringify(line);
    if (before === now) continue;
    row.dataset.live = now;
    row.dataset.band = line.open_counters ? String(line.band) : "off";
    const unit = document.createElement("span");
    unit.className = "unit";
    unit.textContent = "人";
    row.querySelector('[data-field="waiting"]').replaceChildren(String(line.waiting), unit);
    row.querySelector('[data-field="open_counters"]').textContent = String(line.open_counters);
    const mark = document.createElement("span");
    mark.className = "band-mark";
    mark.setAttribute("aria-hidden", "true");
    const label = bands[line.band] || { ja: "", en: "" };
    const words = line.open_counters ? text(label.ja, label.en || "") : text("受付停止中", "Not serving now");
    row.querySelector('[data-field="band"]').replaceChildren(mark, ...words);
    if (before !== undefined) {
      row.classList.remove("changed");
      void row.offsetWidth;
      row.classList.add("changed");
    }
  }
}

function renderStatus() {
  const live = hubs.every((h) => h.status === "live");
  liveState.replaceChildren(
    ...(live ? text("（自動で更新しています）", "updating live") : text("（接続中…）", "connecting…")),
  );
  document.body.dataset.live = live ? "live" : "connecting";
}

for (const section of document.querySelectorAll("section.site[data-site]")) {
  const hub = new HubClient({ site: section.dataset.site, view: { kind: "public" }, version });
  hub.addEventListener("change", () => {
    renderSite(section, hub);
    asOf.textContent = hhmm(new Date());
  });
  hub.addEventListener("status", renderStatus);
  hubs.push(hub);
  hub.start();
}
window.madoguchiCongestion = { hubs };
