// The counter panel's actions: each one sends a command through the shared HubClient and
// says what happened. The server decides; a refusal comes back with a stable code, which
// `explain` turns into a sentence using what the panel can see (e.g. where a visitor went).

import { CommandError } from "/static/hub.js";
import { clockTime, h } from "/static/dom.js";
import { refusal } from "/panels/counter-i18n.js";
import { currentStep, shownTicket } from "/panels/counter-model.js";

// Keys pressed while commands are still on their way wait their turn, up to this many.
const MAX_QUEUED = 6;
// The button label that names a command in "waiting to send" messages.
const LABELS = {
  OpenCounter: "a_open",
  PauseCounter: "a_pause",
  CloseCounter: "a_close",
  StartServing: "a_start",
  NoShow: "a_no_show",
  CompleteProcedure: "a_complete_proc",
  CompleteStep: "a_complete_step",
  AddProcedure: "a_add",
  Transfer: "a_transfer",
  ReturnToQueue: "a_return",
  Park: "a_park",
  MarkProtected: "a_protect",
  Unpark: "a_unpark",
  StepOut: "step_out",
  StepBack: "step_back",
};

export class Actions {
  /** @param {import("./counter.js").Panel} panel */
  constructor(panel) {
    this.panel = panel;
    this.chain = Promise.resolve();
    this.queued = 0;
    for (const dialog of document.querySelectorAll("dialog")) this.#wireDialog(dialog);
  }

  get t() {
    return this.panel.t;
  }

  /**
   * Run an action by name (from a shortcut or a button). Commands run one after another in
   * the order pressed, each against the state its predecessor left (so "1", "2", "D" typed
   * quickly complete two procedures and then the step).
   */
  run(action, options = {}) {
    const panel = this.panel;
    if (action === "lang") return panel.toggleLanguage();
    if (action === "help") return panel.focusSection("shortcuts", { scroll: true });
    if (action === "callTicket" && !options.visit) return panel.focusTicketInput();
    if (this.queued >= MAX_QUEUED) return panel.error(this.t("err_busy_ui"));
    this.queued += 1;
    const next = this.chain.then(() => this.#runNow(action, options));
    this.chain = next.catch(() => false).finally(() => {
      this.queued -= 1;
    });
    return next;
  }

  async #runNow(action, options) {
    const panel = this.panel;
    if (!panel.counterId) return panel.error(this.t("err_no_counter"));
    const counter = panel.counterId;
    const number = panel.catalog.counterNumber(counter);
    const visit = panel.model.current;
    const ticket = shownTicket(this.t, visit);
    switch (action) {
      case "open":
        return this.send({ type: "OpenCounter", counter }, () => this.t("ok_opened", { counter: number }));
      case "pause":
        return this.send({ type: "PauseCounter", counter }, () => this.t("ok_paused"));
      case "close":
        return this.send({ type: "CloseCounter", counter }, () => this.t("ok_closed"));
      case "callNext":
        return this.#call({ type: "CallNext", counter });
      case "callTicket":
        return this.#call({ type: "CallTicket", counter, visit: options.visit });
      case "recall":
        return this.send({ type: "Recall", counter }, () => this.t("ok_recalled", { ticket }));
      case "start":
        return this.send({ type: "StartServing", counter }, () => this.t("ok_started", { ticket }));
      case "noShow": {
        const outcome = (visit && visit.briefing && visit.briefing.no_show) || "back";
        return this.send({ type: "NoShow", counter }, () => this.t(`ok_no_show_${outcome}`, { ticket }));
      }
      case "completeProcedure":
        return this.#completeProcedure(visit, options);
      case "completeStep":
        return this.send({ type: "CompleteStep", counter }, () => this.t("ok_step", { ticket }));
      case "returnToQueue":
        return this.send({ type: "ReturnToQueue", counter }, () => this.t("ok_returned", { ticket }));
      case "add":
        return this.#needVisitor(visit) && this.#openAdd(visit);
      case "transfer":
        return this.#needVisitor(visit) && this.#openTransfer(visit);
      case "park":
        return this.#needVisitor(visit) && this.#openPark(visit);
      case "takeBooth": {
        const family = panel.model.visits[options.visit];
        const booth = family ? panel.catalog.boothLabel(this.t, family.booth) : "";
        return this.send({ type: "TakeBoothVisit", counter, visit: options.visit }, () => this.t("ok_booth_taken", { booth }));
      }
      case "protect":
        return this.#needVisitor(visit) && this.#openProtect(visit);
      case "unpark":
        return options.visit ? this.#unpark(options.visit) : this.#openUnpark();
      case "stepOut":
        return this.#stepOut(options.visit);
      case "stepBack":
        return this.#stepBack(options.visit);
      default:
        return undefined;
    }
  }

