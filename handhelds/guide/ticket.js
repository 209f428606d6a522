// The screen after "issue": the ticket number, very large, where to go first, the QR code of
// the visitor's own page and the printable ticket. While the phone is offline the ticket
// waits in the outbox and the screen says so; the number appears when the hub acknowledges.

import { fill, h } from "./dom.js";
import { errorText, text, ui } from "./i18n.js";
import { placeName, renderPreview } from "./preview.js";

/**
 * Render the outcome of a sent intake into `root`.
 * @param {object} o
 * @param {HTMLElement} o.root
 * @param {object} o.draft       the wizard draft with `issued` set
 * @param {object} o.catalog
 * @param {string} o.site
 * @param {object|undefined} o.visit   the floor view's entity of the new visit, once known
 * @param {object|undefined} o.pending the outbox entry while not acknowledged
 * @param {object} o.actions     {next(), fix()}
 */
export function renderTicket({ root, draft, catalog, site, visit, pending, actions }) {
  const issued = draft.issued;
  const next = h("button", { type: "button", id: "next-visitor", class: "wide", onclick: actions.next }, ui("next_visitor"));
  if (issued.error) {
    return fill(
      root,
      h("h2", { tabindex: "-1" }, ui("ticket_refused")),
      h("p", { class: "error", role: "alert" }, errorText(issued.error)),
      h("div", { class: "ticket-actions" }, h("button", { type: "button", class: "wide", onclick: actions.fix }, ui("fix_and_retry")), next),
    );
  }
  if (issued.kind === "deflect") {
    return fill(
      root,
      h("h2", { tabindex: "-1" }, h("span", { "aria-hidden": "true" }, "★ "), issued.plan && issued.plan.steps.length === 0 && !issued.plan.self_service.length ? ui("no_visit") : ui("self_service_only")),
      h("p", { class: "ok", role: "status" }, issued.ack ? ui("deflected") : ui("deflected_pending")),
      issued.plan ? renderPreview(catalog, issued.plan, draft) : null,
      h("div", { class: "ticket-actions" }, next),
    );
  }

  const ack = issued.ack;
  if (!ack) {
    return fill(
      root,
      h("h2", { tabindex: "-1" }, ui("ticket_heading")),
      h(
        "div",
        { class: "ticket-card pending", role: "status", "aria-live": "polite" },
        h("p", { class: "ticket-label" }, ui("ticket_number")),
        h("p", { class: "ticket-big pending-mark", "aria-hidden": "true" }, "…"),
        h("p", { class: "pending-state", "data-testid": "ticket-pending" }, pending && pending.sent ? ui("ticket_sent") : ui("ticket_pending")),
        h("p", { class: "muted" }, ui("ticket_pending_body")),
      ),
      h("div", { class: "ticket-actions" }, next),
    );
  }

  const steps = visit ? visit.steps.map((s) => s.queue) : (issued.plan ? issued.plan.steps.map((s) => s.queue) : []);
  const first = steps.length ? placeName(catalog, steps[0]) : "";
  const writing = visit ? visit.status === "writing" : issued.writing;
  const base = `/guide/${encodeURIComponent(site)}`;
  return fill(
    root,
    h("h2", { tabindex: "-1", class: "visually-hidden" }, ui("ticket_heading")),
    h(
      "div",
      { class: "ticket-card", role: "status", "aria-live": "polite" },
      h("p", { class: "ticket-label" }, ui("ticket_number")),
      h("p", { class: "ticket-big", id: "ticket-number", "data-testid": "ticket-number" }, ack.ticket),
      first ? h("p", { class: "go" }, writing ? ui("go_writing", { place: first }) : ui("go_first", { place: first })) : null,
      steps.length > 1 ? h("p", { class: "route-line muted" }, steps.map((q) => placeName(catalog, q)).join(" → ")) : null,
      h("img", { class: "qr", src: `${base}/qr/${encodeURIComponent(ack.visit)}.svg`, alt: ui("qr_caption"), width: "180", height: "180" }),
      h("p", { class: "muted small" }, ui("qr_caption")),
    ),
    h(
      "div",
      { class: "ticket-actions" },
      h("a", { class: "button", id: "print-ticket", href: `${base}/ticket/${encodeURIComponent(ack.visit)}?print=1`, target: "_blank", rel: "noopener" }, ui("print")),
      h("a", { class: "button secondary", href: `${base}/ticket/${encodeURIComponent(ack.visit)}?paper=receipt&print=1`, target: "_blank", rel: "noopener" }, ui("print_receipt")),
      (catalog.printers || []).map((printer) => thermalButton(site, ack.visit, printer)),
      next,
    ),
    h("p", { id: "print-result", class: "muted small", role: "status" }),
    visit && visit.intake.needs.length
      ? h("p", { class: "muted small" }, visit.intake.needs.map((n) => text(catalog.needs[n], n)).join("・"))
      : null,
  );
}

/** A button that sends the ticket to a guide station's thermal printer (ESC/POS). */
function thermalButton(site, visit, printer) {
  const name = text(printer.name, printer.id);
  return h(
    "button",
    {
      type: "button",
      class: "secondary",
      "data-printer": printer.id,
      onclick: async () => {
        const result = document.getElementById("print-result");
        try {
          const response = await fetch(`/api/sites/${encodeURIComponent(site)}/print`, {
            method: "POST",
            headers: { "Content-Type": "application/json" },
            body: JSON.stringify({ visit, printer: printer.id }),
          });
          const reply = await response.json();
          if (!response.ok) throw reply;
          const fault = ["offline", "paper_out"].includes(reply.printer.state);
          result.textContent = ui(fault ? "print_fault" : "print_queued", { name });
        } catch (error) {
          result.textContent = errorText(error);
        }
      },
    },
    ui("print_on", { name }),
  );
}
