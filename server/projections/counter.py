"""Counter briefings: what a department's counter should know about each visitor heading its way.

The ``counter`` view adds these to the staff view (``server.projections.staff``):

- ``briefing`` on each visit: which step is this department's, how far along the visitor is
  (``stage``), an estimate of when they will reach the department (``eta`` minutes), the
  documents the procedures there need (and whether the intake says the visitor has them, see
  ``server.projections.checklist``), and the intake answers that matter to this department;
- ``next`` on each counter: the visitor "call next" would bring there now;
- a ``recent`` collection: the last visitors this department's counters finished with, and
  where each went next (so a clerk can answer "where did the last one go?").

Pure functions of (configuration, state, the view's snapshot): no I/O, no clock. The estimate
takes half a service time for a visitor being served elsewhere rather than the elapsed time,
so a visit's bytes (and the view's deltas) only change when something happens.
"""

from __future__ import annotations

import math
from typing import Any

from server.config.schema import Config, Site
from server.domain.queues import estimate_minutes, next_for_counter, no_show_outcome
from server.domain.state import SiteState, Step, Visit
from server.projections.checklist import documents
from server.projections.snapshot import Entities, Snapshot

RECENT = 8
CLOSED_STEP = ("done", "cancelled")


def department_step(visit: Visit, queues: set[str]) -> int | None:
    """Index of the visitor's next unfinished step at one of ``queues`` (None if there is none)."""
    for i in range(visit.current, len(visit.steps)):
        step = visit.steps[i]
        if step.status not in CLOSED_STEP and step.queue in queues:
            return i
    return None


def stage(visit: Visit, index: int) -> str:
    """How far the visitor is from the department's step.

    ``incoming`` (an earlier step comes first), ``writing`` (filling in forms before queueing),
    ``waiting`` (in the line), ``called``, ``serving`` or ``parked`` (stepped aside).
    """
    if index > visit.current:
        return "incoming"
    return visit.status


def eta_minutes(site: Site, visit: Visit, index: int, snap: Snapshot) -> int | None:
    """Minutes until the visitor can start at step ``index``; None when no counter is open.

    The visitor's current place (waiting: the people ahead; at a counter: half a service) plus,
    for each step between, a newcomer's wait at that queue and its service time.
    """
    current = visit.step
    if current is None:
        return None
    figures = snap.figures
    total = 0.0
    if visit.current == index:
        if visit.status in ("called", "serving"):
            return 0
        if visit.status == "waiting":
            own = figures[current.queue]
            ahead = snap.positions.get(visit.id, 0)
            return estimate_minutes(ahead, own.minutes_per_visit, own.open_counters)
        return None  # writing forms or parked: they come back when they are ready
    if visit.status == "waiting":
        own = figures[current.queue]
        wait = estimate_minutes(
            snap.positions.get(visit.id, 0), own.minutes_per_visit, own.open_counters
        )
        if wait is None:
            return None
        total += wait + own.minutes_per_visit
    elif visit.status in ("called", "serving"):
        total += figures[current.queue].minutes_per_visit / 2
    else:
        return None
    for step in visit.steps[visit.current + 1 : index]:
        if step.status in CLOSED_STEP:
            continue
        between = figures[step.queue]
        if between.estimated_wait is None:
            return None
        total += between.estimated_wait + between.minutes_per_visit
    return math.ceil(total)


def relevant_answers(config: Config, visit: Visit, department: str, step: Step) -> list[str]:
    """Question ids the visitor answered that decide this department's work, in asking order.

    Those the life-event rules for the department's procedures test, and those the documents
    of the step's procedures depend on.
    """
    procs = config.procedures.procedures
    docs = config.procedures.documents
    keys: set[str] = set()
    order: list[str] = []
    for event_id in visit.intake.events:
        event = config.life_events.events.get(event_id)
        if event is None:
            continue
        order += [q for q in event.questions if q not in order]
        for rule in event.rules:
            proc = procs.get(rule.procedure)
            if proc is not None and proc.department == department:
                keys.update(rule.when)
                for condition in rule.any:
                    keys.update(condition)
    for item in step.procedures:
        for did in procs[item.id].documents if item.id in procs else []:
            doc = docs.get(did)
            if doc is not None:
                keys.update(doc.required_if)
                keys.update(doc.have_if)
                for other in doc.satisfied_by:
                    keys.update(docs[other].have_if if other in docs else {})
    answered = visit.intake.answers
    order += sorted(k for k in keys if k not in order)
    return [q for q in order if q in keys and q in answered]


def briefing(
    config: Config, site: Site, visit: Visit, department: str, queues: set[str], snap: Snapshot
) -> dict[str, Any] | None:
    """The department's briefing on one visit (None when it has no step to do there)."""
    index = department_step(visit, queues)
    if index is None:
        return None
    step = visit.steps[index]
    return {
        "step": index,
        "stage": stage(visit, index),
        "eta": eta_minutes(site, visit, index, snap),
        "documents": documents(config, visit, step),
        "answers": relevant_answers(config, visit, department, step),
        # What "no-show" would do now, by the site's rule (shown by the no-show button).
        "no_show": no_show_outcome(site.no_show, step),
    }


def estimate(site: Site, visit: Visit, queues: set[str], snap: Snapshot) -> int | None:
    """The briefing's ``eta``: the only part of it that follows the queues, not the visit."""
    index = department_step(visit, queues)
    return None if index is None else eta_minutes(site, visit, index, snap)


def recent(site: Site, state: SiteState, department: str) -> dict[str, dict[str, Any]]:
    """The last visitors the department's counters finished a step with, newest first."""
    ours = {c.id: c.number for c in site.counters if c.department == department}
    finished: list[tuple[float, Visit, Step]] = []
    for visit in state.visits.values():
        for step in visit.steps:
            if step.counter in ours and step.status in CLOSED_STEP and step.done_at:
                finished.append((step.done_at, visit, step))
    finished.sort(key=lambda item: item[0], reverse=True)
    out: dict[str, dict[str, Any]] = {}
    for done_at, visit, step in finished:
        if visit.id in out:
            continue
        following = visit.step
        out[visit.id] = {
            "id": visit.id,
            "ticket": visit.ticket,
            "counter": ours[step.counter],
            "done_at": done_at,
            "procedures": [p.id for p in step.procedures if p.done],
            "status": visit.status,
            "next_queue": following.queue if following is not None and visit.is_open else "",
            "next_counter": (
                site.counter(following.counter).number
                if following is not None and visit.is_open and following.counter
                else ""
            ),
        }
        if len(out) >= RECENT:
            break
    return out


def extend(
    entities: Entities,
    config: Config,
    site: Site,
    state: SiteState,
    snap: Snapshot,
    department: str,
) -> Entities:
    """Add each counter's ``next`` and the ``recent`` collection to a department's counter
    view (in place; the visits' briefings are built with the visits, see
    ``server.projections.staff``)."""
    counters = entities.get("counters", {})
    for cid, counter in counters.items():
        # Who "call next" would bring, across all the queues the counter serves.
        head = next_for_counter(site, state, cid, snap.lines)
        counter["next"] = head.id if head is not None else ""
    entities["recent"] = recent(site, state, department)
    return entities
