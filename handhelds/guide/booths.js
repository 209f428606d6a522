// The bereavement corner at intake (booth mode, issue 22b): for a bereaved family the guide
// sees which booths are free, in use or held for a reservation, seats a walk-in at a free
// booth or a booked family at theirs, and books a slot for another day. The server decides
// (a booth taken meanwhile comes back as a refusal); this only shows the floor view's
// `booths` and `booth_reservations` collections.

import { h } from "/static/dom.js";
import { clock, text, ui } from "./i18n.js";

/** Whether the draft is for the corner (one of its life events is chosen). */
export function forCorner(catalog, draft) {
  const corner = catalog.bereavement;
  return Boolean(corner && draft.events.some((e) => corner.events.includes(e)));
}

function localDate(seconds, timezone) {
  // en-CA formats as YYYY-MM-DD.
  return new Intl.DateTimeFormat("en-CA", { timeZone: timezone, year: "numeric", month: "2-digit", day: "2-digit" }).format(new Date(seconds * 1000));
}

/** A booth's state now: "in_use", "held" (a reservation is due) or "free". */
export function boothState(booth, now) {
  if (booth.visit) return { kind: "in_use" };
  const hold = (booth.holds || []).find((x) => x.hold_from <= now && now < x.hold_until);
  return hold ? { kind: "held", slot: hold.slot, reservation: hold.reservation } : { kind: "free" };
}

/**
 * The booth panel under the plan: booths, today's bookings to seat, "seat at a free booth",
 * and a booking form. `actions`: {seat(reservation), reserve(date, slot, note), cancel(id)}.
 */
export function boothPanel({ catalog, entities, now, actions }) {
  const corner = catalog.bereavement;
  const timezone = catalog.site.timezone;
  const booths = Object.values(entities.booths || {});
  const today = entities.site ? Object.values(entities.site)[0]?.business_date : localDate(now, timezone);
  const reservations = Object.values(entities.booth_reservations || {});
  const waiting = reservations.filter((r) => r.date === today && !r.visit);
  const later = reservations.filter((r) => r.date > today);
  const free = booths.filter((b) => boothState(b, now).kind === "free");
  const slotOptions = corner.slots.map((s) => h("option", { value: s }, s));
  const dateInput = h("input", { type: "date", id: "booth-date", name: "date", required: true, value: localDate(now + 86400, timezone), min: localDate(now, timezone) });
  const noteInput = h("input", { type: "text", id: "booth-note", name: "note", maxlength: "200", autocomplete: "off" });
  const slotSelect = h("select", { id: "booth-slot", name: "slot" }, slotOptions);
  return h(
    "section",
    { class: "booth-panel", id: "booth-panel", "aria-labelledby": "booth-panel-h" },
    h("h3", { id: "booth-panel-h" }, ui("booth_heading")),
    h("p", { class: "help" }, ui("booth_help")),
    h(
      "ul",
      { class: "booth-list", "data-testid": "booth-list" },
      booths.map((b) => {
        const state = boothState(b, now);
        const label = state.kind === "held" ? ui("booth_held", { slot: state.slot }) : ui(`booth_${state.kind}`);
        return h(
          "li",
          { class: `booth ${state.kind}`, "data-booth": b.id, "data-state": state.kind },
          h("strong", {}, text(b.label)),
          " — ",
          h("span", { class: "booth-state" }, state.kind === "free" ? "○ " : state.kind === "held" ? "◇ " : "● ", label),
          b.visit ? h("span", { class: "muted" }, ` ${b.ticket}`) : null,
        );
      }),
    ),
    waiting.length
      ? h(
          "div",
          { class: "booth-reservations", role: "group", "aria-label": ui("booth_booked_today") },
          h("h4", {}, ui("booth_booked_today")),
          waiting.map((r) =>
            h(
              "button",
              { type: "button", class: "wide secondary", "data-reservation": r.id, onclick: () => actions.seat(r.id) },
              ui("booth_seat_booked", { slot: r.slot, booth: text(r.booth_label, r.booth) }),
              r.note ? h("span", { class: "muted" }, ` · ${r.note}`) : null,
            ),
          ),
          waiting.map((r) => cancelButton(r, actions)),
        )
      : null,
    h(
      "button",
      { type: "button", class: "wide", id: "booth-seat", disabled: !free.length, onclick: () => actions.seat("") },
      free.length ? ui("booth_seat_free") : ui("booth_none_free"),
    ),
    h(
      "details",
      { class: "booth-book" },
      h("summary", { id: "booth-book-summary" }, ui("booth_book_heading")),
      h(
        "form",
        {
          class: "booth-form",
          onsubmit: (event) => {
            event.preventDefault();
            actions.reserve(dateInput.value, slotSelect.value, noteInput.value.trim());
            noteInput.value = "";
            // Out of the form, so the list below can show the new booking when it is made.
            event.target.closest("details").querySelector("summary").focus();
          },
        },
        h("label", { for: "booth-date" }, ui("booth_date")),
        dateInput,
        h("label", { for: "booth-slot" }, ui("booth_slot")),
        slotSelect,
        h("label", { for: "booth-note" }, ui("booth_note")),
        noteInput,
        h("p", { class: "muted small" }, ui("booth_note_help")),
        h("button", { type: "submit", id: "booth-reserve" }, ui("booth_reserve")),
      ),
      later.length
        ? h(
            "ul",
            { class: "booth-later", "data-testid": "booth-later" },
            later.map((r) => h("li", { "data-reservation": r.id }, `${r.date} ${r.slot} · ${text(r.booth_label, r.booth)}`, r.note ? ` · ${r.note}` : "", " ", cancelButton(r, actions))),
          )
        : null,
    ),
  );
}

/** Withdraw a booking (asked first: the family may have phoned to cancel). */
function cancelButton(r, actions) {
  const what = `${r.date} ${r.slot}`;
  return h(
    "button",
    {
      type: "button",
      class: "secondary small",
      "data-cancel": r.id,
      "aria-label": ui("booth_cancel_label", { what }),
      onclick: () => {
        if (window.confirm(ui("booth_cancel_confirm", { what }))) actions.cancel(r.id);
      },
    },
    ui("booth_cancel"),
  );
}

/** When the seated family's booth is shown on the ticket screen. */
export function boothLine(catalog, visit) {
  const corner = catalog.bereavement;
  const booth = corner && corner.booths.find((b) => b.id === visit.booth);
  return h(
    "p",
    { class: "go", "data-testid": "booth-go" },
    ui("booth_go", { booth: booth ? text(booth.label) : visit.booth }),
  );
}
