// Today's visits: where each visitor is now (from the server's floor view), search by ticket
// number, and the guide's actions on one visit (forms filled, edit intake, cancel, ticket).

import { h, replaceChildren } from "/static/dom.js";
import { clock, text, ui } from "./i18n.js";
import { placeName } from "./preview.js";

// Plain glyphs every phone font has; the status is always spelled out next to them.
const STATUS_ICON = {
  writing: "□",
  waiting: "…",
  called: "▶",
  serving: "●",
  parked: "‖",
  out: "↗",
  done: "✓",
  cancelled: "✕",
  no_show: "—",
  expired: "—",
};

/** Where the visitor is now, in words (the floor view's `where`, `position` and steps). */
export function whereText(visit, catalog) {
  const where = visit.where || {};
  // A family seated at the bereavement corner (issue 22b): at their booth, whoever is there.
  const booth = visit.booth && catalog.bereavement && catalog.bereavement.booths.find((b) => b.id === visit.booth);
  if (booth && ["waiting", "called", "serving"].includes(where.kind)) {
    return ui(where.kind === "serving" ? "where_booth_serving" : "where_booth", { booth: text(booth.label), counter: where.counter || "" });
  }
  switch (where.kind) {
    case "writing":
      return ui("where_writing");
    case "waiting": {
      const queue = placeName(catalog, where.queue);
      if (visit.current > 0) return ui("where_handed_on", { queue });
      if (visit.position !== null && visit.position !== undefined) {
        return ui("where_waiting_pos", { queue, n: visit.position + 1 });
      }
      return ui("where_waiting", { queue });
    }
    case "called":
      return ui("where_called", { counter: where.counter });
    case "serving":
      return ui("where_serving", { counter: where.counter });
    case "parked":
      return ui("where_parked");
    case "out":
      return ui("where_out", { queue: placeName(catalog, where.queue), time: clock(visit.out?.back_by) });
    default:
      return ui(`where_${where.kind || visit.status}`);
  }
}

function eventNames(intake, catalog) {
  const names = intake.events.map((e) => text((catalog.life_events[e] || {}).name, e));
  const extras = intake.extra_procedures.map((p) => text((catalog.procedures[p] || {}).name, p));
  return [...names, ...extras].join("、");
}

export class VisitList {
  /**
   * @param {object} options
   * @param {HTMLElement} options.root   the #visits section
   * @param {object} options.catalog
   * @param {object} options.actions    {markForms(visit, forms), cancel(visit, reason), edit(visit), ticketUrl(visit)}
   */
  constructor({ root, catalog, actions, timezone }) {
    this.root = root;
    this.catalog = catalog;
    this.actions = actions;
    this.timezone = timezone;
    this.visits = {};
    this.pending = [];
    this.asOf = null;
    this.filter = "open";
    this.query = "";
    this.openId = null;
    this.list = root.querySelector("#visit-list");
    this.dialog = document.getElementById("visit-dialog");
    this.search = root.querySelector("#visit-search");
    this.search.addEventListener("input", () => {
      this.query = this.search.value.trim().toUpperCase();
      this.render();
    });
    for (const button of root.querySelectorAll("[data-filter]")) {
      button.addEventListener("click", () => {
        this.filter = button.dataset.filter;
        this.render();
      });
    }
    this.dialog.addEventListener("close", () => {
      this.openId = null;
    });
  }

  /** New data: the floor view's visits, the outbox, and (offline) when they were last live. */
  update({ visits, pending, asOf }) {
    this.visits = visits || {};
    this.pending = pending || [];
    this.asOf = asOf || null;
    this.render();
    if (this.openId) this.#fillDialog();
  }

  openCount() {
    return Object.values(this.visits).filter((v) => !v.closed_at).length;
  }

