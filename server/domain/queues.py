"""Queue order and wait estimates, derived from the state (never stored twice)."""

from __future__ import annotations

import math
from typing import Literal

import msgspec

from server.config.schema import NoShowRule, Procedures, Site
from server.domain.state import SiteState, Step, Visit


def counter_queues(site: Site, state: SiteState, counter_id: str) -> list[str]:
    """The queues a counter calls from: a supervisor's assignment, else its configured ones."""
    assigned = state.counter(counter_id).queues
    if assigned:
        return assigned
    return site.counter(counter_id).queues


def order_key(visit: Visit) -> tuple[bool, bool, float, int]:
    """Call order within a line: back from stepping out after their turn first, then
    priority, then place in time. Visitors out are ordered the same way (not called)."""
    step = visit.steps[visit.current]
    # A no-show sent "to the back" is behind everyone waiting, priority or not.
    return (not step.first, not visit.priority or step.sent_back, step.place, visit.number)


def no_show_outcome(rule: NoShowRule, step: Step) -> Literal["keep_place", "back", "drop"]:
    """What the site's rule does with a visitor called at ``step`` who does not come (the same
    for every visitor, priority or not)."""
    return "drop" if step.requeues >= rule.max_requeues else rule.requeue


def serving_lines(site: Site, catalogue: Procedures, procedures: list[str]) -> list[str]:
    """The site's lines (in queue order) that take at least one of ``procedures``."""
    known = catalogue.procedures
    return [
        queue.id
        for queue in site.queues
        if any(
            site.serves(queue.id, pid, known[pid].department) for pid in procedures if pid in known
        )
    ]


def open_procedures(visit: Visit, *, current_only: bool = False) -> list[str]:
    """The visit's procedures not done yet: at its current step, or from it on."""
    steps = visit.steps[visit.current : visit.current + 1 if current_only else None]
    return [
        p.id
        for s in steps
        if s.status not in ("done", "cancelled")
        for p in s.procedures
        if not p.done
    ]


def waiting_lines(state: SiteState) -> dict[str, list[Visit]]:
    """Every queue's waiting visitors in call order: priority first, then arrival."""
    lines: dict[str, list[Visit]] = {}
    for visit in state.visits.values():
        step = visit.step
        # A family seated at a booth (issue 22b) is in no line: the departments come to them.
        if visit.booth:
            continue
        if visit.status == "waiting" and step is not None and step.status == "waiting":
            lines.setdefault(step.queue, []).append(visit)
    for line in lines.values():
        line.sort(key=order_key)
    return lines


def out_lines(state: SiteState) -> dict[str, list[Visit]]:
    """Every queue's visitors out (stepped out, keeping their place), in call order."""
    lines: dict[str, list[Visit]] = {}
    for visit in map(state.visits.__getitem__, state.outings):
        step = visit.step
        if visit.status == "out" and step is not None:
            lines.setdefault(step.queue, []).append(visit)
    for line in lines.values():
        line.sort(key=order_key)
    return lines


def ahead_of(visit: Visit, line: list[Visit]) -> int:
    """How many visitors present in ``line`` come before ``visit`` (who is out)."""
    key = order_key(visit)
    return sum(1 for other in line if order_key(other) < key)


def next_for_counter(
    site: Site, state: SiteState, counter_id: str, lines: dict[str, list[Visit]] | None = None
) -> Visit | None:
    """Who this counter calls next across all the queues it serves."""
    lines = lines if lines is not None else waiting_lines(state)
    heads = [line[0] for q in counter_queues(site, state, counter_id) if (line := lines.get(q))]
    return min(heads, key=order_key) if heads else None


class QueueFigures(msgspec.Struct, frozen=True):
    """Live figures of one queue."""

    queue: str
    waiting: int
    open_counters: int
    minutes_per_visit: float
    estimated_wait: int | None
    longest_wait: int
    out: int = 0  # visitors out (stepped out, keeping their place): not in the wait


def open_counters(site: Site, state: SiteState) -> dict[str, int]:
    """How many open counters call from each queue (one pass over the counters)."""
    counts: dict[str, int] = {}
    for counter in site.counters:
        live = state.counters.get(counter.id)
        if live is not None and live.status == "open":
            for queue_id in live.queues or counter.queues:
                counts[queue_id] = counts.get(queue_id, 0) + 1
    return counts


def minutes_per_visit(site: Site, state: SiteState, queue_id: str) -> float:
    """Mean of recent live service times, or the configured minutes before there are any."""
    samples = state.service_seconds.get(queue_id)
    if samples and len(samples) >= 3:
        return sum(samples) / len(samples) / 60.0
    return float(site.queue(queue_id).minutes)


def estimate_minutes(ahead: int, per_visit: float, counters: int) -> int | None:
    """Wait for someone with ``ahead`` people before them; None when no counter is open."""
    if counters <= 0:
        return None
    return math.ceil(ahead * per_visit / counters)


def queue_figures(
    site: Site,
    state: SiteState,
    lines: dict[str, list[Visit]],
    now: float,
    outs: dict[str, list[Visit]] | None = None,
) -> dict[str, QueueFigures]:
    """Waiting count, estimated wait for a newcomer and longest current wait, per queue.
    Visitors out are counted apart (``out``) and not in the wait: they are skipped."""
    figures = {}
    outs = outs if outs is not None else {}
    serving = open_counters(site, state)
    for queue in site.queues:
        line = lines.get(queue.id, [])
        counters = serving.get(queue.id, 0)
        per_visit = minutes_per_visit(site, state, queue.id)
        longest = max((now - v.steps[v.current].queued_at for v in line), default=0.0)
        figures[queue.id] = QueueFigures(
            queue=queue.id,
            waiting=len(line),
            open_counters=counters,
            out=len(outs.get(queue.id, [])),
            minutes_per_visit=round(per_visit, 1),
            estimated_wait=estimate_minutes(len(line), per_visit, counters),
            longest_wait=int(longest // 60),
        )
    return figures


def wait_band(site: Site, minutes: int | None) -> int:
    """Index into ``site.wait_bands`` for an estimate (the last band is open-ended)."""
    if minutes is None or not site.wait_bands:
        return len(site.wait_bands) - 1
    for i, band in enumerate(site.wait_bands):
        if band.below and minutes < band.below:
            return i
    return len(site.wait_bands) - 1
