// The counter panel: the clerk's screen at a counter. It subscribes to the `counter` view of
// its department through the shared HubClient, renders what the server computed, and sends
// commands from buttons and keyboard shortcuts (counter-keys.js).

import { HubClient, RETRY_CODES } from "/static/hub.js";
import { mountLinkBanner } from "/static/linkbar.js";
import { Actions } from "/panels/counter-actions.js";
import { Clock, h, replaceChildren } from "/static/dom.js";
import { local } from "/static/storage.js";
import { refusal, translator } from "/panels/counter-i18n.js";
import { SHORTCUTS, bindShortcuts, keyFor } from "/panels/counter-keys.js";
import { availability, Catalog, deriveModel } from "/panels/counter-model.js";
import * as view from "/panels/counter-render.js";

const data = document.body.dataset;
const LANG_KEY = "madoguchi.counter.lang";
const COUNTER_KEY = `madoguchi.counter.${data.site}.${data.department}`;
const ALWAYS = new Set(["lang", "help"]);

export class Panel {
  constructor(catalog) {
    this.catalog = catalog;
    this.site = data.site;
    this.department = data.department;
    this.staff = data.staff;
    this.clock = new Clock(Number(data.now));
    this.timezone = catalog.raw.site.timezone;
    this.busy = 0;
    this.openDetails = new Set();
    // Protected visits whose details this screen has shown (each showing is audited once).
    this.shownProtected = new Set();
    this.wasLive = false;
    this.setLanguage(local.get(LANG_KEY) || "ja", { render: false });
    const asked = data.counter || local.get(COUNTER_KEY);
    this.counterId = catalog.counters.get(asked)?.department === this.department ? asked : "";
    this.hub = new HubClient({
      site: this.site,
      view: { kind: "counter", department: this.department },
      version: data.version,
      neverLate: catalog.raw.never_late,
    });
    this.model = deriveModel({}, this.counterId);
    this.actions = new Actions(this);
  }

  start() {
    const hub = this.hub;
    hub.addEventListener("change", () => this.render());
    hub.addEventListener("status", () => this.onStatus());
    this.linkBanner = mountLinkBanner(hub, {
      mode: "queue",
      lang: () => this.t.lang,
      extra: () => [this.t("banner_no_calls")],
      timezone: this.timezone,
      element: document.getElementById("banner"),
    });
    hub.addEventListener("failure", (event) => this.onFailure(event.detail));
    hub.addEventListener("version", () => this.showNotice(this.t("version_notice")));
    bindShortcuts((action, options) => this.act(action, options));
    document.addEventListener("click", (event) => {
      const button = event.target.closest("button[data-action]");
      if (!button || button.disabled) return;
      const { action, visit, procedure } = button.dataset;
      this.act(action, { visit, procedure });
    });
    for (const id of ["incoming-body", "serving-body"]) {
      // <details> the clerk opened stay open when the list is redrawn.
      document.getElementById(id).addEventListener(
        "toggle",
        (event) => {
          const key = event.target.dataset && event.target.dataset.key;
          if (!key) return;
          if (event.target.open) {
            this.openDetails.add(key);
            // Opening a visit's details is recorded for the audit trail (who read what).
            const visit = /^(?:more|answers)-(.+)$/.exec(key);
            if (visit) this.hub.viewed(visit[1]);
          } else {
            this.openDetails.delete(key);
          }
        },
        true,
      );
    }
    document.getElementById("counter-select").addEventListener("change", (e) => {
      this.chooseCounter(e.target.value);
      // Out of the list, so the next key is a shortcut (a letter in a list picks an option).
      if (e.target.value) this.focusSection("serving");
    });
    document.getElementById("department-select").addEventListener("change", (e) => {
      location.assign(`/counter/${encodeURIComponent(this.site)}?department=${encodeURIComponent(e.target.value)}`);
    });
    document.getElementById("ticket-form").addEventListener("submit", (event) => this.onTicket(event));
    document.getElementById("ticket-input").addEventListener("keydown", (event) => {
      // Esc leaves the field, so the single-key shortcuts work again.
      if (event.key === "Escape") this.focusSection("serving");
    });
    document.getElementById("sign-out").addEventListener("click", () => this.signOut());
    setInterval(() => this.tick(), 1000);
    this.applyStrings();
    this.render();
    hub.start();
    if (!this.counterId) document.getElementById("counter-select").focus();
  }

  get live() {
    return this.hub.status === "live";
  }

