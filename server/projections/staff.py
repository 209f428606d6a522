"""The staff views' common part: the site, queues, counters, booths and visits a guide
(``floor``), a department's counter (``counter``) or a supervisor (``supervisor``) sees.

The floor and supervisor views cover the whole site; a counter view covers its department's
queues and the open visits with a step still to do there, each with the department's
briefing (``server.projections.counter``) and other departments' sensitive work withheld
(``server.projections.protected``). A visit's entity is rebuilt only when what it shows
changed (the view's memo, see :func:`_visit_entities`).
"""

from __future__ import annotations

from typing import Any

import msgspec

from server.config.schema import Config, Site
from server.domain.queues import counter_queues, open_procedures, serving_lines
from server.domain.state import SiteState, Visit
from server.projections.booths import booth_entities, reservation_entities
from server.projections.counter import briefing, estimate
from server.projections.protected import flag_protected, protected_stub, withhold_elsewhere
from server.projections.site import queue_entity, site_entity
from server.projections.snapshot import Entities, Memo, Snapshot


def staff_view(
    config: Config,
    site: Site,
    state: SiteState,
    snap: Snapshot,
    department: str,
    memo: Memo | None = None,
    *,
    supervisor: bool = False,
) -> Entities:
    """A staff view's entities: a department's (``department``, the counter view before
    ``server.projections.counter.extend``) or the whole site's (``department`` "": the floor
    view, and with ``supervisor`` the supervisor's before ``server.projections.supervisor``).
    ``memo``: the view's visit entities from its last build (see :func:`_visit_entities`)."""
    if department:
        queues = {
            q
            for c in site.counters
            if c.department == department
            for q in counter_queues(site, state, c.id)
        }
        counters = [c for c in site.counters if c.department == department]
        visits = [
            v
            for v in state.visits.values()
            if v.is_open
            and any(s.queue in queues for s in v.steps[v.current :] if s.status != "done")
        ]
    else:
        queues = {q.id for q in site.queues}
        counters = list(site.counters)
        visits = list(state.visits.values())
    # Protected visits this viewer has no need to know: not in any line or at any counter.
    hidden = {
        v.id for v in visits if v.protected and not supervisor and department not in v.known_to
    }
    entities: Entities = {
        "site": {
            site.id: {**site_entity(site, sorted(queues)), "business_date": state.business_date}
        },
        "queues": {
            q: {
                **queue_entity(site, snap.figures[q]),
                "minutes_per_visit": snap.figures[q].minutes_per_visit,
                "line": [v.id for v in snap.lines.get(q, []) if v.id not in hidden],
                "out_line": [v.id for v in snap.outs.get(q, []) if v.id not in hidden],
                "oldest_queued_at": min(
                    (v.steps[v.current].queued_at for v in snap.lines.get(q, [])), default=None
                ),
            }
            for q in sorted(queues)
        },
        "counters": {
            c.id: {
                "id": c.id,
                "number": c.number,
                "department": c.department,
                **msgspec.to_builtins(state.counter(c.id)),
                "queues": counter_queues(site, state, c.id),
                **({"visit": ""} if state.counter(c.id).visit in hidden else {}),
            }
            for c in counters
        },
        "visits": _visit_entities(
            config, site, snap, visits, department, queues, memo, supervisor=supervisor
        ),
    }
    # The bereavement corner (issue 22b): each booth's family and who is asked to come.
    unknown = {
        v.id
        for v in state.visits.values()
        if v.booth and v.protected and not supervisor and department not in v.known_to
    }
    entities["booths"] = booth_entities(config, site, state, unknown)
    if not department:
        # Guides' phones find their own lease here; the supervisor sees every one outstanding.
        entities["leases"] = _lease_entities(state)
        entities["booth_reservations"] = reservation_entities(site, state)
    return entities


def _lease_entities(state: SiteState) -> dict[str, Any]:
    """The ticket numbers each guide phone holds for the day, not yet issued, by device."""
    return {
        lease.device: {
            "device": lease.device,
            "by": lease.by,
            "date": lease.date,
            "numbers": lease.numbers,
            "count": lease.count,
        }
        for lease in state.leases.values()
    }


def _where(site: Site, visit: Visit) -> dict[str, str]:
    step = visit.step
    if step is None:
        return {"kind": visit.status}
    if visit.status == "writing":
        return {"kind": "writing"}
    if step.counter:
        return {"kind": visit.status, "counter": site.counter(step.counter).number}
    return {"kind": visit.status, "queue": step.queue}


def _lines_for(config: Config, site: Site, visit: Visit, *, current_only: bool) -> list[str]:
    """Lines a transfer (the visit's open procedures) or a move (the current step's) may go
    to: those that serve one of them, other than where the visitor is."""
    step = visit.step
    if step is None or not visit.is_open:
        return []
    pids = open_procedures(visit, current_only=current_only)
    return [q for q in serving_lines(site, config.procedures, pids) if q != step.queue]


def _visit_entity(config: Config, site: Site, visit: Visit, snap: Snapshot) -> dict[str, Any]:
    return {
        "id": visit.id,
        "ticket": visit.ticket,
        "status": visit.status,
        "where": _where(site, visit),
        "position": snap.positions.get(visit.id),
        "priority": visit.priority,
        "created_at": visit.created_at,
        "created_by": visit.created_by,
        "closed_at": visit.closed_at,
        "current": visit.current,
        "intake": msgspec.to_builtins(visit.intake),
        "intake_editable": visit.intake_editable,
        "forms": visit.forms,
        "steps": msgspec.to_builtins(visit.steps),
        "token": visit.token,
        "out": msgspec.to_builtins(visit.out) if visit.out is not None else None,
        "transfer_to": _lines_for(config, site, visit, current_only=False),
        "move_to": _lines_for(config, site, visit, current_only=True),
        "booth": visit.booth,  # bereavement corner (issue 22b): "" = in lines
    }


def _visit_entities(
    config: Config,
    site: Site,
    snap: Snapshot,
    visits: list[Visit],
    department: str,
    queues: set[str],
    memo: Memo | None,
    *,
    supervisor: bool = False,
) -> dict[str, dict[str, Any]]:
    """A staff view's visits. The floor and counter views hold every visit of the day, so an
    entity is rebuilt only when something it shows changed: the visit itself (``rev``, the
    last record that changed it), its place in line and, on a counter view, the
    department's queues and the briefing's estimate. A
    publish late on a busy day then costs what changed, not the whole day."""
    fresh: Memo = {}
    lanes = tuple(sorted(queues)) if department else ()
    for visit in visits:
        key = (
            visit.rev,
            snap.positions.get(visit.id),
            lanes,
            estimate(site, visit, queues, snap) if department else None,
        )
        held = memo.get(visit.id) if memo is not None else None
        if held is not None and held[0] == key:
            entity = held[1]
        elif visit.protected and not supervisor and department not in visit.known_to:
            # Guides, and departments without a need to know: that it exists, nothing more.
            entity = protected_stub(visit, snap)
        elif department:
            entity = withhold_elsewhere(config, _visit_entity(config, site, visit, snap), queues)
            entity["briefing"] = briefing(config, site, visit, department, queues, snap)
        else:
            entity = _visit_entity(config, site, visit, snap)
        if held is None or held[1] is not entity:
            flag_protected(entity, visit)
        fresh[visit.id] = (key, entity)
    if memo is not None:
        memo.clear()
        memo.update(fresh)
    return {vid: entity for vid, (_, entity) in fresh.items()}
