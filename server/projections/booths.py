"""What screens show of the bereavement corner (booth mode, issue 22b).

- staff views get a ``booths`` collection: each booth with the family seated there (ticket,
  the department asked or at the booth now, the next one) and the reservations holding it,
  each with ``hold_from``/``hold_until`` so a screen greys a held booth without a clock rule
  of its own (as the supervisor's watch list carries ``flag_at``);
- the guide and the supervisor also get ``booth_reservations`` (staff-only notes);
- the family's own page gets ``booth``: where they sit, who comes now and next, and roughly
  when (typical minutes per department from ``[bereavement]``), never a number to be called.

Pure functions of (configuration, state): no I/O, no clock.
"""

from __future__ import annotations

from typing import Any

import msgspec

from server.config.schema import Config, Site
from server.domain import booths
from server.domain.state import SiteState, Step, Visit

DEFAULT_MINUTES = 15


def _departments(config: Config, site: Site, step: Step) -> list[dict[str, Any]]:
    """The departments a step brings to the booth (owners of its procedures), site order."""
    procs = config.procedures.procedures
    owners = {procs[p.id].department for p in step.procedures if p.id in procs}
    return [
        {"id": d.id, "name": msgspec.to_builtins(d.name)}
        for d in site.departments
        if d.id in owners
    ]


def _step_minutes(config: Config, site: Site, step: Step) -> int:
    corner = site.bereavement
    if corner is None:
        return DEFAULT_MINUTES
    return booths.step_minutes(step, config.procedures, corner, DEFAULT_MINUTES)


def booth_entities(
    config: Config, site: Site, state: SiteState, hidden: frozenset[str] | set[str] = frozenset()
) -> dict[str, Any]:
    """Every booth of the corner with its family (if any) and the bookings holding it.
    ``hidden``: protected visits this viewer has no need to know: the booth shows in use, with
    no ticket."""
    corner = site.bereavement
    if corner is None:
        return {}
    seated = booths.occupants(state)
    window = corner.slot_minutes * 60
    out: dict[str, Any] = {}
    for booth in corner.booths:
        visit = seated.get(booth.id)
        holds = [
            {
                "reservation": r.id,
                "slot": r.slot,
                "hold_from": r.start - window,
                "hold_until": r.start + window,
            }
            for r in sorted(state.booth_reservations.values(), key=lambda r: r.start)
            if r.booth == booth.id and r.date == state.business_date and not r.visit
        ]
        entity: dict[str, Any] = {
            "id": booth.id,
            "label": msgspec.to_builtins(booth.label),
            "visit": visit.id if visit else "",
            "holds": holds,
        }
        if visit is not None:
            entity.update(_family(config, site, visit))
            if visit.id in hidden:
                entity["ticket"] = ""
        out[booth.id] = entity
    return out


def _family(config: Config, site: Site, visit: Visit) -> dict[str, Any]:
    """A seated family as staff see it: ticket, who is asked or at the booth, who comes next."""
    step = visit.step
    later = [s for s in visit.steps[visit.current + 1 :] if s.status not in ("done", "cancelled")]
    at = site.counter(step.counter).number if step is not None and step.counter else ""
    return {
        "ticket": visit.ticket,
        "seated_at": visit.created_at,
        "reservation": visit.reservation,
        "status": visit.status,
        "queue": step.queue if step is not None else "",
        "departments": _departments(config, site, step) if step is not None else [],
        "counter": at,
        "since": (step.started_at or step.queued_at) if step is not None else 0.0,
        "next_queue": later[0].queue if later else "",
        "next_departments": _departments(config, site, later[0]) if later else [],
        "steps_left": len(later) + (1 if step is not None else 0),
    }


def reservation_entities(site: Site, state: SiteState) -> dict[str, Any]:
    """Bookings of the corner, today's and later (the guide books and seats; staff only)."""
    if site.bereavement is None:
        return {}
    return {
        r.id: booths.reservation_entity(r, site)
        for r in sorted(state.booth_reservations.values(), key=lambda r: (r.start, r.booth))
    }


def visitor_booth(config: Config, site: Site, visit: Visit) -> dict[str, Any] | None:
    """The family's page: their booth, who is with them or coming, and roughly when each
    department comes (``expected_at``: typical minutes after the one before)."""
    if not visit.booth:
        return None
    label = booths.booth_label(site, visit.booth)
    coming: list[dict[str, Any]] = []
    step = visit.step
    clock = 0.0
    if step is not None and visit.is_open:
        if visit.status == "serving":
            clock = step.started_at + _step_minutes(config, site, step) * 60
        else:
            clock = step.queued_at
        for i in range(visit.current, len(visit.steps)):
            s = visit.steps[i]
            if s.status in ("done", "cancelled"):
                continue
            state = "with_you" if i == visit.current and visit.status == "serving" else "coming"
            coming.append(
                {
                    "departments": _departments(config, site, s),
                    "state": state,
                    "expected_at": None if state == "with_you" else clock,
                }
            )
            if state != "with_you":
                clock += _step_minutes(config, site, s) * 60
    return {
        "booth": visit.booth,
        "label": msgspec.to_builtins(label) if label else None,
        "coming": coming,
        "done": [
            d["name"]
            for s in visit.steps[: visit.current]
            if s.status == "done"
            for d in _departments(config, site, s)
        ],
        "finish_at": clock if coming else None,
    }
