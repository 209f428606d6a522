"""The visitor's own page (``visitor`` view, keyed by the visit's token): their ticket only.

Built from numbers, counter numbers and neutral queue labels; the only intake answers read
are the visit's own, to list the documents it still needs (by name, see
``server.projections.checklist``). A protected visitor's page shows the alias or no number.
"""

from __future__ import annotations

from typing import Any

from server.config.schema import Config, Site
from server.domain.outings import near_head
from server.domain.queues import estimate_minutes
from server.domain.state import SiteState, Visit
from server.projections.booths import visitor_booth
from server.projections.checklist import checklists
from server.projections.site import queue_floor
from server.projections.snapshot import Entities, Snapshot


def visitor_view(
    config: Config, site: Site, state: SiteState, snap: Snapshot, token: str
) -> Entities:
    """The page of the visit holding ``token`` (an empty ``visit`` collection if none does)."""
    visit = next((v for v in state.visits.values() if v.token == token), None)
    if visit is None:
        return {"visit": {}}
    procs = config.procedures.procedures
    step = visit.step
    figures = snap.figures.get(step.queue) if step is not None else None
    ahead = snap.positions.get(visit.id)
    wait = None
    if figures is not None and ahead is not None:
        wait = estimate_minutes(ahead, figures.minutes_per_visit, figures.open_counters)
    counter = site.counter(step.counter) if step is not None and step.counter else None
    entity = {
        "id": "me",
        # A protected visitor's own page shows only the alias, or no number at all: it is
        # read in the waiting area, over a shoulder.
        "ticket": visit.shown_ticket,
        "protected": visit.protected,
        "in_person": visit.protected and not visit.alias,
        "status": visit.status,
        "ahead": ahead,
        "estimated_wait": wait,
        "queue": step.queue if step is not None else "",
        "queue_label": site.queue(step.queue).label if step is not None else None,
        "counter": counter.number if counter is not None else "",
        "where": _visitor_where(site, visit),
        "steps": [
            {
                "queue": s.queue,
                "label": site.queue(s.queue).label,
                "floor": queue_floor(site, s.queue),
                "status": s.status,
                "procedures": [
                    {"id": p.id, "name": procs[p.id].name, "done": p.done}
                    for p in s.procedures
                    if p.id in procs
                ],
                "after": [procs[p].name for p in s.after if p in procs],
                **checklist,
            }
            for s, checklist in zip(visit.steps, checklists(config, visit), strict=True)
        ],
        "business_date": state.business_date,
        "out": _visitor_out(site, state, visit),
        "step_out": _step_out_offer(site, visit),
        # A bereaved family seated at a booth (issue 22b): who comes, never a call.
        "booth": visitor_booth(config, site, visit),
    }
    return {"visit": {"me": entity}}


def _visitor_out(site: Site, state: SiteState, visit: Visit) -> dict[str, Any] | None:
    """The visitor's outing: when to be back, and whether to come back now (their call was
    held, they were told their turn is near, or it is near now)."""
    out = visit.out
    if out is None:
        return None
    return {
        "back_by": out.back_by,
        "until": out.until,
        "held": bool(out.held_at),
        "return_now": bool(out.held_at or out.asked_at or near_head(site, state, visit, None)),
    }


def _step_out_offer(site: Site, visit: Visit) -> dict[str, Any] | None:
    """What the visitor's page needs to offer stepping out (None: not offered now)."""
    rule = site.step_out
    if (
        visit.booth
        or not (rule.enabled and rule.self_mark)
        or visit.status not in ("waiting", "out")
    ):
        return None
    return {
        "max_minutes": rule.max_minutes,
        "grace_minutes": rule.grace_minutes,
        "timezone": site.timezone,
        "close": site.hours.close,
    }


def _visitor_where(site: Site, visit: Visit) -> dict[str, Any]:
    """Where the visitor should be now: a counter (called, served) or a queue's waiting area."""
    step = visit.step
    if step is None or not visit.is_open:
        return {"kind": "none"}
    # Called in person: the visitor waits where they are and staff fetch them there.
    fetched = visit.protected and not visit.alias and visit.status == "called"
    if step.counter and visit.status in ("called", "serving") and not fetched:
        counter = site.counter(step.counter)
        department = next((d for d in site.departments if d.id == counter.department), None)
        return {
            "kind": "counter",
            "counter": counter.number,
            "counter_label": counter.label,
            "department": department.name if department else None,
            "floor": department.floor if department else "",
        }
    return {
        "kind": "queue",
        "queue": step.queue,
        "queue_label": site.queue(step.queue).label,
        "floor": queue_floor(site, step.queue),
    }
