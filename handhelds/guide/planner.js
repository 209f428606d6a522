// Asks the server what an intake yields (POST /api/sites/{site}/plan): the live preview.
// Only the newest request counts; when the network is gone the planner says "offline" and
// the wizard carries on without a preview (the ticket is confirmed once the phone is back).

const DEBOUNCE = 120;

export class Planner extends EventTarget {
  constructor(site) {
    super();
    this.url = `/api/sites/${encodeURIComponent(site)}/plan`;
    this.seq = 0;
    this.timer = null;
    this.controller = null;
    this.plan = null;
    this.key = ""; // the request the current plan answers
    this.state = "idle"; // idle | loading | ready | offline | error
    this.error = null;
  }

  /** Ask for the plan of `intake` (debounced); "change" fires when it arrives. */
  request(intake, override) {
    clearTimeout(this.timer);
    if (!intake.events.length && !intake.extra_procedures.length) {
      if (this.controller) this.controller.abort();
      this.seq += 1;
      this.plan = null;
      this.key = "";
      this.#set("idle");
      return;
    }
    const body = JSON.stringify({ intake, override_self_service: Boolean(override) });
    if (body === this.key && this.state === "ready") return;
    this.#set("loading");
    this.timer = setTimeout(() => this.#fetch(body), DEBOUNCE);
  }

  async #fetch(body) {
    if (this.controller) this.controller.abort();
    const controller = new AbortController();
    this.controller = controller;
    const seq = ++this.seq;
    try {
      const response = await fetch(this.url, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body,
        signal: controller.signal,
        cache: "no-store",
      });
      const reply = await response.json();
      if (seq !== this.seq) return;
      if (!response.ok) {
        this.error = reply;
        this.#set("error");
        return;
      }
      this.plan = reply;
      this.key = body;
      this.error = null;
      this.#set("ready");
    } catch (error) {
      if (seq !== this.seq || error.name === "AbortError") return;
      this.#set("offline");
    }
  }

  #set(state) {
    this.state = state;
    this.dispatchEvent(new CustomEvent("change", { detail: { state } }));
  }
}
