// The intake wizard: purpose → questions → visitor → itinerary → forms.
//
// The wizard only collects answers. Which questions to ask (and in which order), what the
// visit needs and whether self-service fits all come from the server's plan; labels come
// from the catalog. The draft is kept in localStorage so a reload or a dead battery swap
// loses nothing.

import { h, replaceChildren } from "/static/dom.js";
import { local } from "/static/storage.js";
import { errorText, lang, text, ui } from "./i18n.js";
import { placeName, renderPreview, summary } from "./preview.js";

export const STEPS = ["events", "questions", "visitor", "plan", "forms"];

export function emptyDraft() {
  return {
    events: [],
    answers: {},
    extra: [],
    language: "ja",
    needs: [],
    interpreter: "",
    party_size: 1,
    note: "",
    override: false,
    protectOn: false, // a protected visit (支援措置…): no number shown or called; online only
    protect: "", // why (recorded for the audit, never shown)
    formsDone: [],
    step: "events",
    editing: null, // {visit, ticket} when changing an existing visit's intake
    issued: null, // {id, kind, ack?, error?, plan?} once sent
  };
}

/** The Intake struct the server expects (server/domain/intake.py). */
export function intakeOf(draft) {
  const needs = draft.needs;
  return {
    events: draft.events,
    answers: draft.answers,
    extra_procedures: draft.extra,
    language: draft.language,
    needs,
    interpreter: needs.includes("interpreter") ? draft.interpreter : "",
    party_size: draft.party_size,
    note: draft.note.trim(),
  };
}

/** A draft that edits an existing visit. */
export function draftFromVisit(visit) {
  const intake = visit.intake;
  return {
    ...emptyDraft(),
    events: [...intake.events],
    answers: { ...intake.answers },
    extra: [...intake.extra_procedures],
    language: intake.language || "ja",
    needs: [...intake.needs],
    interpreter: intake.interpreter || "",
    party_size: intake.party_size || 1,
    note: intake.note || "",
    step: "questions",
    editing: { visit: visit.id, ticket: visit.ticket },
  };
}

