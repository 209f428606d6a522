"""The fold of the site's day: the business day starting and closing, the supervisor's notices
and alert thresholds, visitors deflected at the entrance, and the bereavement corner (issue
22b: its bookings and the families seated there).

Like every reducer it trusts its events and changes ``state`` in place.
"""

from __future__ import annotations

from typing import assert_never

from server.domain import events as ev
from server.domain.counter_fold import touch_counter
from server.domain.state import BoothReservation, PostedNotice, SiteState
from server.domain.visit_fold import close_visit

DayEvent = (
    ev.VisitDeflected
    | ev.DayStarted
    | ev.DayClosed
    | ev.NoticePosted
    | ev.NoticeWithdrawn
    | ev.AlertThresholdSet
    | ev.BoothSeated
    | ev.BoothVisitTaken
    | ev.BoothReserved
    | ev.BoothReservationCancelled
)


def _start_day(state: SiteState, date: str) -> None:
    # Yesterday's visits leave memory; the log keeps them for the figures.
    state.business_date = date
    state.series_next = {}
    state.tickets = {}
    state.commands = {}
    state.calls = []
    state.deflections = 0
    state.visits = {}
    state.notices = {}
    state.alert_minutes = {}
    state.leases = {}
    state.booth_reservations = {
        rid: r for rid, r in state.booth_reservations.items() if r.date >= date
    }
    state.aliases = {}
    state.outings = {}
    for counter in state.counters.values():
        counter.visit = ""
        counter.status = "closed"
        counter.queues = []  # a supervisor's reassignment is for the day


def _close_day(state: SiteState, record: ev.Record) -> None:
    at = record.at
    for visit in state.visits.values():
        if visit.is_open:
            close_visit(state, visit, "expired", at)
            visit.rev = record.seq  # an event without a visit id changed it
    for counter in state.counters.values():
        counter.status = "closed"
        counter.visit = ""
        counter.since = at
    # A supervisor's notices and thresholds are for the day; unissued leased
    # numbers go back with the day (they are never issued).
    state.notices = {}
    state.alert_minutes = {}
    state.leases = {}


def apply_day_event(state: SiteState, event: DayEvent, record: ev.Record) -> None:
    """Fold one event of the site's day into ``state`` (in place)."""
    at = record.at
    match event:
        case ev.VisitDeflected():
            state.deflections += 1
        case ev.DayStarted(date=date):
            _start_day(state, date)
        case ev.DayClosed():
            _close_day(state, record)
        case ev.NoticePosted(notice=nid, text=text, boards=boards):
            state.notices[nid] = PostedNotice(nid, text, list(boards), at, record.actor.id)
        case ev.NoticeWithdrawn(notice=nid):
            state.notices.pop(nid, None)
        case ev.AlertThresholdSet(queue=qid, minutes=minutes):
            if minutes > 0:
                state.alert_minutes[qid] = minutes
            else:
                state.alert_minutes.pop(qid, None)
        # --- bereavement corner (issue 22b) ---
        case ev.BoothSeated(visit=vid, booth=booth, reservation=rid):
            visit = state.visits[vid]
            visit.booth = booth
            visit.reservation = rid
            if rid in state.booth_reservations:
                state.booth_reservations[rid].visit = vid
        case ev.BoothVisitTaken(visit=vid, counter=cid):
            # Straight to "serving": the clerk walks to the family, nobody is called.
            visit = state.visits[vid]
            step = visit.steps[visit.current]
            step.status = "serving"
            step.counter = cid
            step.called_at = step.started_at = at
            visit.status = "serving"
            touch_counter(state, cid).visit = vid
        case ev.BoothReserved():
            state.booth_reservations[event.reservation] = BoothReservation(
                event.reservation,
                event.date,
                event.slot,
                event.start,
                event.booth,
                event.note,
                record.actor.id,
                at,
            )
        case ev.BoothReservationCancelled(reservation=rid):
            state.booth_reservations.pop(rid, None)
        case _:  # mypy: an event of the union without a case here is an error
            assert_never(event)