  /**
   * Send a command; say `success()` on ack, explain a refusal. Returns whether it was applied.
   * Offline, a call is refused at once (never sent late) and anything else waits in the
   * outbox: the panel says so and goes on, and says what happened once it is sent.
   */
  async send(command, success) {
    const panel = this.panel;
    if (!panel.live) {
      if (!panel.hub.mayWait(command)) return panel.error(this.t("e_offline"));
      const what = LABELS[command.type] ? this.t(LABELS[command.type]) : command.type;
      panel.say(this.t("queued", { what }));
      panel.hub.send(command).then(
        () => panel.say(success ? success() : this.t("sent_later", { what })),
        (error) => panel.error(error instanceof CommandError ? this.explain(error, command) : String(error)),
      );
      return false;
    }
    panel.setBusy(+1);
    try {
      await panel.hub.send(command);
      panel.clearError();
      if (success) panel.say(success());
      return true;
    } catch (error) {
      panel.error(error instanceof CommandError ? this.explain(error, command) : String(error));
      return false;
    } finally {
      panel.setBusy(-1);
    }
  }

  /** A refusal in words, with what the panel knows about the visitor concerned. */
  explain(error, command = {}) {
    const t = this.t;
    const visits = this.panel.hub.entities.visits || {};
    const ref = String(command.visit || "");
    const visit = visits[ref] || Object.values(visits).find((v) => v.ticket === ref.toUpperCase());
    const ticket = visit ? visit.ticket : ref.toUpperCase();
    const where = visit ? `${t("where_now")}: ${this.panel.whereText(visit)}` : "";
    return refusal(t, error.code, { message: error.message, ticket, where });
  }