  render() {
    for (const button of this.root.querySelectorAll("[data-filter]")) {
      button.setAttribute("aria-pressed", button.dataset.filter === this.filter ? "true" : "false");
    }
    const stale = this.root.querySelector("#visits-as-of");
    stale.hidden = !this.asOf;
    if (this.asOf) stale.textContent = ui("as_of", { time: this.asOf });

    const creating = this.query ? [] : this.pending.filter((p) => p.command.type === "CreateVisit");
    const visits = Object.values(this.visits)
      .filter((v) => this.filter === "all" || !v.closed_at)
      .filter((v) => !this.query || (v.ticket && v.ticket.includes(this.query)))
      .sort((a, b) => b.created_at - a.created_at);
    const items = [
      ...creating.map((p) => this.#pendingItem(p)),
      ...visits.map((v) => this.#item(v)),
    ];
    replaceChildren(this.list, items.length ? items : h("li", { class: "empty muted" }, ui("no_visits")));
  }

  #pendingItem(item) {
    const intake = item.command.intake;
    return h(
      "li",
      { class: "visit pending", "data-command": item.id },
      h(
        "div",
        { class: "visit-row" },
        h("span", { class: "ticket-no muted" }, "—"),
        h(
          "span",
          { class: "visit-main" },
          h("span", { class: "status-chip pending" }, h("span", { "aria-hidden": "true" }, "⇡ "), item.sent ? ui("sent_waiting") : ui("not_sent")),
          h("span", { class: "where" }, ui("pending_create")),
          h("span", { class: "events muted" }, eventNames(intake, this.catalog)),
        ),
      ),
    );
  }

  /** A protected visit: that it exists and its state, nothing that tells who or where. */
  #protectedItem(visit) {
    return h(
      "li",
      { class: `visit protected status-${visit.status}`, "data-visit": visit.id },
      h(
        "div",
        { class: "visit-row" },
        h("span", { class: "ticket-no" }, "🛡"),
        h(
          "span",
          { class: "visit-main" },
          h("span", { class: "status-chip protected" }, ui("protected")),
          h("span", { class: "where muted" }, ui("protected_hint")),
        ),
        h("span", { class: "time muted" }, clock(visit.created_at, this.timezone)),
      ),
    );
  }

