"""The fold of a visit's events: issued, queued, called, served, transferred, parked, stepped
out, cancelled, moved between lines, protected.

A call is folded here too (the visitor's step is called; the boards' list of calls follows).
Like every reducer it trusts its events and changes ``state`` in place; the index
``SiteState.outings`` is kept here, next to every change of ``Visit.out``.
"""

from __future__ import annotations

from typing import assert_never

from server.domain import events as ev
from server.domain.counter_fold import free_counter, release_numbers, take_number, touch_counter
from server.domain.intake import PlannedStep
from server.domain.state import (
    Call,
    Outing,
    ProcItem,
    SiteState,
    Step,
    Visit,
    VisitStatus,
)

SERVICE_SAMPLES = 20
# Calls kept for the boards: enough that a visitor still called is among them on a busy day.
RECENT_CALLS = 64

# Commonest first: each case costs an isinstance test on every event folded after it.
VisitEvent = (
    ev.VisitCreated
    | ev.Called
    | ev.ServiceStarted
    | ev.StepCompleted
    | ev.ProcedureAdded
    | ev.NoShowed
    | ev.Parked
    | ev.Unparked
    | ev.Transferred
    | ev.VisitMoved
    | ev.VisitCancelled
    | ev.Recalled
    | ev.IntakeUpdated
    | ev.FormsMarked
    | ev.VisitQueued
    | ev.ProcedureCompleted
    | ev.ReturnedToQueue
    | ev.SteppedOut
    | ev.CallHeld
    | ev.ReturnSoon
    | ev.SteppedBack
    | ev.StepOutLapsed
    | ev.VisitProtected
    | ev.VisitUnprotected
    | ev.NeedToKnowGranted
)


def _steps(planned: list[PlannedStep]) -> list[Step]:
    return [
        Step(p.queue, [ProcItem(pid) for pid in p.procedures], after=list(p.after)) for p in planned
    ]


def _enqueue(step: Step, at: float, *, keep_place: bool = False) -> None:
    step.status = "waiting"
    step.counter = ""
    step.queued_at = at
    if not keep_place or not step.place:
        step.place = at


def _no_show(state: SiteState, visit: Visit, outcome: str, at: float) -> None:
    """The site's no-show rule: the visit ends (``drop``) or waits again, in its place or at
    the back — behind everyone waiting now, a priority visitor included."""
    step = visit.steps[visit.current]
    if outcome == "drop":
        close_visit(state, visit, "no_show", at)
        return
    step.requeues += 1
    step.sent_back = step.sent_back or outcome == "back"
    _enqueue(step, at, keep_place=outcome == "keep_place")
    visit.status = "waiting"


def _advance(state: SiteState, visit: Visit, at: float) -> None:
    """Move the visitor to their next unfinished step, or finish the visit."""
    while visit.current < len(visit.steps) and visit.steps[visit.current].status in (
        "done",
        "cancelled",
    ):
        visit.current += 1
    step = visit.step
    if step is None:
        visit.status = "done"
        visit.closed_at = at
    else:
        _enqueue(step, at)
        visit.status = "waiting"


def close_visit(state: SiteState, visit: Visit, status: VisitStatus, at: float) -> None:
    """End the visit as ``status``: its counter is freed and its steps left are cancelled."""
    visit.out = None
    state.outings.pop(visit.id, None)
    step = visit.step
    if step is not None:
        if step.counter and touch_counter(state, step.counter).visit == visit.id:
            free_counter(state, step.counter, at)
        for s in visit.steps[visit.current :]:
            s.status = "cancelled"
    visit.status = status
    visit.closed_at = at


