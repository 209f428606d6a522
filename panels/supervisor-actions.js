// What the supervisor's buttons do: commands through the shared hub client, and the dialogs
// that collect their details (queues for a counter, where to move a visitor, a threshold).
// Whether a command is allowed is the server's decision; refusals are shown in words.

import { h, replaceChildren } from "/static/dom.js";
import { refusal } from "/panels/supervisor-i18n.js";
import { lineItems } from "/panels/supervisor-render.js";

const COUNTER_COMMANDS = { open: "OpenCounter", pause: "PauseCounter", close: "CloseCounter" };

export class Actions {
  constructor(page) {
    this.page = page;
    this.lineQueue = "";
    this.target = {}; // what the open dialog is about
    this.#bindDialogs();
  }

  /** Run a button's action; resolves true when a command was applied. */
  async run(action, data) {
    const { t, names } = this.page;
    switch (action) {
      case "open":
      case "pause":
      case "close": {
        const counter = names.counter(t, data.counter);
        return this.send({ type: COUNTER_COMMANDS[action], counter: data.counter }, t(`done_${action}`, { counter }));
      }
      case "assign":
        return this.#openAssign(data.counter);
      case "line":
        return this.#openLine(data.queue);
      case "move":
        return this.#openMove(data.visit, data.ticket, data.queue);
      case "threshold":
        return this.#openThreshold(data.queue);
      case "withdraw":
        return this.send({ type: "WithdrawNotice", notice: data.notice }, t("done_withdraw"));
      case "unpark":
        return this.send({ type: "Unpark", visit: data.visit }, t("done_unpark", { ticket: data.ticket }));
      case "unprotect":
        // Its number may be shown and called again from now on: ask first.
        if (!window.confirm(t("confirm_unprotect", { ticket: data.ticket }))) return false;
        return this.send({ type: "UnmarkProtected", visit: data.visit }, t("done_unprotect", { ticket: data.ticket }));
      default:
        return false;
    }
  }

  /** Send a command; say `done` when applied, or why it was refused. */
  async send(command, done) {
    const page = this.page;
    if (!page.live) {
      page.error(page.t("err_offline"));
      return false;
    }
    try {
      await page.hub.send(command);
      page.say(done);
      return true;
    } catch (error) {
      page.error(refusal(page.t, error.code || "internal", error.message));
      return false;
    }
  }

  /** Redraw what an open dialog shows (the line changes while it is open). */
  refresh() {
    if (this.lineQueue && document.getElementById("dlg-line").open) {
      replaceChildren(document.getElementById("line-list"), lineItems(this.page.ctx, this.lineQueue));
    }
  }

  async postNotice(form) {
    const { t } = this.page;
    const ja = form.elements.ja.value.trim();
    const en = form.elements.en.value.trim();
    const boxes = [...form.querySelectorAll("input[name=board]")];
    const chosen = boxes.filter((b) => b.checked).map((b) => b.value);
    if (!ja) {
      form.elements.ja.focus();
      return false;
    }
    // Every board ticked means "all boards", so boards added later show it too.
    const boards = chosen.length === boxes.length ? [] : chosen;
    const applied = await this.send({ type: "PostNotice", text: { ja, en }, boards }, t("done_post"));
    if (applied) form.reset();
    return applied;
  }

  // --- dialogs ----------------------------------------------------------------------------

