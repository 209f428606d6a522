// The screen after "issue": the ticket number, very large, where to go first, the QR code of
// the visitor's own page and the printable ticket. While the phone is offline the ticket
// waits in the outbox and the screen says so; the number appears when the hub acknowledges.

import { boothLine } from "./booths.js";
import { h, replaceChildren } from "/static/dom.js";
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
export function renderTicket({ root, draft, catalog, site, visit, pending, lease, actions }) {
  const issued = draft.issued;
  const next = h("button", { type: "button", id: "next-visitor", class: "wide", onclick: actions.next }, ui("next_visitor"));
  if (issued.error) {
    return replaceChildren(
      root,
      h("h1", { tabindex: "-1" }, ui("ticket_refused")),
      h("p", { class: "error", role: "alert" }, errorText(issued.error)),
      h("div", { class: "ticket-actions" }, h("button", { type: "button", class: "wide", onclick: actions.fix }, ui("fix_and_retry")), next),
    );
  }
  if (issued.kind === "deflect") {
    return replaceChildren(
      root,
      h("h1", { tabindex: "-1" }, h("span", { "aria-hidden": "true" }, "★ "), issued.plan && issued.plan.steps.length === 0 && !issued.plan.self_service.length ? ui("no_visit") : ui("self_service_only")),
      h("p", { class: "ok", role: "status" }, issued.ack ? ui("deflected") : ui("deflected_pending")),
      issued.plan ? renderPreview(catalog, issued.plan, draft) : null,
      issued.plan ? renderSlips(site, issued.plan, draft) : null,
      h("div", { class: "ticket-actions" }, next),
    );
  }

  const ack = issued.ack;
  if (!ack && issued.choose) return renderChoice(root, catalog, lease, actions, next);
  if (!ack && issued.leased) return renderLeased(root, issued, catalog, next);
  if (!ack) {
    return replaceChildren(
      root,
      h("h1", { tabindex: "-1" }, ui("ticket_heading")),
      h(
        "div",
        { class: "ticket-card pending", role: "status", "aria-live": "polite" },
        h("p", { class: "ticket-label" }, ui("ticket_number")),
        h("p", { class: "ticket-big pending-mark", "aria-hidden": "true" }, "…"),
        h("p", { class: "pending-state", "data-testid": "ticket-pending" }, pending && pending.sent ? ui("ticket_sent") : ui("ticket_pending")),
        h("p", { class: "muted" }, ui("ticket_pending_body")),
      ),
      issued.noLease ? h("p", { class: "error", role: "alert", "data-testid": "lease-used-up" }, ui("lease_used_up", { series: issued.noLease })) : null,
      h("div", { class: "ticket-actions" }, next),
    );
  }

  const steps = visit ? visit.steps.map((s) => s.queue) : (issued.plan ? issued.plan.steps.map((s) => s.queue) : []);
  const first = steps.length ? placeName(catalog, steps[0]) : "";
  const writing = visit ? visit.status === "writing" : issued.writing;
  const base = `/guide/${encodeURIComponent(site)}`;
  return replaceChildren(
    root,
    h("h1", { tabindex: "-1", class: "visually-hidden" }, ui("ticket_heading")),
    h(
      "div",
      { class: "ticket-card", role: "status", "aria-live": "polite" },
      h("p", { class: "ticket-label" }, ui("ticket_number")),
      // A protected visit called in person has no number (its alias, if the site uses one).
      ack.ticket
        ? h("p", { class: "ticket-big", id: "ticket-number", "data-testid": "ticket-number" }, ack.ticket)
        : h("p", { class: "ticket-protected", id: "ticket-number", "data-testid": "ticket-number" }, "🛡 ", ui("protected_ticket")),
      // A family seated at a booth goes nowhere: the departments come (issue 22b).
      visit && visit.booth ? boothLine(catalog, visit) : null,
      visit && visit.booth ? h("p", { class: "muted" }, ui("booth_not_called")) : null,
      first && !(visit && visit.booth) ? h("p", { class: "go" }, writing ? ui("go_writing", { place: first }) : ui("go_first", { place: first })) : null,
      steps.length > 1 && !(visit && visit.booth) ? h("p", { class: "route-line muted" }, steps.map((q) => placeName(catalog, q)).join(" → ")) : null,
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

/** Offline without a plan: where does the visitor go first? (Its series gives the number.) */
function renderChoice(root, catalog, lease, actions, next) {
  return replaceChildren(
    root,
    h("h2", { tabindex: "-1" }, ui("offline_issue_heading")),
    h("p", {}, ui("offline_choose_queue")),
    h(
      "div",
      { class: "queue-choice" },
      catalog.queues.map((q) =>
        h(
          "button",
          { type: "button", class: "secondary wide", "data-series": q.series, onclick: () => actions.pick(q.id) },
          `${q.series}  ${text(q.label)}`,
          h("span", { class: "muted small" }, ` ${ui("lease_left", { n: lease.left(q.series).length })}`),
        ),
      ),
    ),
    h("div", { class: "ticket-actions" }, next),
  );
}

/** A number issued from this phone's lease while offline: real, with its QR code, now. */
function renderLeased(root, issued, catalog, next) {
  const ticket = issued.leased;
  const steps = issued.plan ? issued.plan.steps.map((s) => s.queue) : [issued.firstQueue].filter(Boolean);
  const first = steps.length ? placeName(catalog, steps[0]) : "";
  return replaceChildren(
    root,
    h("h2", { tabindex: "-1", class: "visually-hidden" }, ui("ticket_heading")),
    h(
      "div",
      { class: "ticket-card leased", role: "status", "aria-live": "polite" },
      h("p", { class: "ticket-label" }, ui("ticket_number")),
      h("p", { class: "ticket-big", id: "ticket-number", "data-testid": "ticket-number" }, ticket.ticket),
      first ? h("p", { class: "go" }, issued.writing ? ui("go_writing", { place: first }) : ui("go_first", { place: first })) : null,
      h("img", { class: "qr", src: ticket.qr, alt: ui("qr_caption"), width: "180", height: "180" }),
      h("p", { class: "muted small" }, ui("qr_caption")),
      h("p", { class: "notice offline-note", "data-testid": "leased-note" }, ui("leased_note")),
    ),
    h(
      "div",
      { class: "ticket-actions" },
      h("button", { type: "button", id: "print-ticket", onclick: () => window.print() }, ui("print")),
      next,
    ),
  );
}

/** For each self-service route: the visitor's slip in their language, to open, print or scan. */
function renderSlips(site, plan, draft) {
  const byRoute = new Map();
  for (const d of plan.self_service) byRoute.set(d.route, [...(byRoute.get(d.route) || []), d.procedure]);
  if (!byRoute.size) return null;
  return h(
    "section",
    { class: "slips", "aria-labelledby": "slips-heading" },
    h("h2", { id: "slips-heading" }, ui("slip_heading")),
    [...byRoute].map(([route, procedures]) => {
      const query = new URLSearchParams({ lang: draft.language || "ja", p: procedures.join(",") });
      const path = `/self-service/${encodeURIComponent(site)}/${encodeURIComponent(route)}`;
      return h(
        "div",
        { class: "slip", "data-route": route },
        h("img", { class: "qr", src: `${path}/qr.svg?${query}`, alt: ui("slip_qr"), width: "160", height: "160" }),
        h("p", { class: "muted" }, ui("slip_qr")),
        h(
          "div",
          { class: "ticket-actions" },
          h("a", { class: "button", href: `${path}?${query}&print=1`, target: "_blank", rel: "noopener", "data-testid": "print-slip" }, ui("slip_print")),
          h("a", { class: "button secondary", href: `${path}?${query}`, target: "_blank", rel: "noopener" }, ui("slip_open")),
        ),
      );
    }),
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