  #item(visit) {
    if (visit.stub) return this.#protectedItem(visit);
    const needs = visit.intake.needs.map((n) => text(this.catalog.needs[n], n));
    return h(
      "li",
      { class: `visit status-${visit.status}`, "data-visit": visit.id, "data-ticket": visit.ticket },
      h(
        "button",
        { type: "button", class: "visit-row", onclick: () => this.open(visit.id) },
        h("span", { class: "ticket-no" }, visit.ticket),
        h(
          "span",
          { class: "visit-main" },
          h(
            "span",
            { class: `status-chip ${visit.status}` },
            h("span", { "aria-hidden": "true" }, `${STATUS_ICON[visit.status] || ""} `),
            ui(`status_${visit.status}`),
          ),
          visit.priority ? h("span", { class: "status-chip priority" }, ui("priority")) : null,
          h("span", { class: "where" }, whereText(visit, this.catalog)),
          h("span", { class: "events muted" }, eventNames(visit.intake, this.catalog)),
          needs.length ? h("span", { class: "needs-line" }, needs.join("・")) : null,
        ),
        h("span", { class: "time muted" }, clock(visit.created_at, this.timezone)),
      ),
    );
  }

  /** Stepping out (いったん外出) for a visitor waiting in line, and "back" for one out. */
  #outingActions(visit) {
    if (visit.status === "out") {
      return [
        visit.out?.held_at ? h("p", { class: "warn" }, "⏸ ", ui("out_held")) : null,
        h("button", { type: "button", id: "step-back", onclick: () => this.actions.stepBack(visit) }, ui("step_back_do")),
      ];
    }
    if (visit.status !== "waiting") return [];
    const later = clock(Date.now() / 1000 + 30 * 60, this.timezone);
    const time = h("input", { id: "step-out-time", type: "time", value: later, required: true });
    return [
      h(
        "div",
        { class: "row step-out" },
        h("label", { for: "step-out-time" }, ui("step_out_time")),
        time,
        h("button", { type: "button", class: "secondary", id: "step-out", onclick: () => time.value && this.actions.stepOut(visit, time.value) }, ui("step_out_do")),
      ),
    ];
  }

  open(visitId) {
    this.openId = visitId;
    this.#fillDialog();
    if (!this.dialog.open) this.dialog.showModal();
    this.dialog.scrollTop = 0;
  }

  #fillDialog() {
    const visit = this.visits[this.openId];
    if (!visit) {
      this.dialog.close();
      return;
    }
    const catalog = this.catalog;
    const intake = visit.intake;
    const formsLeft = Object.entries(visit.forms).filter(([, done]) => !done).map(([f]) => f);
    const reason = h("input", { id: "cancel-reason", type: "text", maxlength: "200" });
    const confirmBox = h(
      "div",
      { class: "confirm", hidden: true },
      h("p", {}, ui("cancel_confirm", { ticket: visit.ticket })),
      h("label", { for: "cancel-reason" }, ui("cancel_reason")),
      reason,
      h(
        "div",
        { class: "row" },
        h("button", { type: "button", class: "danger", id: "cancel-do", onclick: () => { this.actions.cancel(visit, reason.value.trim()); this.dialog.close(); } }, ui("cancel_do")),
        h("button", { type: "button", class: "secondary", onclick: () => { confirmBox.hidden = true; } }, ui("back")),
      ),
    );
    const open = !visit.closed_at;
    replaceChildren(
      this.dialog,
      h(
        "div",
        { class: "sheet" },
        h(
          "header",
          { class: "sheet-head" },
          h("h2", { id: "visit-dialog-title" }, h("span", { class: "ticket-no" }, visit.ticket)),
          h("button", { type: "button", class: "secondary", onclick: () => this.dialog.close() }, ui("close")),
        ),
        h(
          "p",
          { class: "where big" },
          h("span", { class: `status-chip ${visit.status}` }, h("span", { "aria-hidden": "true" }, `${STATUS_ICON[visit.status] || ""} `), ui(`status_${visit.status}`)),
          " ",
          whereText(visit, catalog),
        ),
        h(
          "dl",
          { class: "facts" },
          h("dt", {}, ui("events_label")),
          h("dd", {}, eventNames(intake, catalog)),
          h("dt", {}, ui("party_size")),
          h("dd", {}, ui("people", { n: intake.party_size })),
          h("dt", {}, ui("language")),
          h("dd", {}, text(catalog.languages[intake.language], intake.language), intake.interpreter ? ` / ${ui("interpreter")}: ${text(catalog.languages[intake.interpreter], intake.interpreter)}` : ""),
          intake.needs.length ? [h("dt", {}, ui("needs")), h("dd", {}, intake.needs.map((n) => text(catalog.needs[n], n)).join("・"))] : null,
          intake.note ? [h("dt", {}, ui("note")), h("dd", { class: "note" }, intake.note)] : null,
          h("dt", {}, ui("issued_at")),
          h("dd", {}, clock(visit.created_at, this.timezone)),
        ),
        h("h3", {}, ui("steps")),
        h(
          "ol",
          { class: "itinerary small" },
          visit.steps.map((step) =>
            h(
              "li",
              { class: `stop step-${step.status}` },
              h("div", { class: "stop-head" }, h("strong", {}, placeName(catalog, step.queue)), " ", h("span", { class: "status-chip" }, ui(`step_status_${step.status}`))),
              step.note ? h("p", { class: "note" }, step.note) : null,
              h(
                "ul",
                { class: "procs" },
                step.procedures.map((p) =>
                  h("li", { class: p.done ? "done" : "" }, p.done ? h("span", { class: "done-mark" }, `✓ ${ui("done_mark")} `) : null, text((catalog.procedures[p.id] || {}).name, p.id)),
                ),
              ),
            ),
          ),
        ),
        Object.keys(visit.forms).length
          ? [
              h("h3", {}, ui("forms")),
              h(
                "ul",
                { class: "forms-list" },
                Object.entries(visit.forms).map(([fid, done]) =>
                  h(
                    "li",
                    { class: done ? "done" : "", "data-form": fid },
                    h("span", {}, done ? `✓ ${ui("form_done")}: ` : "", text((catalog.forms[fid] || {}).name, fid)),
                    !done && open
                      ? h("button", { type: "button", class: "secondary small", onclick: () => this.actions.markForms(visit, [fid]) }, ui("mark_form"))
                      : null,
                  ),
                ),
              ),
              formsLeft.length && open
                ? h("button", { type: "button", id: "mark-all-forms", onclick: () => this.actions.markForms(visit, formsLeft) }, ui("mark_all_forms"))
                : null,
            ]
          : null,
        h(
          "div",
          { class: "sheet-actions" },
          h("a", { class: "button secondary", href: this.actions.ticketUrl(visit), target: "_blank", rel: "noopener" }, ui("show_ticket")),
          open
            ? h(
                "button",
                { type: "button", class: "secondary", id: "edit-intake", disabled: !visit.intake_editable, title: visit.intake_editable ? null : ui("edit_locked"), onclick: () => { this.dialog.close(); this.actions.edit(visit); } },
                ui("edit_intake"),
              )
            : null,
          open && !visit.intake_editable ? h("p", { class: "muted small" }, ui("edit_locked")) : null,
          ...this.#outingActions(visit),
          open ? h("button", { type: "button", class: "danger", id: "cancel-visit", onclick: () => { confirmBox.hidden = false; reason.focus(); } }, ui("cancel_visit")) : null,
        ),
        confirmBox,
      ),
    );
  }
}
