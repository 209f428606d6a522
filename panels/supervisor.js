// The supervisor's live view: every queue, counter and stuck visitor of a site, alerts when a
// queue's estimated wait reaches its threshold, and the actions that relieve it. It subscribes
// to the server's `supervisor` view through the shared HubClient and renders what the server
// computed; the charts and the trend come from /api/sites/{site}/figures, once a minute.

import { HubClient, RETRY_CODES } from "/static/hub.js";
import { mountLinkBanner } from "/static/linkbar.js";
import { Actions } from "/panels/supervisor-actions.js";
import { drawFigures } from "/panels/supervisor-charts.js";
import { Clock, clockTime, h, replaceChildren } from "/static/dom.js";
import { local } from "/static/storage.js";
import { refusal, translator } from "/panels/supervisor-i18n.js";
import * as view from "/panels/supervisor-render.js";
// The printers' section runs on its own (polled over HTTP, not the hub).
import "/panels/supervisor-printers.js";
// So does the devices' section (boards and kiosks, and revoking a stolen one).
import "/panels/supervisor-devices.js";

const data = document.body.dataset;
const LANG_KEY = "madoguchi.supervisor.lang";
const SOUND_KEY = "madoguchi.supervisor.sound";
const FIGURES_EVERY = 60000;

export class Page {
  constructor(catalog) {
    this.catalog = catalog;
    this.names = new view.Names(catalog);
    this.site = data.site;
    this.timezone = catalog.site.timezone;
    this.clock = new Clock(Number(data.now));
    this.trend = {};
    this.figures = null;
    this.alerting = new Set();
    this.watchKey = "";
    this.alertKey = "";
    this.wasLive = false;
    this.sound = local.get(SOUND_KEY) === "on";
    this.audio = null;
    this.t = translator(local.get(LANG_KEY) || "ja");
    this.hub = new HubClient({ site: this.site, view: { kind: "supervisor" }, version: data.version });
    this.actions = new Actions(this);
  }

  get live() {
    return this.hub.status === "live";
  }

  get ctx() {
    return {
      t: this.t,
      names: this.names,
      catalog: this.catalog,
      clock: this.clock,
      timezone: this.timezone,
      entities: this.hub.entities,
      trend: this.trend,
      live: this.live,
    };
  }

  start() {
    const hub = this.hub;
    hub.addEventListener("change", () => this.render());
    hub.addEventListener("status", () => this.onStatus());
    hub.addEventListener("version", () => this.showNotice(this.t("version_notice")));
    hub.addEventListener("failure", (event) => this.onFailure(event.detail));
    document.addEventListener("click", (event) => {
      const button = event.target.closest("button[data-action]");
      if (!button || button.disabled) return;
      this.actions.run(button.dataset.action, { ...button.dataset });
    });
    document.getElementById("notice-form").addEventListener("submit", (event) => {
      event.preventDefault();
      this.actions.postNotice(event.target);
    });
    document.getElementById("lang-toggle").addEventListener("click", () => this.toggleLanguage());
    document.getElementById("sound-toggle").addEventListener("click", () => this.toggleSound());
    document.getElementById("sign-out").addEventListener("click", () => this.signOut());
    document.getElementById("nav-city").hidden = !data.otherSites;
    setInterval(() => this.tick(), 1000);
    this.applyStrings();
    this.render();
    this.linkBanner = mountLinkBanner(hub, {
      mode: "disabled",
      lang: () => this.t.lang,
      element: document.getElementById("banner"),
      timezone: this.timezone,
    });
    hub.start();
    this.loadFigures();
    setInterval(() => this.loadFigures(), FIGURES_EVERY);
  }

  // --- language and sound -----------------------------------------------------------------

  toggleLanguage() {
    const next = this.t.lang === "ja" ? "en" : "ja";
    local.set(LANG_KEY, next);
    this.t = translator(next);
    this.say("");
    this.applyStrings();
    this.render();
    this.drawCharts();
  }

