"""Protected visits (DV・ストーカー等の支援措置, witnesses, some welfare cases): who may know of
them, and the number the building may call instead of theirs. Pure.

A protected visit's ticket never reaches a lobby board, a voice, a public figure or a guide's
list. Only the departments with a need to know (``Visit.known_to``) and supervisors see it.
That set starts as the departments on its itinerary when it is marked, and grows by a
:class:`~server.domain.events.NeedToKnowGranted` event in the same record as whatever gives
another department business with the visitor (a transfer, an added procedure, a supervisor's
move, a call at one of its counters), so the audit trail shows each widening.
"""

from __future__ import annotations

import hashlib

from server.config.schema import Procedures, Site
from server.domain import commands as c
from server.domain import events as ev
from server.domain.permissions import on_itinerary
from server.domain.state import SiteState, Visit
from server.errors import Rejected

MAX_REASON = 500
ALIAS_NUMBERS = range(100, 1000)


def line_departments(site: Site, procedures: Procedures, queue: str, pids: list[str]) -> set[str]:
    """Departments with business at one stop: those owning its procedures, and those whose
    counters call from its line (they call the visitor, so they must see whom)."""
    owners = {procedures.procedures[p].department for p in pids if p in procedures.procedures}
    callers = {k.department for k in site.counters if queue in k.queues}
    return owners | callers


def itinerary_departments(
    site: Site, procedures: Procedures, stops: list[tuple[str, list[str], str]]
) -> list[str]:
    """Every department on an itinerary of (queue, procedures, counter) stops, in
    configuration order."""
    found: set[str] = set()
    for queue, pids, counter in stops:
        found |= line_departments(site, procedures, queue, pids)
        if counter and site.has_counter(counter):
            found.add(site.counter(counter).department)
    return [d.id for d in site.departments if d.id in found]


def stops(visit: Visit) -> list[tuple[str, list[str], str]]:
    """A visit's itinerary as (queue, procedures, counter) stops."""
    return [(s.queue, [p.id for p in s.procedures], s.counter) for s in visit.steps]


def may_see(visit: Visit, actor: c.Actor) -> bool:
    """Whether ``actor`` may see a visit's ticket and details (always, unless protected)."""
    if not visit.protected or actor.role == "supervisor":
        return True
    return actor.role == "clerk" and actor.department in visit.known_to


def may_open_ticket(visit: Visit, actor: c.Actor, site: Site, procedures: Procedures) -> bool:
    """Whether ``actor`` may open or print a visit's ticket: guides and supervisors may; a
    clerk only for a visitor with business at their department (for a protected visit, a
    department with a need to know)."""
    if actor.role != "clerk":
        return True
    if visit.protected:
        return may_see(visit, actor)
    return on_itinerary(visit, actor.department, site, procedures)


def alias_for(state: SiteState, seed: str, series: str) -> str:
    """A three-digit alias of ``series`` nobody holds today, chosen by the command's fresh
    random id (``seed``): random, so it says nothing of the ticket or of how many there are."""
    start = int.from_bytes(hashlib.sha256(seed.encode()).digest()[:4], "big")
    size = len(ALIAS_NUMBERS)
    for i in range(size):
        alias = f"{series}{ALIAS_NUMBERS[(start + i) % size]:03d}"
        if alias not in state.aliases:
            return alias
    raise Rejected("busy", "no alias number left today")  # pragma: no cover - 900 a day


def mark(
    state: SiteState,
    vid: str,
    reason: str,
    seed: str,
    site: Site,
    departments: list[str],
) -> ev.VisitProtected:
    """The event marking visit ``vid`` protected, known to ``departments``."""
    reason = reason.strip()
    if not reason:
        raise Rejected("invalid", "say why the visit is protected (recorded, never shown)")
    if len(reason) > MAX_REASON:
        raise Rejected("invalid", f"at most {MAX_REASON} characters", "$.reason")
    mode = site.protected_call
    alias = alias_for(state, seed, mode.alias_series) if mode.mode == "alias" else ""
    return ev.VisitProtected(vid, reason, alias, departments)


def grants(
    state: SiteState, events: list[ev.Event], site: Site, procedures: Procedures
) -> list[ev.Event]:
    """The need-to-know grants ``events`` imply for protected visits (appended to them)."""
    out: list[ev.Event] = []
    granted: set[tuple[str, str]] = set()
    for event in events:
        visit = state.visits.get(getattr(event, "visit", ""))
        if visit is None or not visit.protected:
            continue
        wanted: set[str] = set()
        why = type(event).__name__
        match event:
            case ev.Called(counter=cid) | ev.Recalled(counter=cid) if site.has_counter(cid):
                wanted = {site.counter(cid).department}
            case ev.Transferred(queue=queue):
                step = visit.step
                pids = [p.id for p in step.procedures if not p.done] if step else []
                wanted = line_departments(site, procedures, queue, pids)
            case ev.VisitMoved(queue=queue):
                step = visit.step
                pids = [p.id for p in step.procedures if not p.done] if step else []
                wanted = line_departments(site, procedures, queue, pids)
            case ev.ProcedureAdded(queue=queue, procedure=pid):
                wanted = line_departments(site, procedures, queue, [pid])
            case ev.IntakeUpdated(steps=planned):
                stops = [(s.queue, list(s.procedures), "") for s in planned]
                wanted = set(itinerary_departments(site, procedures, stops))
        for department in sorted(wanted):
            if department not in visit.known_to and (visit.id, department) not in granted:
                granted.add((visit.id, department))
                out.append(ev.NeedToKnowGranted(visit.id, department, why))
    return out