export class Wizard {
  /**
   * @param {object} options
   * @param {HTMLElement} options.root     the #intake section
   * @param {object} options.catalog       /api/sites/{site}/catalog
   * @param {Planner} options.planner
   * @param {string} options.draftKey     localStorage key of the draft
   * @param {object} options.actions       {issue(draft, plan, writing), save(draft, plan), deflect(draft, plan)}
   */
  constructor({ root, catalog, planner, draftKey, actions }) {
    this.root = root;
    this.catalog = catalog;
    this.planner = planner;
    this.draftKey = draftKey;
    this.actions = actions;
    this.draft = { ...emptyDraft(), ...local.getJSON(draftKey, {}) };
    this.body = root.querySelector("#wizard-body");
    this.progress = root.querySelector("#wizard-progress");
    this.banner = root.querySelector("#edit-banner");
    this.back = root.querySelector("#wizard-back");
    this.next = root.querySelector("#wizard-next");
    this.summaryEl = root.querySelector("#wizard-summary");
    this.back.addEventListener("click", () => this.#go(-1));
    this.next.addEventListener("click", () => this.#primary());
    this.summaryEl.addEventListener("click", () => this.show("plan"));
    planner.addEventListener("change", () => this.#planChanged());
  }

  /** The plan to show: the server's answer for the current draft, or null. */
  get plan() {
    const p = this.planner;
    if (p.state === "ready" || (p.state === "loading" && p.plan)) return p.plan;
    return null;
  }

  get offline() {
    return this.planner.state === "offline";
  }

  steps() {
    const plan = this.plan;
    const withForms = !this.draft.editing && plan && plan.steps.length && plan.forms.length;
    return STEPS.filter((s) => s !== "forms" || withForms);
  }

  start() {
    this.replan();
    this.render();
  }

  reset(draft = emptyDraft()) {
    this.draft = draft;
    this.save();
    this.replan();
    this.render();
  }

  save() {
    local.setJSON(this.draftKey, this.draft);
  }

  replan() {
    this.planner.request(intakeOf(this.draft), this.draft.override);
  }

  show(step) {
    if (!this.steps().includes(step)) return;
    this.draft.step = step;
    this.save();
    this.render();
    const heading = this.body.querySelector("h2");
    if (heading) heading.focus();
  }

  /** Render the current step (also after a language switch). */
  render() {
    const steps = this.steps();
    if (!steps.includes(this.draft.step)) this.draft.step = steps[steps.length - 1];
    this.#progress();
    this.banner.hidden = !this.draft.editing;
    this.#body();
  }

  /** The step list at the top (the forms step comes and goes with the plan). */
  #progress() {
    const steps = this.steps();
    const i = steps.indexOf(this.draft.step);
    const empty = !this.draft.events.length && !this.draft.extra.length;
    replaceChildren(
      this.progress,
      steps.map((s, n) =>
        h(
          "li",
          { class: n === i ? "current" : n < i ? "past" : "", "aria-current": n === i ? "step" : null },
          h("button", { type: "button", class: "link", onclick: () => this.show(s), disabled: n > i && empty }, ui(`step_${s}`)),
        ),
      ),
    );
  }

  #body() {
    if (this.draft.editing) {
      replaceChildren(
        this.banner,
        h("span", {}, ui("editing", { ticket: this.draft.editing.ticket })),
        " ",
        h("button", { type: "button", class: "secondary small", onclick: () => this.reset() }, ui("cancel_edit")),
      );
    }
    const builders = {
      events: () => this.#eventsStep(),
      questions: () => this.#questionsStep(),
      visitor: () => this.#visitorStep(),
      plan: () => this.#planStep(),
      forms: () => this.#formsStep(),
    };
    replaceChildren(this.body, builders[this.draft.step]());
    this.#bar();
  }

  // --- steps -------------------------------------------------------------------------------

  #eventsStep() {
    const events = Object.entries(this.catalog.life_events);
    const procedures = Object.entries(this.catalog.procedures).filter(([, p]) => !p.no_visit);
    const select = h(
      "select",
      { id: "extra-procedure", "aria-label": ui("extra_heading") },
      h("option", { value: "" }, ui("extra_choose")),
      procedures.map(([pid, p]) => h("option", { value: pid }, text(p.name))),
    );
    const extras = h(
      "ul",
      { class: "extras" },
      this.draft.extra.map((pid) =>
        h(
          "li",
          {},
          text((this.catalog.procedures[pid] || {}).name, pid),
          " ",
          h("button", { type: "button", class: "secondary small", onclick: () => this.#removeExtra(pid) }, ui("remove")),
        ),
      ),
    );
    return h(
      "div",
      { class: "step step-events" },
      h("h2", { tabindex: "-1" }, ui("events_heading")),
      h(
        "div",
        { class: "event-grid", role: "group", "aria-label": ui("events_heading") },
        events.map(([id, event]) =>
          h(
            "button",
            {
              type: "button",
              class: "event",
              "data-event": id,
              "aria-pressed": this.draft.events.includes(id) ? "true" : "false",
              onclick: (e) => this.#toggleEvent(id, e.currentTarget),
            },
            event.icon ? h("span", { class: "icon", "aria-hidden": "true" }, event.icon) : null,
            h("span", { class: "event-name" }, text(event.name)),
            h("span", { class: "picked", "aria-hidden": "true" }),
          ),
        ),
      ),
      h(
        "details",
        { class: "extra", open: this.draft.extra.length > 0 },
        h("summary", {}, ui("extra_heading")),
        h("div", { class: "extra-row" }, select, h("button", { type: "button", class: "secondary", onclick: () => this.#addExtra(select.value) }, ui("extra_add"))),
        extras,
      ),
    );
  }

  #questionsStep() {
    const list = h("div", { class: "questions", id: "questions" });
    const step = h(
      "div",
      { class: "step step-questions" },
      h("h2", { tabindex: "-1" }, ui("questions_heading")),
      h("p", { class: "notice offline-note", id: "questions-offline", hidden: !this.offline }, ui("questions_offline")),
      h("p", { class: "muted", id: "questions-none", hidden: true }, ui("questions_none")),
      list,
    );
    this.#syncQuestions(list);
    return step;
  }

  /** The questions to ask now: the server's list, or offline every question of the events. */
  #questionIds() {
    const plan = this.planner.plan;
    if (!this.offline && plan && this.planner.state !== "idle") return plan.questions;
    if (!this.offline) return [];
    const ids = [];
    for (const e of this.draft.events) {
      for (const q of (this.catalog.life_events[e] || {}).questions || []) if (!ids.includes(q)) ids.push(q);
    }
    return ids;
  }

  /** Add, keep or remove question blocks in place, so focus and choices survive updates. */
  #syncQuestions(list = this.body.querySelector("#questions")) {
    if (!list) return;
    const ids = this.#questionIds();
    const existing = new Map([...list.children].map((el) => [el.dataset.question, el]));
    let defaulted = false;
    ids.forEach((qid, i) => {
      const question = this.catalog.questions[qid];
      if (!question) return;
      if (!(qid in this.draft.answers) && question.default !== null && question.default !== undefined) {
        this.draft.answers[qid] = question.default;
        defaulted = true;
      }
      let el = existing.get(qid);
      if (!el) el = this.#question(qid, question);
      existing.delete(qid);
      if (list.children[i] !== el) list.insertBefore(el, list.children[i] || null);
    });
    for (const el of existing.values()) el.remove();
    const none = this.body.querySelector("#questions-none");
    if (none) none.hidden = ids.length > 0 || this.planner.state === "loading";
    const offline = this.body.querySelector("#questions-offline");
    if (offline) offline.hidden = !this.offline;
    if (defaulted) {
      this.save();
      this.replan();
    }
  }

  #question(qid, question) {
    const name = `q-${qid}`;
    const answer = this.draft.answers[qid];
    const legendId = `${name}-legend`;
    let control;
    if (question.kind === "count") {
      control = this.#stepper(legendId, answer ?? question.default ?? 0, 0, 99, (v) => this.#answer(qid, v));
    } else {
      const options =
        question.kind === "bool"
          ? [
              { id: true, label: ui("yes") },
              { id: false, label: ui("no") },
            ]
          : question.options.map((o) => ({ id: o.id, label: text(o.label) }));
      control = h(
        "div",
        { class: question.kind === "bool" ? "choices two" : "choices" },
        options.map((o) =>
          h(
            "label",
            { class: "choice" },
            h("input", {
              type: "radio",
              name,
              value: String(o.id),
              checked: answer === o.id,
              onchange: () => this.#answer(qid, o.id),
            }),
            h("span", { class: "mark", "aria-hidden": "true" }), h("span", {}, o.label),
          ),
        ),
      );
    }
    return h(
      "fieldset",
      { class: "question", "data-question": qid, "aria-labelledby": legendId },
      h("legend", { id: legendId }, text(question.text)),
      question.help ? h("p", { class: "help" }, text(question.help)) : null,
      control,
    );
  }

  #stepper(labelId, value, min, max, onChange) {
    const input = h("input", {
      type: "number",
      inputmode: "numeric",
      min: String(min),
      max: String(max),
      value: String(value),
      "aria-labelledby": labelId,
      class: "count",
    });
    const set = (v) => {
      const n = Math.max(min, Math.min(max, Number.parseInt(v, 10) || min));
      input.value = String(n);
      onChange(n);
    };
    input.addEventListener("change", () => set(input.value));
    return h(
      "div",
      { class: "stepper" },
      h("button", { type: "button", class: "secondary", "aria-label": ui("fewer"), onclick: () => set(Number(input.value) - 1) }, "−"),
      input,
      h("button", { type: "button", class: "secondary", "aria-label": ui("more"), onclick: () => set(Number(input.value) + 1) }, "+"),
    );
  }