  get ctx() {
    return {
      t: this.t,
      catalog: this.catalog,
      clock: this.clock,
      department: this.department,
      timezone: this.timezone,
      isOpen: (key) => this.openDetails.has(key),
    };
  }

  act(action, options = {}) {
    return this.actions.run(action, options);
  }

  whereText(visit) {
    return view.whereText(this.ctx, visit);
  }

  // --- language ---------------------------------------------------------------------------

  setLanguage(lang, { render = true } = {}) {
    this.t = translator(lang);
    document.documentElement.lang = this.t.lang;
    if (render) {
      this.applyStrings();
      this.render();
    }
  }

  toggleLanguage() {
    const next = this.t.lang === "ja" ? "en" : "ja";
    local.set(LANG_KEY, next);
    this.say(""); // a message in the other language would only confuse
    this.setLanguage(next);
  }

  /** Fill the page's fixed texts, the action buttons and the shortcut list. */
  applyStrings() {
    const t = this.t;
    for (const el of document.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
    for (const el of document.querySelectorAll("[data-i18n-placeholder]")) el.placeholder = t(el.dataset.i18nPlaceholder);
    for (const button of document.querySelectorAll("button[data-label]")) {
      const action = button.dataset.action || button.dataset.actionState;
      const key = keyFor(action);
      const shown = t.has(key) ? t(key) : key;
      // A button without a shortcut (mark protected) gets no key hint.
      button.replaceChildren(...[h("span", {}, t(button.dataset.label)), key ? h("kbd", {}, shown) : null].filter(Boolean));
      if (key && !t.has(key)) button.setAttribute("aria-keyshortcuts", key);
    }
    const lang = document.getElementById("lang-toggle");
    lang.replaceChildren(h("span", {}, t("lang_toggle")), h("kbd", {}, keyFor("lang")));
    lang.title = t("lang_toggle_label");
    lang.setAttribute("aria-keyshortcuts", "L");
    document.getElementById("staff-name").textContent = t("signed_in_as", { name: data.staffName });
    document.getElementById("dept-name").textContent = this.catalog.departmentName(t, this.department);
    const list = document.getElementById("shortcut-list");
    list.replaceChildren(
      ...SHORTCUTS.flatMap((s) => [h("dt", {}, h("kbd", {}, t.has(s.show) ? t(s.show) : s.show)), h("dd", {}, t(s.label))]),
      h("dt", {}, h("kbd", {}, "Esc")),
      h("dd", {}, t("a_escape")),
    );
    this.fillSelects();
  }

  fillSelects() {
    const t = this.t;
    const counters = this.catalog.raw.counters.filter((c) => c.department === this.department);
    const select = document.getElementById("counter-select");
    select.replaceChildren(
      h("option", { value: "" }, t("choose_counter")),
      ...counters.map((c) =>
        h("option", { value: c.id }, t("counter_option", { number: c.number }), c.label ? ` ${t.label(c.label)}` : ""),
      ),
    );
    select.value = this.counterId;
    const picker = document.getElementById("department-picker");
    picker.hidden = !data.supervisor;
    if (data.supervisor) {
      const departments = document.getElementById("department-select");
      departments.replaceChildren(
        ...this.catalog.raw.departments.map((d) => h("option", { value: d.id }, t.label(d.name))),
      );
      departments.value = this.department;
    }
  }

  // --- counter choice ---------------------------------------------------------------------

  chooseCounter(counterId) {
    this.counterId = counterId;
    local.set(COUNTER_KEY, counterId);
    const url = new URL(location.href);
    if (counterId) url.searchParams.set("counter", counterId);
    else url.searchParams.delete("counter");
    history.replaceState(null, "", url);
    this.clearError();
    this.render();
  }

  // --- rendering --------------------------------------------------------------------------

  render() {
    const model = (this.model = deriveModel(this.hub.entities, this.counterId));
    const can = availability(model, { live: this.live, actor: this.hub.actor || this.staff });
    const ctx = this.ctx;
    const t = this.t;
    const counter = model.counter;
    const status = document.getElementById("counter-status");
    status.textContent = counter ? t(`status_${counter.status}`) : "—";
    status.dataset.status = counter ? counter.status : "none";
    replaceChildren(document.getElementById("serving-body"), model.current ? view.servingCard(ctx, model.current) : view.idleCard(ctx, model, this.hub.actor || this.staff));
    replaceChildren(document.getElementById("lines"), view.queueSection(ctx, model, can.callTicket));
    replaceChildren(document.getElementById("parked"), view.parkedSection(ctx, model, can.unpark));
    replaceChildren(document.getElementById("incoming-body"), view.boothSection(ctx, model, can.takeBooth), view.incomingSection(ctx, model));
    replaceChildren(document.getElementById("recent-body"), view.recentSection(ctx, model));
    replaceChildren(document.getElementById("counters-body"), view.countersSection(ctx, model, this.counterId));
    // After the sections: their own buttons (procedures, line, parked) are new every time.
    for (const button of document.querySelectorAll("button[data-action]")) {
      const action = button.dataset.action;
      if (!ALWAYS.has(action)) button.disabled = !can[action];
    }
    document.querySelector("#ticket-form button").disabled = !can.callTicket;
    this.auditProtected(model);
    document.body.classList.toggle("has-visitor", Boolean(model.current));
    const number = counter ? t("counter_option", { number: counter.number }) : t("title");
    document.title = `${model.current ? `${model.current.ticket} · ` : ""}${number} — ${t("title")}`;
    this.renderConnection();
  }

  /** Showing a protected visitor's details (serving or incoming card) is a read the audit
   * trail records, as opening any visit's details is; once per showing on this screen. */
  auditProtected(model) {
    const shown = [model.current, ...model.incoming].filter((v) => v && v.protected && !v.stub);
    if (!this.live) return;
    for (const visit of shown) {
      if (this.shownProtected.has(visit.id)) continue;
      this.shownProtected.add(visit.id);
      this.hub.viewed(visit.id);
    }
  }

  tick() {
    for (const el of document.querySelectorAll("[data-elapsed]")) el.textContent = this.clock.elapsed(Number(el.dataset.elapsed));
    for (const el of document.querySelectorAll("[data-waited]")) {
      el.textContent = this.t("waited", { t: this.t("minutes", { n: this.clock.minutes(Number(el.dataset.waited)) }) });
    }
  }

  renderConnection() {
    const conn = document.getElementById("conn");
    const status = this.hub.status;
    conn.dataset.status = status;
    conn.textContent = `● ${this.t(`conn_${status}`)}`;
    document.body.classList.toggle("is-offline", status !== "live");
    this.linkBanner?.render();
  }

  onStatus() {
    const live = this.live;
    if (live && this.wasLive && this.dropped) this.say(this.t("banner_resynced"));
    this.dropped = !live && this.wasLive;
    if (live) this.wasLive = true;
    this.render();
  }

  onFailure(message) {
    if (message.code === "rate_limited") this.error(this.t("err_rate_limited"));
    else if (RETRY_CODES.has(message.code)) this.error(this.t("err_retrying"));
    else this.error(refusal(this.t, message.code, { message: message.message }));
  }

  // --- messages and focus -----------------------------------------------------------------

  setBusy(delta) {
    this.busy = Math.max(0, this.busy + delta);
    document.body.classList.toggle("is-busy", this.busy > 0);
    this.render();
  }

  say(text) {
    document.getElementById("error").textContent = "";
    document.getElementById("message").textContent = text;
  }

  error(text) {
    document.getElementById("message").textContent = "";
    document.getElementById("error").textContent = text;
    return false;
  }

  clearError() {
    document.getElementById("error").textContent = "";
  }

  showNotice(text) {
    const notice = document.getElementById("notice");
    notice.textContent = text;
    notice.hidden = false;
  }

  focusSection(id, { scroll = false } = {}) {
    const section = document.getElementById(id);
    section.focus({ preventScroll: !scroll });
  }

  focusTicketInput() {
    const input = document.getElementById("ticket-input");
    input.focus();
    input.select();
  }

  async onTicket(event) {
    event.preventDefault();
    const input = document.getElementById("ticket-input");
    const ticket = input.value.trim().toUpperCase();
    if (!ticket) return;
    const applied = await this.act("callTicket", { visit: ticket });
    if (applied) input.value = "";
  }

  async signOut() {
    try {
      await fetch("/api/logout", { method: "POST" });
    } finally {
      location.assign(`/signin?next=${encodeURIComponent(location.pathname + location.search)}`);
    }
  }
}

async function boot() {
  const response = await fetch(`/api/sites/${encodeURIComponent(data.site)}/catalog`);
  if (!response.ok) throw new Error(`catalog: HTTP ${response.status}`);
  const panel = new Panel(new Catalog(await response.json()));
  window.counterPanel = panel; // for the browser console (and tests that look inside)
  panel.start();
}

boot().catch((error) => {
  const el = document.getElementById("error");
  el.textContent = `読み込めませんでした / Could not load: ${error.message}`;
});
