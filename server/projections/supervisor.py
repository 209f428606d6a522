"""The supervisor's live view: the floor view plus what a supervisor watches and acts on.

The ``supervisor`` view extends the staff view of the whole site
(``server.projections.staff``):

- on each queue: the alert threshold in force (a supervisor's setting for today, else the
  configured ``alert_minutes``), the ``alert`` it raises (``over``: the estimated wait for a
  newcomer has reached the threshold; ``no_counter``: people wait and no counter calls that
  line) and ``longest_alert_at``, the time at which the longest current wait passes it;
- on each counter: its configured queues, whether a supervisor pointed it elsewhere, its label
  and the name of the clerk who opened it;
- a ``watch`` collection: visitors who may be stuck (parked, gone after a no-show, back in line
  after one, called but not come, long at one counter). Entries at a counter carry ``flag_at``,
  the time from which they count as stuck, so the page needs no clock rule of its own;
- a ``notices`` collection: what is posted on the lobby boards now.

Pure functions of (configuration, state, the view's snapshot): no I/O and no clock, so an
entity's bytes (and the view's deltas) only change when something happens.
"""

from __future__ import annotations

from typing import Any

import msgspec

from server.config.schema import Config, Site
from server.domain.queues import QueueFigures, counter_queues, minutes_per_visit
from server.domain.state import SiteState, Visit
from server.projections.snapshot import Entities, Snapshot
from server.reports.staffing import what_if_open

# A visitor at a counter counts as "long" after twice the line's time per visit, and at least
# this many minutes more than it (short procedures vary a lot).
LONG_SERVICE_FACTOR = 2.0
LONG_SERVICE_MIN_EXTRA = 10.0
# A called visitor who has not reached the counter after this long may not have heard the call.
CALLED_GRACE_MINUTES = 5.0


def alert_threshold(site: Site, state: SiteState, queue_id: str) -> int:
    """Minutes of estimated wait at which a queue alerts: today's setting, else the config's."""
    return state.alert_minutes.get(queue_id) or site.queue(queue_id).alert_minutes


def queue_alert(figures: QueueFigures, threshold: int) -> str:
    """``over`` (the estimate reached the threshold), ``no_counter`` (people wait, no counter
    calls them) or "" (no alert)."""
    if figures.waiting == 0:
        return ""
    if figures.estimated_wait is None:
        return "no_counter"
    return "over" if figures.estimated_wait >= threshold else ""


def site_alerts(site: Site, state: SiteState, snap: Snapshot) -> dict[str, str]:
    """Every queue in alert now, with its kind (for the city overview)."""
    out = {}
    for queue in site.queues:
        kind = queue_alert(snap.figures[queue.id], alert_threshold(site, state, queue.id))
        if kind:
            out[queue.id] = kind
    return out


def extend(
    staff: Entities, config: Config, site: Site, state: SiteState, snap: Snapshot
) -> Entities:
    """Add the supervisor's fields and collections to a whole-site staff view (in place)."""
    for qid, entity in staff["queues"].items():
        threshold = alert_threshold(site, state, qid)
        oldest = entity.get("oldest_queued_at")
        entity.update(
            alert_minutes=threshold,
            configured_alert_minutes=site.queue(qid).alert_minutes,
            alert=queue_alert(snap.figures[qid], threshold),
            longest_alert_at=oldest + threshold * 60 if oldest is not None else None,
        )
    names = {s.id: s.name for s in config.accounts.staff}
    for cid, entity in staff["counters"].items():
        counter = site.counter(cid)
        entity.update(
            label=msgspec.to_builtins(counter.label) if counter.label else None,
            configured_queues=list(counter.queues),
            reassigned=counter_queues(site, state, cid) != list(counter.queues),
            clerk_name=names.get(entity.get("clerk", ""), entity.get("clerk", "")),
        )
        # The live what-if: opening this counter now, each of its lines' wait before → after.
        entity["what_if"] = (
            what_if_open(site, state, snap.figures, cid) if entity.get("status") != "open" else []
        )
    for entity in staff.get("leases", {}).values():
        entity["by_name"] = names.get(entity["by"], entity["by"])
    staff["watch"] = {
        visit.id: item
        for visit in state.visits.values()
        if (item := _watch(site, state, visit)) is not None
    }
    staff["notices"] = {
        n.id: {
            "id": n.id,
            "text": msgspec.to_builtins(n.text),
            "boards": n.boards,
            "at": n.at,
            "by": n.by,
        }
        for n in state.notices.values()
    }
    return staff


def _watch(site: Site, state: SiteState, visit: Visit) -> dict[str, Any] | None:
    """A watch-list entry for a visitor who is, or may become, stuck; None for the others."""
    step = visit.step
    base: dict[str, Any] = {"id": visit.id, "ticket": visit.ticket}
    if visit.status == "no_show":
        last = visit.steps[visit.current] if visit.current < len(visit.steps) else None
        return {
            **base,
            "kind": "no_show",
            "since": visit.closed_at,
            "flag_at": visit.closed_at,
            "queue": last.queue if last else "",
            "counter": "",
        }
    if step is None:
        return None
    if visit.status == "parked":
        return {
            **base,
            "kind": "parked",
            "since": step.parked_at,
            "flag_at": step.parked_at,
            "queue": step.queue,
            "counter": "",
            "note": step.note,
        }
    if visit.status == "out" and visit.out is not None:
        # Shown once the back-by time has passed (the grace runs, then the no-show rule).
        return {
            **base,
            "kind": "out",
            "since": visit.out.since,
            "flag_at": visit.out.back_by,
            "back_by": visit.out.back_by,
            "queue": step.queue,
            "counter": "",
        }
    if visit.status == "waiting" and step.requeues:
        return {
            **base,
            "kind": "requeued",
            "since": step.queued_at,
            "flag_at": step.queued_at,
            "queue": step.queue,
            "counter": "",
            "requeues": step.requeues,
        }
    if visit.status in ("called", "serving") and step.counter:
        number = site.counter(step.counter).number if site.has_counter(step.counter) else ""
        if visit.status == "called":
            since, after = step.called_at, CALLED_GRACE_MINUTES
        else:
            per_visit = minutes_per_visit(site, state, step.queue)
            since = step.started_at
            after = max(per_visit * LONG_SERVICE_FACTOR, per_visit + LONG_SERVICE_MIN_EXTRA)
        return {
            **base,
            "kind": visit.status,
            "since": since,
            "flag_at": since + after * 60,
            "queue": step.queue,
            "counter": number,
        }
    return None