  async #call(command) {
    const applied = await this.send(command, () => {
      const visit = this.panel.model.current;
      return this.t("ok_called", { ticket: shownTicket(this.t, visit) });
    });
    if (applied) this.panel.focusSection("serving");
    return applied;
  }

  #needVisitor(visit) {
    if (visit) return true;
    this.panel.error(this.t("err_no_visitor"));
    return false;
  }

  #completeProcedure(visit, { digit = 0, procedure = "" }) {
    if (!this.#needVisitor(visit)) return false;
    const all = currentStep(visit)?.procedures || [];
    const item = procedure ? all.find((p) => p.id === procedure) : all[digit - 1];
    if (!item) return false;
    const name = this.panel.catalog.procedureName(this.t, item.id, this.panel.department);
    if (item.done) {
      // The digit keeps naming the same procedure: say so rather than complete another one.
      this.panel.error(this.t("err_proc_done", { n: digit, name }));
      return false;
    }
    return this.send({ type: "CompleteProcedure", visit: visit.id, procedure: item.id }, () =>
      this.t("ok_proc", { name }),
    );
  }

  #unpark(visitId) {
    const visit = (this.panel.hub.entities.visits || {})[visitId];
    const ticket = visit ? visit.ticket : visitId;
    return this.send({ type: "Unpark", visit: visitId }, () => this.t("ok_unparked", { ticket }));
  }

  /** A visitor in the line steps out: ask the time they will be back, half an hour ahead to
   *  start with (the server checks the site's limit and the closing time). */
  #stepOut(visitId) {
    const visit = (this.panel.hub.entities.visits || {})[visitId];
    if (!visit) return false;
    const max = this.panel.catalog.raw.site.step_out?.max_minutes ?? 60;
    this.#open("dlg-step-out", visit, async (data) => {
      const backBy = String(data.get("back_by") || "");
      return this.send({ type: "StepOut", visit: visitId, back_by: backBy }, () =>
        this.t("ok_stepped_out", { ticket: visit.ticket, time: backBy }),
      );
    });
    document.getElementById("step-out-time").value = clockTime(this.panel.clock.now() + 30 * 60, this.panel.timezone);
    document.getElementById("step-out-hint").textContent = this.t("step_out_hint", { n: max });
    return true;
  }

  #stepBack(visitId) {
    const visit = (this.panel.hub.entities.visits || {})[visitId];
    const ticket = visit ? visit.ticket : visitId;
    return this.send({ type: "StepBack", visit: visitId }, () => this.t("ok_stepped_back", { ticket }));
  }

  // --- dialogs ------------------------------------------------------------------------------

  #openAdd(visit) {
    const { t, catalog } = { t: this.t, catalog: this.panel.catalog };
    const planned = new Set(visit.steps.flatMap((s) => s.procedures.filter((p) => !p.done).map((p) => p.id)));
    const select = document.getElementById("add-procedure");
    const groups = catalog.addableProcedures().map(([department, procs]) =>
      h(
        "optgroup",
        { label: catalog.departmentName(t, department) },
        procs.map((p) =>
          h(
            "option",
            { value: p.id, disabled: planned.has(p.id) },
            t.label(p.name),
            p.consultation ? ` ◎${t("consultation")}` : "",
            planned.has(p.id) ? ` ${t("dlg_in_visit")}` : "",
          ),
        ),
      ),
    );
    select.replaceChildren(h("option", { value: "" }, t("dlg_choose")), ...groups);
    this.#open("dlg-add", visit, async (data) => {
      const procedure = String(data.get("procedure"));
      const proc = catalog.procedure(procedure);
      const name = t.label(proc ? proc.name : procedure);
      const department = proc ? catalog.departmentName(t, proc.department) : "";
      return this.send({ type: "AddProcedure", visit: visit.id, procedure, note: String(data.get("note") || "") }, () =>
        this.t("ok_added", { name, department }),
      );
    });
  }

  #openTransfer(visit) {
    const { t, catalog } = { t: this.t, catalog: this.panel.catalog };
    // Only the lines that serve one of the visitor's open procedures (the server's list).
    const lines = visit.transfer_to || [];
    if (!lines.length) {
      this.panel.error(t("err_no_transfer_line", { ticket: visit.ticket }));
      return false;
    }
    const select = document.getElementById("transfer-queue");
    select.replaceChildren(
      h("option", { value: "" }, t("dlg_choose")),
      ...lines.map((id) => h("option", { value: id }, catalog.queueLabel(t, id))),
    );
    this.#open("dlg-transfer", visit, async (data) => {
      const queue = String(data.get("queue"));
      return this.send(
        { type: "Transfer", counter: this.panel.counterId, queue, note: String(data.get("note") || "") },
        () => this.t("ok_transferred", { ticket: visit.ticket, queue: catalog.queueLabel(t, queue) }),
      );
    });
  }

  #openProtect(visit) {
    // Online only: the button is enabled only while live (see docs/protected.md).
    this.#open("dlg-protect", visit, async (data) =>
      this.send({ type: "MarkProtected", visit: visit.id, reason: String(data.get("reason") || "") }, () =>
        this.t("ok_protected", { ticket: visit.ticket }),
      ),
    );
  }

  #openPark(visit) {
    this.#open("dlg-park", visit, async (data) =>
      this.send({ type: "Park", counter: this.panel.counterId, note: String(data.get("note") || "") }, () =>
        this.t("ok_parked", { ticket: visit.ticket }),
      ),
    );
  }

  #openUnpark() {
    const parked = this.panel.model.parked;
    if (!parked.length) return false;
    const select = document.getElementById("unpark-visit");
    select.replaceChildren(
      ...parked.map((v) => h("option", { value: v.id }, v.ticket, " ", (currentStep(v)?.note || "").split("\n").pop())),
    );
    this.#open("dlg-unpark", null, async (data) => this.#unpark(String(data.get("visit"))));
    return true;
  }

  #open(id, visit, submit) {
    const dialog = document.getElementById(id);
    const form = dialog.querySelector("form");
    form.reset();
    const label = dialog.querySelector(".dlg-visit");
    if (label) label.textContent = visit ? visit.ticket : "";
    dialog.querySelector(".dlg-error")?.remove();
    dialog._submit = submit;
    dialog.showModal();
    form.querySelector("select, textarea, input")?.focus();
  }

  #wireDialog(dialog) {
    const form = dialog.querySelector("form");
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const data = new FormData(form);
      dialog.close("ok");
      if (dialog._submit) await dialog._submit(data);
    });
    form.querySelector("button[value=cancel]").addEventListener("click", () => dialog.close("cancel"));
    for (const select of form.querySelectorAll("select")) {
      // Enter confirms from a list too (the common case is the first, preselected entry).
      select.addEventListener("keydown", (event) => {
        if (event.key === "Enter" && select.value) {
          event.preventDefault();
          form.requestSubmit();
        }
      });
    }
    for (const area of form.querySelectorAll("textarea")) {
      area.addEventListener("keydown", (event) => {
        if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
          event.preventDefault();
          form.requestSubmit();
        }
      });
    }
  }
}
