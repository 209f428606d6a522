"""``decide``: check a command against the state and the rules, and say what happens.

Pure: the time, the actor and fresh random ids come in through :class:`Context`; the answer
is a list of events, or :class:`~server.errors.Rejected` with a stable code.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from typing import assert_never
from zoneinfo import ZoneInfo

import msgspec

from server.config.schema import LifeEvents, Procedures, Site, Text
from server.domain import booths, leases, outings, protection
from server.domain import commands as c
from server.domain import events as ev
from server.domain.fold import apply
from server.domain.intake import Intake, Plan, is_priority, plan_visit, validate_intake
from server.domain.permissions import authorize
from server.domain.queues import (
    counter_queues,
    next_for_counter,
    no_show_outcome,
    open_procedures,
    serving_lines,
)
from server.domain.state import SiteState, Visit
from server.domain.state_codec import copy_state
from server.errors import Rejected

MAX_TEXT = 2000
MAX_NOTICE = 300
MAX_ALERT_MINUTES = 24 * 60


class Rules(msgspec.Struct, frozen=True):
    """The configuration one site's decisions depend on."""

    site: Site
    procedures: Procedures
    life_events: LifeEvents


class Context(msgspec.Struct, frozen=True):
    """Everything impure a decision needs, made by the caller."""

    now: float
    actor: c.Actor
    visit_id: str = ""
    token: str = ""
    not_after: float | None = None
    """A command with a shelf life (see ``shelf_life``) is refused after this time."""
    sent_at: float | None = None
    """When the client first sent the command, on this clock (a leased ticket's issue time)."""


@cache
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def business_date(now: float, timezone: str) -> str:
    """The local calendar date at ``now`` (ticket numbers restart with each one)."""
    return dt.datetime.fromtimestamp(now, _zone(timezone)).date().isoformat()


def decide(state: SiteState, command: c.Command, ctx: Context, rules: Rules) -> list[ev.Event]:
    """Return the events ``command`` causes, or raise Rejected. Never mutates ``state``."""
    authorize(ctx.actor, command, state, rules.site, rules.procedures)
    if ctx.not_after is not None and ctx.now > ctx.not_after:
        raise Rejected("expired", f"sent {ctx.now - ctx.not_after:.0f} s too late to act on")
    today = business_date(ctx.now, rules.site.timezone)
    prelude: list[ev.Event] = []
    if today != state.business_date and not isinstance(command, c.CloseDay):
        prelude.append(ev.DayStarted(today))
        # The commands of a new day run against an empty day, as the fold will see it.
        state = SiteState(
            state.site,
            business_date=today,
            counters={},
            # Bookings outlive the day (as DayStarted's fold keeps them).
            booth_reservations={
                rid: r for rid, r in state.booth_reservations.items() if r.date >= today
            },
        )
    lapses = outings.lapsed(rules.site, state, ctx.now)
    if lapses:
        # Visitors out past their return window meet the no-show rule before anything else
        # is decided (a call must not wait for them); decided against a copy with it done.
        prelude.extend(lapses)
        state = copy_state(state)
        apply(state, ev.Record(state.seq + 1, ctx.now, ctx.actor, "", list(lapses)))
        if isinstance(command, c.StepBack) and any(
            _find_visit(state, command.visit).id == lapse.visit for lapse in lapses
        ):
            return prelude  # back too late: the no-show rule has spoken
        if isinstance(command, c.LapseOutings):
            return prelude
    events = _decide(state, command, ctx, rules)
    # Protected visits: whatever gives a department business with one lets it in, on record.
    events += protection.grants(state, events, rules.site, rules.procedures)
    return prelude + events


