"""The bereavement corner (おくやみコーナー) in booth mode: the family sits, the departments come.

A bereaved family faces 10–20 procedures across registry, insurance, pension, care and
welfare. Cities with a bereavement corner keep the family at one booth and bring each
department to them. Here a seated family's visit keeps the planner's steps (``intake.py``
``itinerary``, prerequisites first) but is never in a line: each step in turn is a *request*
to the departments of its queue ("booth 2 needs you for …"); one clerk takes it
(:class:`~server.domain.commands.TakeBoothVisit` — the decision is made here, against the
log's head, so two clerks on any hub processes never both get it), goes to the booth,
completes the procedures and releases the step (``CompleteStep``), which raises the next
request. Boards never call a seated family.

Reservations hold a booth for a slot (the site's ``slots``); a walk-in is seated at a free
booth that no reservation holds for the coming slot (:func:`held_booths`).

Pure: no I/O, the time comes in as an argument.
"""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import msgspec

from server.config.schema import BereavementCorner, Procedures, Site, Text
from server.domain.queues import counter_queues
from server.domain.state import BoothReservation, SiteState, Step, Visit
from server.errors import Rejected

MAX_RESERVATION_NOTE = 200
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def corner(site: Site) -> BereavementCorner:
    """The site's corner, or Rejected('no_booths') when it runs none."""
    if site.bereavement is None or not site.bereavement.booths:
        raise Rejected("no_booths", "this office has no bereavement corner")
    return site.bereavement


def slot_start(date: str, slot: str, timezone: str) -> float:
    """The timestamp at which a slot (``HH:MM`` local) of ``date`` starts."""
    hour, minute = (int(part) for part in slot.split(":"))
    day = dt.date.fromisoformat(date)
    local = dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZoneInfo(timezone))
    return local.timestamp()


def occupants(state: SiteState) -> dict[str, Visit]:
    """The family seated at each occupied booth now."""
    return {v.booth: v for v in state.visits.values() if v.booth and v.is_open}


def held_booths(state: SiteState, corner_: BereavementCorner, now: float) -> dict[str, str]:
    """Booths a reservation holds now (booth → reservation): the family is due within the
    next slot's length, or is late by less than that. Walk-ins are not seated there."""
    window = corner_.slot_minutes * 60
    held: dict[str, str] = {}
    for r in sorted(state.booth_reservations.values(), key=lambda r: r.start):
        if not r.visit and r.start - window <= now < r.start + window and r.booth not in held:
            held[r.booth] = r.id
    return held


def free_booths(state: SiteState, corner_: BereavementCorner, now: float) -> list[str]:
    """Booths a walk-in may sit at now: empty and not held for a reservation."""
    taken = occupants(state)
    held = held_booths(state, corner_, now)
    return [b.id for b in corner_.booths if b.id not in taken and b.id not in held]


def attended_queues(site: Site, corner_: BereavementCorner) -> set[str]:
    """Lines whose departments come to the booths (a step at another line cannot)."""
    return {q.id for q in site.queues if set(q.departments) & set(corner_.departments)}


def step_minutes(
    step: Step, procedures: Procedures, corner_: BereavementCorner, default: int
) -> int:
    """Typical minutes of a step at the booth: each department's typical time, summed."""
    departments = dict.fromkeys(
        procedures.procedures[p.id].department
        for p in step.procedures
        if p.id in procedures.procedures
    )
    return sum(corner_.minutes.get(d, default) for d in departments) or default