  #bindDialogs() {
    for (const dialog of document.querySelectorAll("dialog")) {
      dialog.addEventListener("click", (event) => {
        const button = event.target.closest("button[data-dialog]");
        if (!button) return;
        if (button.dataset.dialog === "cancel") dialog.close();
        if (button.dataset.dialog === "restore") this.#restore(dialog.id);
      });
    }
    document.getElementById("dlg-line").addEventListener("close", () => {
      this.lineQueue = "";
    });
    document.getElementById("form-assign").addEventListener("submit", (event) => {
      event.preventDefault();
      this.#saveAssign();
    });
    document.getElementById("form-move").addEventListener("submit", (event) => {
      event.preventDefault();
      this.#saveMove();
    });
    document.getElementById("form-threshold").addEventListener("submit", (event) => {
      event.preventDefault();
      this.#saveThreshold();
    });
  }

  #openAssign(counterId) {
    const { t, names, catalog } = this.page;
    const entity = (this.page.hub.entities.counters || {})[counterId];
    if (!entity) return false;
    this.target = { counter: counterId };
    const name = names.counter(t, counterId);
    document.getElementById("dlg-assign-h").textContent = t("dlg_assign_h", { counter: name });
    const current = new Set(entity.queues);
    replaceChildren(
      document.getElementById("assign-queues"),
      catalog.queues.map((q) =>
        h(
          "label",
          { class: "check" },
          h("input", { type: "checkbox", name: "queue", value: q.id, checked: current.has(q.id) }),
          ` ${names.queue(t, q.id)}`,
        ),
      ),
    );
    const configured = (entity.configured_queues || []).map((q) => names.queue(t, q)).join("、");
    document.getElementById("assign-configured").textContent = t("dlg_assign_configured", { queues: configured });
    document.getElementById("dlg-assign").showModal();
    return false;
  }

  async #saveAssign() {
    const { t, names } = this.page;
    const counter = this.target.counter;
    const queues = [...document.querySelectorAll("#assign-queues input:checked")].map((b) => b.value);
    if (!queues.length) return;
    const dialog = document.getElementById("dlg-assign");
    dialog.close();
    await this.send({ type: "AssignQueues", counter, queues }, t("done_assign", { counter: names.counter(t, counter) }));
  }

  #openLine(queueId) {
    const { t, names } = this.page;
    this.lineQueue = queueId;
    document.getElementById("dlg-line-h").textContent = t("dlg_line_h", { queue: names.queue(t, queueId) });
    replaceChildren(document.getElementById("line-list"), lineItems(this.page.ctx, queueId));
    document.getElementById("dlg-line").showModal();
    return false;
  }

  #openMove(visit, ticket, queueId) {
    const { t, names } = this.page;
    const line = document.getElementById("dlg-line");
    if (line.open) line.close();
    this.target = { visit, ticket, queue: queueId };
    document.getElementById("dlg-move-h").textContent = t("dlg_move_h", { ticket });
    // Only lines whose counters can do what the visitor waits for (the server's list).
    const entity = (this.page.hub.entities.visits || {})[visit];
    const lines = entity ? entity.move_to || [] : [];
    if (!lines.length) {
      this.page.error(t("err_no_move_line", { ticket }));
      return false;
    }
    const select = document.getElementById("move-target");
    replaceChildren(
      select,
      lines.map((id) => h("option", { value: id }, names.queue(t, id))),
    );
    document.getElementById("dlg-move").showModal();
    select.focus();
    return false;
  }

  async #saveMove() {
    const { t, names } = this.page;
    const queue = document.getElementById("move-target").value;
    const { visit, ticket } = this.target;
    document.getElementById("dlg-move").close();
    await this.send({ type: "MoveVisitor", visit, queue }, t("done_move", { ticket, queue: names.queue(t, queue) }));
  }

  #openThreshold(queueId) {
    const { t, names } = this.page;
    const entity = (this.page.hub.entities.queues || {})[queueId];
    if (!entity) return false;
    this.target = { queue: queueId };
    document.getElementById("dlg-threshold-h").textContent = t("dlg_threshold_h", { queue: names.queue(t, queueId) });
    const input = document.getElementById("threshold-minutes");
    input.value = String(entity.alert_minutes);
    document.getElementById("threshold-configured").textContent = t("dlg_threshold_configured", { n: entity.configured_alert_minutes });
    document.getElementById("dlg-threshold").showModal();
    input.select();
    return false;
  }

  async #saveThreshold() {
    const { t, names } = this.page;
    const minutes = Number(document.getElementById("threshold-minutes").value);
    if (!Number.isInteger(minutes) || minutes < 1) return;
    document.getElementById("dlg-threshold").close();
    const queue = this.target.queue;
    await this.send({ type: "SetAlertThreshold", queue, minutes }, t("done_threshold", { queue: names.queue(t, queue) }));
  }

  async #restore(dialogId) {
    const { t, names } = this.page;
    document.getElementById(dialogId).close();
    if (dialogId === "dlg-assign") {
      const counter = this.target.counter;
      await this.send({ type: "AssignQueues", counter, queues: [] }, t("done_restore", { counter: names.counter(t, counter) }));
    } else if (dialogId === "dlg-threshold") {
      const queue = this.target.queue;
      await this.send({ type: "SetAlertThreshold", queue, minutes: 0 }, t("done_threshold", { queue: names.queue(t, queue) }));
    }
  }
}