def _decide(state: SiteState, command: c.Command, ctx: Context, rules: Rules) -> list[ev.Event]:
    site = rules.site
    match command:
        case c.CreateVisit():
            return _create_visit(state, command, ctx, rules)
        case c.UpdateIntake(visit=vid, intake=intake):
            visit = _open_visit(state, vid)
            if not visit.intake_editable:
                raise Rejected("already_done", "the intake can only change before the first call")
            plan = _plan(intake, rules, command.override_self_service)
            return [ev.IntakeUpdated(visit.id, intake, plan.steps, plan.forms, is_priority(intake))]
        case c.RecordDeflection(intake=intake):
            validate_intake(intake, rules.life_events, rules.procedures)
            plan = plan_visit(intake, rules.life_events, rules.procedures, site)
            return [ev.VisitDeflected(intake.events, [d.procedure for d in plan.self_service])]
        case c.MarkForms(visit=vid, forms=forms):
            visit = _open_visit(state, vid)
            for i, form in enumerate(forms):
                if form not in visit.forms:
                    raise Rejected("unknown_form", f"no form {form!r} here", f"$.forms[{i}]")
            marked = forms or list(visit.forms)
            remaining = [f for f, done in visit.forms.items() if not done and f not in marked]
            out: list[ev.Event] = [ev.FormsMarked(visit.id, marked)]
            if visit.status == "writing" and not remaining:
                out.append(ev.VisitQueued(visit.id))
            return out
        case c.CallNext(counter=cid):
            _ready_counter(state, site, cid)
            head = next_for_counter(site, state, cid)
            held = outings.held_calls(site, state, cid, head)
            if head is None:
                if held:
                    return list(held)  # nobody present: the first one out is asked back
                raise Rejected("queue_empty")
            notices = outings.return_notices(site, state, cid, head, held)
            return [*held, ev.Called(head.id, cid), *notices]
        case c.CallTicket(counter=cid, visit=vid):
            _ready_counter(state, site, cid)
            visit = _find_visit(state, vid)
            step = visit.step
            if visit.status == "out":
                raise Rejected("stepped_out")
            if (
                visit.status != "waiting"
                or step is None
                or step.queue not in counter_queues(site, state, cid)
            ):
                raise Rejected("not_waiting")
            if visit.booth:  # a seated family is never called to a counter (issue 22b)
                raise Rejected("at_booth", "the family sits at a booth: take the request")
            return [ev.Called(visit.id, cid), *outings.return_notices(site, state, cid, visit, [])]
        case c.Recall(counter=cid):
            visit = _counter_visit(state, site, cid)
            if visit.status != "called":
                raise Rejected("already_done", "the visitor is already at the counter")
            return [ev.Recalled(visit.id, cid)]
        case c.StartServing(counter=cid):
            visit = _counter_visit(state, site, cid)
            if visit.status != "called":
                raise Rejected("already_done", "service has already started")
            return [ev.ServiceStarted(visit.id, cid)]
        case c.NoShow(counter=cid):
            visit = _counter_visit(state, site, cid)
            if visit.status != "called":
                raise Rejected("already_done", "the visitor came; use return to queue instead")
            outcome = no_show_outcome(site.no_show, visit.steps[visit.current])
            return [ev.NoShowed(visit.id, cid, outcome)]
        case c.CompleteProcedure(visit=vid, procedure=pid):
            visit = _open_visit(state, vid)
            items = [p for s in visit.steps for p in s.procedures if p.id == pid]
            if not items:
                raise Rejected("unknown_procedure", f"{pid!r} is not part of this visit")
            if all(p.done for p in items):
                raise Rejected("already_done")
            return [ev.ProcedureCompleted(visit.id, pid)]
        case c.CompleteStep(counter=cid):
            visit = _counter_visit(state, site, cid)
            return [ev.StepCompleted(visit.id, cid)]
        case c.AddProcedure(visit=vid, procedure=pid, note=note):
            return [_add_procedure(state, vid, pid, _text(note, "$.note"), ctx, rules)]
        case c.Transfer(counter=cid, queue=qid, note=note):
            visit = _counter_visit(state, site, cid)
            if not site.has_queue(qid):
                raise Rejected("unknown_queue", f"no queue {qid!r}", "$.queue")
            if visit.steps[visit.current].queue == qid:
                raise Rejected("same_queue")
            _serves_one(rules, qid, open_procedures(visit))
            # What the target line takes goes with the visitor (with any later stop there);
            # the rest of this step waits for them to come back to this line.
            here = open_procedures(visit, current_only=True)
            carried = [p for p in here if qid in serving_lines(site, rules.procedures, [p])]
            return [ev.Transferred(visit.id, cid, qid, _text(note, "$.note"), carried)]
        case c.ReturnToQueue(counter=cid):
            visit = _counter_visit(state, site, cid)
            return [ev.ReturnedToQueue(visit.id, cid)]
        case c.Park(counter=cid, note=note):
            visit = _counter_visit(state, site, cid)
            return [ev.Parked(visit.id, cid, _text(note, "$.note"))]
        case c.Unpark(visit=vid):
            visit = _open_visit(state, vid)
            if visit.status != "parked":
                raise Rejected("not_parked")
            return [ev.Unparked(visit.id)]
        case c.StepOut(visit=vid, back_by=back_by):
            visit = _open_visit(state, vid)
            if visit.booth:  # a seated family waits at its booth: the departments come to it
                raise Rejected("at_booth", "the family sits at a booth, not in a line")
            return [outings.step_out(site, state, visit, back_by, ctx.now, ctx.actor)]
        case c.StepBack(visit=vid):
            return [outings.step_back(site, _open_visit(state, vid), ctx.actor)]
        case c.LapseOutings():
            raise Rejected("already_done", "nobody out is past their return window")
        case c.CancelVisit(visit=vid, reason=reason):
            visit = _open_visit(state, vid)
            return [ev.VisitCancelled(visit.id, _text(reason, "$.reason"))]
        case c.OpenCounter(counter=cid):
            _known_counter(site, cid)
            return [ev.CounterOpened(cid, ctx.actor.id)]
        case c.PauseCounter(counter=cid):
            _known_counter(site, cid)
            if state.counter(cid).status == "closed":
                raise Rejected("counter_closed")
            return [ev.CounterPaused(cid)]
        case c.CloseCounter(counter=cid):
            _known_counter(site, cid)
            if state.counter(cid).visit:
                raise Rejected("counter_busy", "finish or return the current visitor first")
            return [ev.CounterClosed(cid)]
        case c.AssignQueues(counter=cid, queues=queues):
            _known_counter(site, cid)
            for i, qid in enumerate(queues):
                if not site.has_queue(qid):
                    raise Rejected("unknown_queue", f"no queue {qid!r}", f"$.queues[{i}]")
            return [ev.QueuesAssigned(cid, list(dict.fromkeys(queues)))]
        case c.CloseDay():
            return [ev.DayClosed(state.business_date)]
        case c.LeaseNumbers(device=device):
            return [leases.top_up(state, site, device, ctx.token)]
        case c.ReturnLease(device=device):
            return [leases.give_back(state, device)]
        case c.MoveVisitor(visit=vid, queue=qid):
            visit = _open_visit(state, vid)
            if not site.has_queue(qid):
                raise Rejected("unknown_queue", f"no queue {qid!r}", "$.queue")
            step = visit.step
            if visit.status != "waiting" or step is None or step.status != "waiting":
                raise Rejected("not_waiting", "only a visitor waiting in a line can be moved")
            if visit.booth:
                raise Rejected("at_booth", "the family sits at a booth, not in a line")
            if step.queue == qid:
                raise Rejected("same_queue")
            _serves_one(rules, qid, open_procedures(visit, current_only=True))
            return [ev.VisitMoved(visit.id, step.queue, qid)]
        case c.PostNotice(text=text, boards=boards):
            _notice_text(text)
            for i, bid in enumerate(boards):
                if not any(b.id == bid for b in site.boards):
                    raise Rejected("unknown_board", f"no board {bid!r}", f"$.boards[{i}]")
            # The context's fresh id names the notice (as it names a new visit).
            notice_id = "n" + (ctx.visit_id.removeprefix("v") or str(state.seq + 1))
            return [ev.NoticePosted(notice_id, text, list(dict.fromkeys(boards)))]
        case c.WithdrawNotice(notice=nid):
            if nid not in state.notices:
                raise Rejected("unknown_notice", f"no notice {nid!r} on the boards", "$.notice")
            return [ev.NoticeWithdrawn(nid)]
        # --- protected visits (issue 22, protected half)
        case c.MarkProtected(visit=vid, reason=reason):
            visit = _open_visit(state, vid)
            if visit.protected:
                raise Rejected("already_done", "the visit is already protected")
            departments = protection.itinerary_departments(
                site, rules.procedures, protection.stops(visit)
            )
            seed = ctx.visit_id + ctx.token
            return [protection.mark(state, visit.id, reason, seed, site, departments)]
        case c.UnmarkProtected(visit=vid):
            visit = _open_visit(state, vid)
            if not visit.protected:
                raise Rejected("already_done", "the visit is not protected")
            return [ev.VisitUnprotected(visit.id)]
        # --- end protected visits
        case c.SetAlertThreshold(queue=qid, minutes=minutes):
            if not site.has_queue(qid):
                raise Rejected("unknown_queue", f"no queue {qid!r}", "$.queue")
            if not 0 <= minutes <= MAX_ALERT_MINUTES:
                raise Rejected("invalid", f"0 to {MAX_ALERT_MINUTES} minutes", "$.minutes")
            return [ev.AlertThresholdSet(qid, minutes)]
        # --- bereavement corner (booth mode; issue 22b) ---
        case c.SeatAtBooth():
            return _seat_at_booth(state, command, ctx, rules)
        case c.TakeBoothVisit(counter=cid, visit=vid):
            _ready_counter(state, site, cid)
            visit = _open_visit(state, vid)
            booths.check_take(state, site, cid, visit)
            return [ev.BoothVisitTaken(visit.id, cid)]
        case c.ReserveBooth(date=date, slot=slot, note=note):
            booth, start = booths.check_reservation(state, site, date, slot, note, ctx.now)
            rid = "r" + (ctx.visit_id.removeprefix("v") or str(state.seq + 1))
            return [ev.BoothReserved(rid, date, slot, start, booth, note)]
        case c.CancelBoothReservation(reservation=rid):
            booked = state.booth_reservations.get(rid)
            if booked is None:
                raise Rejected("unknown_reservation", f"no reservation {rid!r}", "$.reservation")
            if booked.visit:
                raise Rejected("already_done", "the family is already seated")
            return [ev.BoothReservationCancelled(rid)]
        case _:  # mypy: a command type without a case here is an error
            assert_never(command)