def _transfer_tail(
    later: list[Step], here: str, remaining: list[ProcItem], event: ev.Transferred
) -> list[Step]:
    """The steps after a transfer: the target line first, then (if anything stays) a return
    to this line, then the rest as planned."""
    if event.carried is None:
        return [Step(event.queue, remaining, note=event.note), *later]
    carried = [p for p in remaining if p.id in event.carried]
    kept = [p for p in remaining if p.id not in event.carried]
    pulled = [s for s in later if s.queue == event.queue and s.status == "pending"]
    notes = [s.note for s in pulled]
    target = Step(
        event.queue,
        carried + [p for s in pulled for p in s.procedures],
        note="\n".join(filter(None, [event.note, *notes])),
    )
    rest = [s for s in later if not any(s is p for p in pulled)]
    back = [Step(here, kept)] if kept else []
    return [target, *back, *rest]


def apply_visit_event(state: SiteState, event: VisitEvent, record: ev.Record) -> None:
    """Fold one visit event into ``state`` (in place)."""
    at = record.at
    match event:
        case ev.VisitCreated():
            if event.device:
                release_numbers(state, event.device, {event.series: [event.number]})
                at = event.issued_at or at
            visit = Visit(
                id=event.visit,
                token=event.token,
                series=event.series,
                number=event.number,
                created_at=at,
                created_by=record.actor.id,
                intake=event.intake,
                steps=_steps(event.steps),
                forms={f: False for f in event.forms},
                priority=event.priority,
                status="writing",
            )
            state.visits[visit.id] = visit
            state.tickets[visit.ticket] = visit.id
            take_number(state, event.series, event.number)
            if event.queued:
                _advance(state, visit, at)
        case ev.Called(visit=vid, counter=cid):
            visit = state.visits[vid]
            step = visit.steps[visit.current]
            step.status = "called"
            step.counter = cid
            step.called_at = at
            step.calls += 1
            step.first = False
            visit.status = "called"
            counter = touch_counter(state, cid)
            counter.visit = vid
            state.calls = [
                *state.calls[-(RECENT_CALLS - 1) :],
                Call(record.seq, vid, visit.shown_ticket, cid, step.queue, at, 0, visit.protected),
            ]
        case ev.ServiceStarted(visit=vid):
            visit = state.visits[vid]
            step = visit.steps[visit.current]
            step.status = "serving"
            step.started_at = at
            visit.status = "serving"
        case ev.StepCompleted(visit=vid, counter=cid):
            visit = state.visits[vid]
            step = visit.steps[visit.current]
            for item in step.procedures:
                item.done = True
            step.status = "done"
            step.done_at = at
            began = step.started_at or step.called_at
            if not visit.booth:  # time at a booth says nothing about a line's pace
                samples = state.service_seconds.setdefault(step.queue, [])
                samples.append(max(0.0, at - began))
                del samples[:-SERVICE_SAMPLES]
            free_counter(state, cid, at)
            _advance(state, visit, at)
        case ev.ProcedureAdded():
            visit = state.visits[event.visit]
            item = ProcItem(event.procedure, note=event.note, added_by=event.by)
            if event.new_step:
                visit.steps.insert(event.step, Step(event.queue, [item], note=event.note))
            else:
                target = visit.steps[event.step]
                target.procedures.append(item)
                if event.note:
                    target.note = "\n".join(filter(None, [target.note, event.note]))
            step = visit.steps[event.step]
            step.after = list(dict.fromkeys([*step.after, *event.after]))
        case ev.NoShowed(visit=vid, counter=cid, outcome=outcome):
            free_counter(state, cid, at)
            _no_show(state, state.visits[vid], outcome, at)
        case ev.Parked(visit=vid, counter=cid, note=note):
            visit = state.visits[vid]
            step = visit.steps[visit.current]
            free_counter(state, cid, at)
            step.status = "parked"
            step.counter = ""
            step.parked_at = at
            if note:
                step.note = "\n".join(filter(None, [step.note, note]))
            visit.status = "parked"
        case ev.Unparked(visit=vid):
            visit = state.visits[vid]
            _enqueue(visit.steps[visit.current], at, keep_place=True)
            visit.status = "waiting"
        case ev.Transferred(visit=vid, counter=cid):
            visit = state.visits[vid]
            step = visit.steps[visit.current]
            remaining = [p for p in step.procedures if not p.done]
            step.procedures = [p for p in step.procedures if p.done]
            step.status = "done" if step.procedures else "cancelled"
            step.done_at = at
            visit.steps[visit.current + 1 :] = _transfer_tail(
                visit.steps[visit.current + 1 :], step.queue, remaining, event
            )
            free_counter(state, cid, at)
            _advance(state, visit, at)
        case ev.VisitMoved(visit=vid, queue=qid):
            # Same place in time (``place``) and the same wait so far (``queued_at``).
            visit = state.visits[vid]
            visit.steps[visit.current].queue = qid
        case ev.VisitCancelled(visit=vid):
            close_visit(state, state.visits[vid], "cancelled", at)
        case ev.Recalled(visit=vid, counter=cid):
            visit = state.visits[vid]
            step = visit.steps[visit.current]
            step.calls += 1
            kept = [c for c in state.calls if not (c.visit == vid and c.counter == cid)]
            state.calls = [
                *kept[-(RECENT_CALLS - 1) :],
                Call(
                    record.seq,
                    vid,
                    visit.shown_ticket,
                    cid,
                    step.queue,
                    at,
                    recall=step.calls - 1,
                    protected=visit.protected,
                ),
            ]
        case ev.IntakeUpdated():
            visit = state.visits[event.visit]
            old = visit.step
            visit.intake = event.intake
            visit.priority = event.priority
            visit.forms = {f: visit.forms.get(f, False) for f in event.forms}
            visit.steps = _steps(event.steps)
            visit.current = 0
            if visit.status == "waiting" and old is not None:
                first = visit.steps[0]
                _enqueue(first, old.queued_at)
                first.place = old.place if first.queue == old.queue else at
        case ev.FormsMarked():
            visit = state.visits[event.visit]
            for form in event.forms:
                visit.forms[form] = True
        case ev.VisitQueued():
            _advance(state, state.visits[event.visit], at)
        case ev.ProcedureCompleted(visit=vid, procedure=pid):
            for step in state.visits[vid].steps:
                for item in step.procedures:
                    if item.id == pid:
                        item.done = True
        case ev.ReturnedToQueue(visit=vid, counter=cid):
            visit = state.visits[vid]
            free_counter(state, cid, at)
            _enqueue(visit.steps[visit.current], at, keep_place=True)
            visit.status = "waiting"
        # --- stepping out
        case ev.SteppedOut(visit=vid, back_by=back_by, until=until):
            visit = state.visits[vid]
            visit.status = "out"
            visit.out = Outing(at, back_by, until, record.actor.id)
            state.outings[vid] = until
        case ev.CallHeld(visit=vid, counter=cid):
            out = state.visits[vid].out
            if out is not None:
                out.held_at = at
                out.held_by = cid
        case ev.ReturnSoon(visit=vid):
            out = state.visits[vid].out
            if out is not None:
                out.asked_at = at
        case ev.SteppedBack(visit=vid, first=first):
            # The step never left the line: same place, same wait so far.
            visit = state.visits[vid]
            visit.out = None
            state.outings.pop(vid, None)
            visit.status = "waiting"
            visit.steps[visit.current].first = first
        case ev.StepOutLapsed(visit=vid, outcome=outcome):
            visit = state.visits[vid]
            visit.out = None
            state.outings.pop(vid, None)
            _no_show(state, visit, outcome, at)
        # --- protected visits (issue 22, protected half)
        case ev.VisitProtected(visit=vid, alias=alias, departments=departments):
            visit = state.visits[vid]
            visit.protected = True
            visit.alias = alias
            visit.known_to = list(departments)
            if alias:
                state.aliases[alias] = vid
        case ev.VisitUnprotected(visit=vid):
            visit = state.visits[vid]
            state.aliases.pop(visit.alias, None)
            visit.protected = False
            visit.alias = ""
            visit.known_to = []
        case ev.NeedToKnowGranted(visit=vid, department=department):
            visit = state.visits[vid]
            if department not in visit.known_to:
                visit.known_to = [*visit.known_to, department]
        case _:  # mypy: an event of the union without a case here is an error
            assert_never(event)