  applyStrings() {
    const t = this.t;
    document.documentElement.lang = t.lang;
    for (const el of document.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
    document.getElementById("lang-toggle").textContent = t("lang_toggle");
    document.getElementById("lang-toggle").title = t("lang_toggle_label");
    document.getElementById("staff-name").textContent = t("signed_in_as", { name: data.staffName });
    document.getElementById("site-name").textContent = t.label(this.catalog.site.name);
    document.title = `${t("title")} — ${t.label(this.catalog.site.name)}`;
    replaceChildren(document.getElementById("notice-board-list"), view.boardChecks(this.ctx));
    this.renderSound();
  }

  toggleSound() {
    this.sound = !this.sound;
    local.set(SOUND_KEY, this.sound ? "on" : "off");
    this.renderSound();
    if (this.sound) this.beep(); // a tap is also what lets the browser play sound later
  }

  renderSound() {
    const button = document.getElementById("sound-toggle");
    button.textContent = this.t(this.sound ? "sound_on" : "sound_off");
    button.setAttribute("aria-pressed", String(this.sound));
  }

  /** A short two-tone alert, synthesised (no audio file needed). */
  beep() {
    try {
      this.audio = this.audio || new AudioContext();
      const ctx = this.audio;
      for (const [i, freq] of [880, 660].entries()) {
        const osc = ctx.createOscillator();
        const gain = ctx.createGain();
        osc.frequency.value = freq;
        gain.gain.setValueAtTime(0.0001, ctx.currentTime + i * 0.25);
        gain.gain.exponentialRampToValueAtTime(0.25, ctx.currentTime + i * 0.25 + 0.02);
        gain.gain.exponentialRampToValueAtTime(0.0001, ctx.currentTime + i * 0.25 + 0.22);
        osc.connect(gain).connect(ctx.destination);
        osc.start(ctx.currentTime + i * 0.25);
        osc.stop(ctx.currentTime + i * 0.25 + 0.24);
      }
      window.supervisorBeeps = (window.supervisorBeeps || 0) + 1;
    } catch {
      // No audio output: the alert is still on screen.
    }
  }

  // --- rendering --------------------------------------------------------------------------

  render() {
    const ctx = this.ctx;
    const alerts = view.alertItems(ctx);
    // Redrawn only when an alert changes: the list is a live region, read out on each change.
    const alertKey = JSON.stringify([this.t.lang, ctx.live, alerts.map((a) => [a.text, a.spare.map((c) => c.id)])]);
    if (alertKey !== this.alertKey) {
      this.alertKey = alertKey;
      replaceChildren(document.getElementById("alert-list"), view.alertList(ctx, alerts));
    }
    document.getElementById("no-alerts").hidden = alerts.length > 0;
    document.getElementById("alerts").dataset.count = String(alerts.length);
    this.noticeNewAlerts(alerts);
    replaceChildren(document.querySelector("#queues tbody"), view.queueRows(ctx));
    replaceChildren(document.querySelector("#counters tbody"), view.counterRows(ctx));
    this.renderWatch(true);
    replaceChildren(document.getElementById("notices"), view.noticeList(ctx));
    replaceChildren(document.getElementById("leases"), view.leaseList(ctx));
    document.getElementById("booths-section").hidden = !this.catalog.bereavement;
    replaceChildren(document.getElementById("booths"), view.boothList(ctx));
    this.actions.refresh();
    document.querySelector("#notice-form button[type=submit]").disabled = !this.live;
    this.renderConnection();
  }

  noticeNewAlerts(alerts) {
    const now = new Set(alerts.map((a) => `${a.queue}:${a.kind}`));
    const fresh = [...now].some((key) => !this.alerting.has(key));
    this.alerting = now;
    if (fresh && this.sound && this.hub.seq !== null) this.beep();
  }

  renderWatch(force = false) {
    const items = view.watchItems(this.ctx);
    const key = items.map((w) => `${w.id}:${w.kind}`).join(",");
    if (!force && key === this.watchKey) return;
    this.watchKey = key;
    replaceChildren(document.getElementById("watch"), view.watchList(this.ctx, items));
  }

  tick() {
    const t = this.t;
    for (const el of document.querySelectorAll("[data-elapsed]")) {
      if (el.dataset.elapsed) el.textContent = this.clock.elapsed(Number(el.dataset.elapsed));
    }
    for (const el of document.querySelectorAll("[data-idle-since]")) {
      el.textContent = t("idle_for", { t: this.clock.elapsed(Number(el.dataset.idleSince)) });
    }
    for (const cell of document.querySelectorAll("td.longest[data-since]")) {
      if (!cell.dataset.since) continue;
      const late = cell.dataset.lateAt && this.clock.now() >= Number(cell.dataset.lateAt);
      const text = t("minutes", { n: this.clock.minutes(Number(cell.dataset.since)) });
      cell.replaceChildren(text, late ? h("span", { class: "badge warn" }, t("over_limit")) : "");
      cell.classList.toggle("late", Boolean(late));
    }
    this.renderWatch();
  }

  renderConnection() {
    const conn = document.getElementById("conn");
    const status = this.hub.status;
    conn.dataset.status = status;
    conn.textContent = `● ${this.t(`conn_${status}`)}`;
    document.body.classList.toggle("is-offline", status !== "live");
    this.linkBanner?.render();
  }

  onFailure(message) {
    // "Not now" refusals are retried by the hub client; the others are final.
    if (message.code === "rate_limited") this.error(this.t("err_rate_limited"));
    else if (RETRY_CODES.has(message.code)) this.error(this.t("err_retrying"));
    else this.error(refusal(this.t, message.code, message.message));
  }

  onStatus() {
    if (this.live) this.wasLive = true;
    this.render();
  }

  // --- figures and charts -----------------------------------------------------------------

  async loadFigures() {
    try {
      const response = await fetch(`/api/sites/${encodeURIComponent(this.site)}/figures`, { cache: "no-store" });
      if (!response.ok) return;
      this.figures = await response.json();
      this.trend = this.figures.trend || {};
      document.getElementById("charts-updated").textContent = this.t("chart_updated", { at: clockTime(this.clock.now(), this.timezone) });
      this.render();
      this.drawCharts();
    } catch {
      // Offline for now: the next round tries again.
    }
  }

  drawCharts() {
    if (!this.figures) return;
    const t = this.t;
    drawFigures(
      { waiting: "chart-waiting", estimate: "chart-estimate", arrivals: "chart-arrivals", service: "chart-service" },
      this.figures,
      {
        queues: this.catalog.queues.map((q) => ({ id: q.id, name: this.names.queue(t, q.id) })),
        procedureName: (pid) => this.names.procedure(t, pid),
        timezone: this.timezone,
        t,
      },
    );
  }

  // --- messages ---------------------------------------------------------------------------

  say(text) {
    document.getElementById("error").textContent = "";
    document.getElementById("message").textContent = text;
  }

  error(text) {
    document.getElementById("message").textContent = "";
    document.getElementById("error").textContent = text;
  }

  showNotice(text) {
    const notice = document.getElementById("notice");
    notice.textContent = text;
    notice.hidden = false;
  }

  async signOut() {
    try {
      await fetch("/api/logout", { method: "POST" });
    } finally {
      location.assign(`/signin?next=${encodeURIComponent(location.pathname)}`);
    }
  }
}

async function boot() {
  const response = await fetch(`/api/sites/${encodeURIComponent(data.site)}/catalog`);
  if (!response.ok) throw new Error(`catalog: HTTP ${response.status}`);
  const page = new Page(await response.json());
  window.supervisorPage = page; // for the browser console (and tests that look inside)
  page.start();
}

boot().catch((error) => {
  document.getElementById("error").textContent = `読み込めませんでした / Could not load: ${error.message}`;
});