def _plan(intake: Intake, rules: Rules, override: bool) -> Plan:
    validate_intake(intake, rules.life_events, rules.procedures)
    plan = plan_visit(
        intake, rules.life_events, rules.procedures, rules.site, override_self_service=override
    )
    if not plan.steps:
        if plan.self_service_only:
            raise Rejected("self_service_available")
        raise Rejected("no_procedures")
    return plan


def _create_visit(
    state: SiteState, command: c.CreateVisit, ctx: Context, rules: Rules
) -> list[ev.Event]:
    plan = _plan(command.intake, rules, command.override_self_service)
    if command.protect and command.leased is not None:
        # A leased number was printed offline: it may already be on paper and seen.
        raise Rejected("invalid", "a protected visit is marked online only", "$.protect")
    queued = not (command.forms_pending and plan.forms)
    if command.leased is not None:
        leased = command.leased
        token, issued_at = leases.take(state, leased, ctx.now, ctx.sent_at)
        series, number = leased.series, leased.number
    else:
        series = rules.site.queue(plan.steps[0].queue).series
        number = leases.next_number(state, rules.site, series)
        token, issued_at = ctx.token, 0.0
    return [
        ev.VisitCreated(
            visit=ctx.visit_id,
            token=token,
            series=series,
            number=number,
            intake=command.intake,
            steps=plan.steps,
            forms=plan.forms,
            priority=is_priority(command.intake),
            queued=queued,
            device=command.leased.device if command.leased else "",
            issued_at=issued_at,
        ),
        *_protect_at_intake(state, command, plan, ctx, rules),
    ]