def choose_booth(
    state: SiteState, site: Site, now: float, reservation: str, booth: str
) -> tuple[str, str]:
    """The booth a family is seated at, and the reservation it uses ("" for a walk-in)."""
    corner_ = corner(site)
    taken = occupants(state)
    if reservation:
        booked = state.booth_reservations.get(reservation)
        if booked is None:
            raise Rejected(
                "unknown_reservation", f"no reservation {reservation!r}", "$.reservation"
            )
        if booked.visit:
            raise Rejected("already_done", "this reservation's family is already seated")
        if booked.date != state.business_date:
            raise Rejected("not_today", f"the reservation is for {booked.date}", "$.reservation")
        if booked.booth not in taken:
            return booked.booth, reservation
        # A walk-in still sits there: any other free booth (not held for someone else).
        others = free_booths(state, corner_, now)
        if not others:
            raise Rejected("no_booth_free", "every booth is in use")
        return others[0], reservation
    free = free_booths(state, corner_, now)
    if booth:
        if corner_.booth(booth) is None:
            raise Rejected("unknown_booth", f"no booth {booth!r}", "$.booth")
        if booth not in free:
            raise Rejected("booth_taken", "this booth is in use or held for a reservation")
        return booth, ""
    if not free:
        raise Rejected("no_booth_free", "every booth is in use or held for a reservation")
    return free[0], ""


def check_attended(site: Site, queues: list[str]) -> None:
    """Refuse a plan with a stop whose department does not come to the booths."""
    attended = attended_queues(site, corner(site))
    for queue in queues:
        if queue not in attended:
            label = site.queue(queue).label.ja
            raise Rejected(
                "booth_not_attended",
                f"{label}（{queue}）の担当はブースに伺いません / "
                f"line {queue}'s departments do not come to the booths: issue a ticket instead",
            )


def check_take(state: SiteState, site: Site, counter: str, visit: Visit) -> None:
    """A clerk may take the family's current step: seated, waiting for a department, at a
    line this counter serves. Decided against the log's head, so of two clerks racing for
    the same request the second is told ``booth_taken``."""
    step = visit.step
    if not visit.booth:
        raise Rejected("not_at_booth", "this visitor is in a line, not at a booth", "$.visit")
    if step is not None and visit.status == "serving":
        raise Rejected("booth_taken", "another clerk has already taken this request")
    if step is None or visit.status != "waiting" or step.status != "waiting":
        raise Rejected("not_waiting", "the family is not waiting for a department")
    if step.queue not in counter_queues(site, state, counter):
        raise Rejected("queue_not_serving", "this counter does not serve the request", "$.visit")


def check_reservation(
    state: SiteState, site: Site, date: str, slot: str, note: str, now: float
) -> tuple[str, float]:
    """The booth a new booking gets, and its start; Rejected when the slot is full."""
    corner_ = corner(site)
    if not _DATE.match(date):
        raise Rejected("invalid", "a date as YYYY-MM-DD", "$.date")
    try:
        day = dt.date.fromisoformat(date)
    except ValueError:
        raise Rejected("invalid", "a date as YYYY-MM-DD", "$.date") from None
    if slot not in corner_.slots:
        raise Rejected("invalid", "one of: " + ", ".join(corner_.slots), "$.slot")
    if len(note) > MAX_RESERVATION_NOTE:
        raise Rejected("invalid", f"at most {MAX_RESERVATION_NOTE} characters", "$.note")
    start = slot_start(date, slot, site.timezone)
    today = dt.date.fromisoformat(state.business_date)
    if start <= now:
        raise Rejected("invalid", "the slot has already begun", "$.slot")
    if (day - today).days > corner_.booking_days:
        raise Rejected("invalid", f"at most {corner_.booking_days} days ahead", "$.date")
    booked = {r.booth for r in state.booth_reservations.values() if r.start == start}
    for b in corner_.booths:
        if b.id not in booked:
            return b.id, start
    raise Rejected("slot_full", "every booth is booked for this slot")


def reservation_entity(r: BoothReservation, site: Site) -> dict[str, object]:
    """A booking as staff screens show it (the note is staff-only)."""
    found = site.bereavement.booth(r.booth) if site.bereavement else None
    return {
        **msgspec.to_builtins(r),
        "booth_label": msgspec.to_builtins(found.label) if found else None,
    }


def booth_label(site: Site, booth: str) -> Text | None:
    """A booth's label, for screens."""
    found = site.bereavement.booth(booth) if site.bereavement else None
    return found.label if found else None