  #visitorStep() {
    const d = this.draft;
    const languages = Object.entries(this.catalog.languages);
    const limits = this.catalog.limits;
    const interpreter = h(
      "div",
      { class: "field", id: "interpreter-field", hidden: !d.needs.includes("interpreter") },
      h("label", { for: "interpreter" }, ui("interpreter")),
      h(
        "select",
        {
          id: "interpreter",
          onchange: (e) => {
            d.interpreter = e.target.value;
            this.#changed(false);
          },
        },
        h("option", { value: "" }, ui("interpreter_none")),
        languages.filter(([id]) => id !== "ja").map(([id, label]) => h("option", { value: id, selected: d.interpreter === id }, text(label))),
      ),
    );
    return h(
      "div",
      { class: "step step-visitor" },
      h("h2", { tabindex: "-1" }, ui("visitor_heading")),
      h(
        "div",
        { class: "field" },
        h("span", { id: "party-label", class: "label" }, ui("party_size")),
        this.#stepper("party-label", d.party_size, 1, limits.party_size, (v) => {
          d.party_size = v;
          this.#changed(false);
        }),
      ),
      h(
        "div",
        { class: "field" },
        h("label", { for: "language" }, ui("language")),
        h(
          "select",
          {
            id: "language",
            onchange: (e) => {
              d.language = e.target.value;
              this.#changed(false);
            },
          },
          languages.map(([id, label]) => h("option", { value: id, selected: d.language === id }, text(label))),
        ),
      ),
      h(
        "fieldset",
        { class: "needs" },
        h("legend", {}, ui("needs")),
        h(
          "div",
          { class: "choices" },
          Object.entries(this.catalog.needs).map(([id, label]) =>
            h(
              "label",
              { class: "choice" },
              h("input", {
                type: "checkbox",
                value: id,
                checked: d.needs.includes(id),
                onchange: (e) => {
                  d.needs = e.target.checked ? [...d.needs, id] : d.needs.filter((n) => n !== id);
                  interpreter.hidden = !d.needs.includes("interpreter");
                  this.#changed(false);
                },
              }),
              h("span", { class: "mark", "aria-hidden": "true" }),
              h("span", {}, text(label)),
            ),
          ),
        ),
      ),
      interpreter,
      h(
        "div",
        { class: "field" },
        h("label", { for: "note" }, ui("note")),
        h("textarea", {
          id: "note",
          rows: "3",
          maxlength: String(limits.note),
          placeholder: ui("note_hint"),
          oninput: (e) => {
            d.note = e.target.value;
            this.#changed(false);
          },
        }, d.note),
      ),
    );
  }

  #planStep() {
    const root = h("div", { class: "step step-plan" }, h("h2", { tabindex: "-1" }, ui("step_plan")));
    root.append(this.#planBody());
    return root;
  }

  #planBody() {
    const plan = this.plan;
    const box = h("div", { id: "plan-body", "aria-live": "polite" });
    if (this.offline) return replaceChildren(box, h("p", { class: "notice offline-note" }, ui("preview_offline")));
    if (this.planner.state === "error") {
      const error = this.planner.error || {};
      const signIn = `/signin?next=${encodeURIComponent(location.pathname)}`;
      return replaceChildren(
        box,
        h("p", { class: "error", role: "alert" }, errorText(error)),
        error.code === "not_authenticated" ? h("a", { class: "button", href: signIn }, ui("sign_in_again")) : null,
      );
    }
    if (!plan) return replaceChildren(box, h("p", { class: "muted" }, this.draft.events.length ? ui("preview_loading") : ui("preview_empty")));
    const office = plan.office || { phase: "open" };
    if (office.phase !== "open" && plan.steps.length) {
      // Before the ticket: the visitor should know the counters are not open now.
      box.append(
        h(
          "div",
          { class: `verdict hours ${office.phase}`, role: "alert", "data-testid": "office-hours" },
          h("p", { class: "verdict-title" }, h("span", { "aria-hidden": "true" }, "🕘 "), ui(`office_${office.phase}`)),
          h("p", {}, ui(`office_${office.phase}_body`, { open: office.open, close: office.close })),
        ),
      );
    }
    if (plan.come_back) box.append(comeBack(plan.come_back, plan.office));
    if (plan.self_service_only && !this.draft.override) {
      box.append(
        h(
          "div",
          { class: "verdict self", role: "status" },
          h("p", { class: "verdict-title" }, h("span", { "aria-hidden": "true" }, "★ "), ui("self_service_only")),
          h("p", {}, ui("self_service_only_body")),
        ),
      );
    } else if (!plan.steps.length) {
      box.append(
        h(
          "div",
          { class: "verdict none", role: "status" },
          h("p", { class: "verdict-title" }, h("span", { "aria-hidden": "true" }, "✓ "), ui("no_visit")),
          h("p", {}, ui("nothing_to_queue")),
        ),
      );
    } else if (this.draft.override) {
      box.append(h("p", { class: "notice" }, ui("override_on")));
    }
    box.append(renderPreview(this.catalog, plan, this.draft));
    // A bereaved family: the corner's booths, seat or book (issue 22b).
    if (plan.steps.length && !this.draft.editing && this.actions.boothPanel) {
      const panel = this.actions.boothPanel(this.draft, plan);
      if (panel) box.append(h("div", { id: "booth-slot-holder" }, panel));
    }
    if (plan.steps.length && !this.draft.editing) box.append(this.#protectBox());
    if (plan.self_service.length || this.draft.override) {
      box.append(
        h(
          "div",
          { class: "override" },
          this.draft.override
            ? h("button", { type: "button", class: "secondary", id: "override-off", onclick: () => this.#setOverride(false) }, ui("override_off"))
            : h("button", { type: "button", class: "secondary", id: "override", onclick: () => this.#setOverride(true) }, ui("override")),
        ),
      );
    }
    return box;
  }

  /** Mark the visit protected at intake (shown only online: the plan step needs the hub). */
  #protectBox() {
    const draft = this.draft;
    const reason = h("input", {
      id: "protect-reason",
      type: "text",
      maxlength: "500",
      value: draft.protect,
      required: true,
      oninput: (e) => {
        draft.protect = e.target.value;
        this.save();
      },
    });
    return h(
      "div",
      { class: "protect-box" },
      h(
        "label",
        { class: "choice" },
        h("input", {
          type: "checkbox",
          id: "protect-on",
          checked: draft.protectOn,
          onchange: (e) => {
            draft.protectOn = e.target.checked;
            this.save();
            this.render();
          },
        }),
        h("span", { class: "mark", "aria-hidden": "true" }),
        h("span", {}, "🛡 ", ui("protect_on")),
      ),
      draft.protectOn
        ? h(
            "div",
            { class: "protect-reason" },
            h("p", { class: "help" }, ui("protect_help")),
            h("label", { for: "protect-reason" }, ui("protect_reason")),
            reason,
          )
        : null,
    );
  }

  #formsStep() {
    const plan = this.plan;
    const forms = plan ? plan.forms : [];
    const done = new Set(this.draft.formsDone.filter((f) => forms.includes(f)));
    const allDone = forms.every((f) => done.has(f));
    return h(
      "div",
      { class: "step step-forms" },
      h("h2", { tabindex: "-1" }, ui("forms_heading")),
      h("p", { class: "help" }, ui("forms_help")),
      h(
        "div",
        { class: "choices", role: "group", "aria-label": ui("forms_heading") },
        forms.map((fid) =>
          h(
            "label",
            { class: "choice form" },
            h("input", {
              type: "checkbox",
              value: fid,
              checked: done.has(fid),
              onchange: (e) => {
                const set = new Set(this.draft.formsDone);
                if (e.target.checked) set.add(fid);
                else set.delete(fid);
                this.draft.formsDone = [...set];
                this.save();
                const writing = this.body.querySelector("#issue-writing");
                if (writing) writing.disabled = forms.every((f) => set.has(f));
              },
            }),
            h("span", { class: "mark", "aria-hidden": "true" }),
            h("span", {}, text((this.catalog.forms[fid] || {}).name, fid)),
          ),
        ),
      ),
      h(
        "div",
        { class: "form-actions" },
        h(
          "button",
          { type: "button", class: "secondary", id: "all-forms", onclick: () => { this.draft.formsDone = [...forms]; this.save(); this.render(); } },
          ui("all_forms_done"),
        ),
        h(
          "button",
          { type: "button", class: "secondary", id: "issue-writing", disabled: allDone, onclick: () => this.actions.issue(this.draft, this.plan, true) },
          ui("issue_writing"),
        ),
      ),
    );
  }

  // --- the bar: back, live summary, the step's main action ------------------------------------

  #bar() {
    const steps = this.steps();
    const i = steps.indexOf(this.draft.step);
    this.back.hidden = i === 0;
    const plan = this.plan;
    let label = ui("next");
    let action = "next";
    let disabled = !this.draft.events.length && !this.draft.extra.length;
    if (this.draft.step === "plan" || (this.draft.step === "forms")) {
      ({ label, action, disabled } = this.#finalAction(i === steps.length - 1));
    }
    this.next.textContent = label;
    this.next.dataset.action = action;
    this.next.disabled = disabled;
    const text = this.offline ? ui("conn_offline") : this.planner.state === "loading" && !plan ? ui("preview_loading") : summary(plan);
    this.summaryEl.textContent = text;
    this.summaryEl.hidden = !text || this.draft.step === "plan";
    if (plan && plan.steps.length && this.draft.step !== "plan") {
      this.summaryEl.title = plan.steps.map((s) => placeName(this.catalog, s.queue)).join(" → ");
    }
  }

  #finalAction(last) {
    const plan = this.plan;
    if (this.offline) {
      return { label: this.draft.editing ? ui("save_changes") : ui("issue"), action: "issue", disabled: false };
    }
    if (!plan) return { label: ui("issue"), action: "issue", disabled: true };
    if (plan.self_service_only && !this.draft.override) {
      return { label: ui("record_deflection"), action: "deflect", disabled: Boolean(this.draft.editing) };
    }
    if (!plan.steps.length) {
      return { label: ui("record_no_visit"), action: "deflect", disabled: Boolean(this.draft.editing) };
    }
    if (!last) return { label: ui("next"), action: "next", disabled: false };
    return { label: this.draft.editing ? ui("save_changes") : ui("issue"), action: "issue", disabled: false };
  }

  #primary() {
    const action = this.next.dataset.action;
    if (action === "next") return this.#go(1);
    if (action === "deflect") return this.actions.deflect(this.draft, this.plan);
    if (this.draft.editing) return this.actions.save(this.draft, this.plan);
    return this.actions.issue(this.draft, this.plan, false);
  }

  #go(delta) {
    const steps = this.steps();
    const i = steps.indexOf(this.draft.step);
    const next = steps[Math.max(0, Math.min(steps.length - 1, i + delta))];
    this.show(next);
  }

  // --- changes -------------------------------------------------------------------------------

  #toggleEvent(id, button) {
    const on = !this.draft.events.includes(id);
    this.draft.events = on ? [...this.draft.events, id] : this.draft.events.filter((e) => e !== id);
    button.setAttribute("aria-pressed", on ? "true" : "false");
    this.#changed(true);
  }

  #addExtra(pid) {
    if (!pid || this.draft.extra.includes(pid)) return;
    this.draft.extra = [...this.draft.extra, pid];
    this.#changed(true);
    this.render();
  }

  #removeExtra(pid) {
    this.draft.extra = this.draft.extra.filter((p) => p !== pid);
    this.#changed(true);
    this.render();
  }

  #answer(qid, value) {
    this.draft.answers = { ...this.draft.answers, [qid]: value };
    this.#changed(true);
  }

  #setOverride(on) {
    this.draft.override = on;
    this.#changed(true);
    this.render();
  }

  #changed(replan) {
    this.save();
    if (replan) this.replan();
    this.#bar();
  }

  #planChanged() {
    const plan = this.planner.state === "ready" ? this.planner.plan : null;
    if (plan) {
      // Answers to questions no longer asked (an earlier answer changed) must not count.
      const asked = new Set(plan.questions);
      const stale = Object.keys(this.draft.answers).filter((q) => !asked.has(q));
      if (stale.length) {
        const answers = { ...this.draft.answers };
        for (const q of stale) delete answers[q];
        this.draft.answers = answers;
        this.save();
        this.replan();
        return;
      }
    }
    if (this.draft.step === "questions") this.#syncQuestions();
    if (this.draft.step === "plan") {
      const old = this.body.querySelector("#plan-body");
      const focused = document.activeElement && document.activeElement.id;
      if (old) old.replaceWith(this.#planBody());
      if (focused) document.getElementById(focused)?.focus();
    }
    if (this.draft.step === "forms" || !this.steps().includes(this.draft.step)) this.render();
    this.#progress();
    this.#bar();
  }

  /** Language switched: labels everywhere change. */
  relabel() {
    this.render();
  }

  /** For the ticket view: the language-aware place name of the first step. */
  firstPlace(plan) {
    return plan && plan.steps.length ? placeName(this.catalog, plan.steps[0].queue) : "";
  }

  get lang() {
    return lang();
  }
}

/** The "come back at" advice: usually quiet hours from the server's forecast (nothing computed here). */
function comeBack(advice, office) {
  const today = office && office.today;
  const day = (date) => {
    if (date === today) return ui("today");
    const [, month, dayOfMonth] = date.split("-").map(Number);
    return `${month}/${dayOfMonth}`;
  };
  return h(
    "div",
    { class: "verdict come-back", role: "status", "data-testid": "come-back" },
    h("p", { class: "verdict-title" }, h("span", { "aria-hidden": "true" }, "⏱ "), ui("come_back", { wait: advice.wait })),
    h("p", {}, ui("come_back_body")),
    h(
      "ul",
      {},
      ...advice.slots.map((slot) =>
        h(
          "li",
          { "data-date": slot.date, "data-hour": String(slot.hour) },
          ui("come_back_slot", { day: day(slot.date), hour: slot.hour }),
          slot.wait === null ? "" : `（${ui("come_back_wait", { wait: Math.max(1, Math.round(slot.wait)) })}）`,
        ),
      ),
    ),
  );
}