def _seat_at_booth(
    state: SiteState, command: c.SeatAtBooth, ctx: Context, rules: Rules
) -> list[ev.Event]:
    """Create the family's visit and seat it at a booth, in one record (never in a line)."""
    corner = booths.corner(rules.site)
    for i, event in enumerate(command.intake.events):
        if event not in corner.events:
            raise Rejected(
                "invalid_intake", "the corner is for bereaved families", f"$.intake.events[{i}]"
            )
    plan = _plan(command.intake, rules, False)
    booths.check_attended(rules.site, [s.queue for s in plan.steps])
    booth, reservation = booths.choose_booth(
        state, rules.site, ctx.now, command.reservation, command.booth
    )
    created = _create_visit(state, c.CreateVisit(command.intake), ctx, rules)
    return [*created, ev.BoothSeated(ctx.visit_id, booth, reservation)]


def _protect_at_intake(
    state: SiteState, command: c.CreateVisit, plan: Plan, ctx: Context, rules: Rules
) -> list[ev.Event]:
    """Marked protected at intake: in the same record, so no view ever shows it unprotected."""
    if not command.protect:
        return []
    stops = [(s.queue, list(s.procedures), "") for s in plan.steps]
    departments = protection.itinerary_departments(rules.site, rules.procedures, stops)
    seed = ctx.visit_id + ctx.token
    return [protection.mark(state, ctx.visit_id, command.protect, seed, rules.site, departments)]


def _add_procedure(
    state: SiteState, vid: str, pid: str, note: str, ctx: Context, rules: Rules
) -> ev.ProcedureAdded:
    visit = _open_visit(state, vid)
    proc = rules.procedures.procedures.get(pid)
    if proc is None:
        raise Rejected("unknown_procedure", f"no procedure {pid!r}", "$.procedure")
    if any(p.id == pid and not p.done for s in visit.steps for p in s.procedures):
        raise Rejected("already_done", "the visit already includes this procedure")
    queue = rules.site.queue_for(pid, proc.department)
    # The plan's prerequisites bind an added procedure too: not before a stop holding one of
    # its open prerequisites, not after a stop holding a procedure that waits for it.
    catalogue = rules.procedures.procedures
    holds = [{p.id for p in s.procedures if not p.done} for s in visit.steps]
    pres = [pre for pre in proc.after if any(pre in held for held in holds)]
    earliest = max([i for i, held in enumerate(holds) if held & set(pres)], default=visit.current)
    earliest = max(earliest, visit.current)
    latest = next(
        (
            i
            for i in range(earliest, len(visit.steps))
            if any(pid in catalogue[p].after for p in holds[i] if p in catalogue)
        ),
        len(visit.steps),
    )
    # Join a step at the same queue within those bounds (the current step itself when the
    # visitor is standing at that queue), else insert a new step there in queue order.
    for i in range(earliest, min(latest + 1, len(visit.steps))):
        step = visit.steps[i]
        if step.queue == queue.id and step.status not in ("done", "cancelled"):
            waits = [pre for pre in pres if any(pre in held for held in holds[:i])]
            return ev.ProcedureAdded(visit.id, pid, queue.id, i, False, note, ctx.actor.id, waits)
    order = {q.id: q.order for q in rules.site.queues}
    at = max(latest, earliest + 1)
    for i in range(earliest + 1, at):
        if order.get(visit.steps[i].queue, 0) > queue.order:
            at = i
            break
    waits = [pre for pre in pres if any(pre in held for held in holds[:at])]
    return ev.ProcedureAdded(visit.id, pid, queue.id, at, True, note, ctx.actor.id, waits)


def _serves_one(rules: Rules, queue: str, procedures: list[str]) -> None:
    """Refuse a line that takes none of the procedures the visitor would bring to it."""
    if queue not in serving_lines(rules.site, rules.procedures, procedures):
        label = rules.site.queue(queue).label.ja
        raise Rejected(
            "queue_not_serving",
            f"{label}（{queue}）では、この方の残りの手続きを扱いません / "
            f"line {queue} serves none of the visitor's open procedures",
            "$.queue",
        )


def _text(value: str, path: str) -> str:
    if len(value) > MAX_TEXT:
        raise Rejected("invalid", f"at most {MAX_TEXT} characters", path)
    return value


def _notice_text(text: Text) -> None:
    """A notice needs Japanese text; every language stays short enough for a board's footer."""
    if not text.ja.strip():
        raise Rejected("invalid", "a notice needs its Japanese text", "$.text.ja")
    for lang in ("ja", "en", "zh", "ko", "vi"):
        if len(getattr(text, lang)) > MAX_NOTICE:
            raise Rejected("invalid", f"at most {MAX_NOTICE} characters", f"$.text.{lang}")


def _known_counter(site: Site, cid: str) -> None:
    if not site.has_counter(cid):
        raise Rejected("unknown_counter", f"no counter {cid!r}", "$.counter")


def _ready_counter(state: SiteState, site: Site, cid: str) -> None:
    _known_counter(site, cid)
    counter = state.counter(cid)
    if counter.status != "open":
        raise Rejected("counter_closed")
    if counter.visit:
        raise Rejected("counter_busy", "finish, park or return the current visitor first")


def _counter_visit(state: SiteState, site: Site, cid: str) -> Visit:
    _known_counter(site, cid)
    counter = state.counter(cid)
    if not counter.visit:
        raise Rejected("counter_idle")
    return state.visits[counter.visit]


def _find_visit(state: SiteState, ref: str) -> Visit:
    """A visit by id or by today's ticket number (what a clerk types)."""
    visit = state.visits.get(ref) or state.visits.get(state.tickets.get(ref.upper(), ""))
    if visit is None:
        raise Rejected("unknown_visit", f"no visit or ticket {ref!r} today", "$.visit")
    return visit


def _open_visit(state: SiteState, ref: str) -> Visit:
    visit = _find_visit(state, ref)
    if not visit.is_open:
        raise Rejected("visit_closed")
    return visit
