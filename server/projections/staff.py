"""Role projections: what each kind of screen may see, as collections of entities keyed by id.

A view is a pure function of (configuration, state). The hub encodes each entity once per
view and sends only the entities whose bytes changed, so clients never re-implement rules.

Privacy: the ``board`` and ``visitor`` views are built from numbers, counter numbers and
neutral queue labels only; no note or name is ever read by their builders, and the only
intake answers read are the visit's own, to list the documents it still needs (by name).
"""

from __future__ import annotations

from typing import Any, Literal

import msgspec

from server import booth_views, briefing, supervision
from server.config.schema import Config, Procedure, Site
from server.domain.outings import near_head
from server.domain.queues import (
    QueueFigures,
    ahead_of,
    counter_queues,
    estimate_minutes,
    open_procedures,
    out_lines,
    queue_figures,
    serving_lines,
    wait_band,
    waiting_lines,
)
from server.domain.state import Call, SiteState, Step, Visit

ViewKind = Literal["board", "counter", "floor", "visitor", "supervisor", "public"]
Entities = dict[str, dict[str, Any]]


class ViewKey(msgspec.Struct, frozen=True):
    """Identifies one projection: its kind and its scope (board id, department, token)."""

    kind: ViewKind
    scope: str = ""


class Snapshot(msgspec.Struct):
    """Everything a view needs in one pass over the state."""

    lines: dict[str, list[Visit]]
    figures: dict[str, QueueFigures]
    positions: dict[str, int]
    """Visitors present ahead, for those waiting and for those out (who keep their place)."""
    outs: dict[str, list[Visit]] = {}


def analyse(site: Site, state: SiteState, now: float) -> Snapshot:
    lines = waiting_lines(state)
    outs = out_lines(state)
    positions = {v.id: i for line in lines.values() for i, v in enumerate(line)}
    for queue, line in outs.items():
        for visit in line:
            positions[visit.id] = ahead_of(visit, lines.get(queue, []))
    return Snapshot(lines, queue_figures(site, state, lines, now, outs), positions, outs)


Memo = dict[str, tuple[object, dict[str, Any]]]
"""One view's visit entities from its last build, each with the key it was built for."""


def build(
    key: ViewKey,
    config: Config,
    site: Site,
    state: SiteState,
    snap: Snapshot,
    memo: Memo | None = None,
) -> Entities:
    """Compute a view's entities. With the view's ``memo``, visit entities whose inputs did
    not change are the very objects of the last build (the hub then reuses their bytes)."""
    if key.kind == "board":
        return _board(site, state, snap, key.scope)
    if key.kind == "public":
        return public(site, snap)
    if key.kind == "visitor":
        return _visitor(config, site, state, snap, key.scope)
    if key.kind == "counter":
        staff = _staff(config, site, state, snap, key.scope, memo)
        return briefing.extend(staff, config, site, state, snap, key.scope)
    if key.kind == "supervisor":
        staff = _staff(config, site, state, snap, "", memo, supervisor=True)
        return supervision.extend(staff, config, site, state, snap)
    return _staff(config, site, state, snap, "", memo)


# --- lobby boards: numbers only -------------------------------------------------------------


def _site_entity(site: Site, queues: list[str]) -> dict[str, Any]:
    return {
        "id": site.id,
        "name": site.name,
        "languages": site.languages,
        "notices": site.notices,
        "wait_bands": [b.label for b in site.wait_bands],
        "queues": [
            {"id": q.id, "series": q.series, "label": q.label}
            for q in site.queues
            if q.id in queues
        ],
        "counters": [
            {
                "id": c.id,
                "number": c.number,
                "queues": c.queues,
                "floor": _floor(site, c.department),
            }
            for c in site.counters
            if set(c.queues) & set(queues)
        ],
    }


def _floor(site: Site, department_id: str) -> str:
    """The floor a department is on ("" when the site does not say)."""
    return next((d.floor for d in site.departments if d.id == department_id), "")


def _queue_floor(site: Site, queue_id: str) -> str:
    """Where a queue waits: the floor of its first department that has one."""
    floors = (_floor(site, d) for d in site.queue(queue_id).departments)
    return next((f for f in floors if f), "")


def _board_settings(site: Site, board_id: str) -> dict[str, Any]:
    """What a lobby board shows besides numbers: its own layout, languages and call text."""
    board = site.board(board_id) if board_id else None
    return {
        "board": {
            "id": board.id if board else "",
            "name": board.name if board else site.name,
            "orientation": board.orientation if board else "landscape",
            "languages": board.languages if board else site.languages,
        },
        "timezone": site.timezone,
        # Boards say 「開庁前」/「本日の受付は終了しました」 outside these (site's local time).
        "hours": site.hours,
        "announcement": site.announcement,
    }


def _queue_entity(site: Site, figures: QueueFigures) -> dict[str, Any]:
    return {
        "id": figures.queue,
        "waiting": figures.waiting,
        "out": figures.out,
        "open_counters": figures.open_counters,
        "estimated_wait": figures.estimated_wait,
        "band": wait_band(site, figures.estimated_wait),
    }


def _board(site: Site, state: SiteState, snap: Snapshot, board_id: str) -> Entities:
    queues = site.board(board_id).queues if board_id else [q.id for q in site.queues]
    numbers = {c.id: c.number for c in site.counters}
    standing, recent = board_calls(state, set(queues), site.recent_calls)
    posted = {
        "posted_notices": [
            {"id": n.id, "text": msgspec.to_builtins(n.text), "at": n.at}
            for n in sorted(state.notices.values(), key=lambda n: n.at, reverse=True)
            if not n.boards or board_id in n.boards
        ]
    }
    return {
        "site": {
            site.id: {**_site_entity(site, queues), **_board_settings(site, board_id), **posted}
        },
        "queues": {q: _queue_entity(site, snap.figures[q]) for q in queues},
        "calls": {str(call.seq): _call_entity(call, numbers) for call in standing},
        "recent": {str(call.seq): _call_entity(call, numbers) for call in recent},
    }


def public(site: Site, snap: Snapshot) -> Entities:
    """The public congestion view (anyone, no sign-in): per line only counts — waiting, open
    counters, estimated wait and its band, the very entities the lobby boards get — and no
    ticket number at all."""
    return {
        "site": {
            site.id: {
                "id": site.id,
                "name": site.name,
                "wait_bands": [b.label for b in site.wait_bands],
                "queues": [{"id": q.id, "series": q.series, "label": q.label} for q in site.queues],
            }
        },
        "queues": {q.id: _queue_entity(site, snap.figures[q.id]) for q in site.queues},
    }


def board_calls(state: SiteState, queues: set[str], keep: int) -> tuple[list[Call], list[Call]]:
    """The calls standing now (the visitor is still called to that counter) and the last
    ``keep`` earlier calls, one per ticket, oldest first. A call leaves the standing ones when
    the visitor comes (served), is transferred, parked, a no-show or called elsewhere.

    On every board publish, so cheap: the counters say who stands, and the scan of the last
    calls stops as soon as both lists are complete."""
    called: dict[str, str] = {}
    for counter_id, counter in state.counters.items():
        visit = state.visits.get(counter.visit) if counter.visit else None
        if (
            visit is not None
            and visit.status == "called"
            and visit.steps[visit.current].queue in queues
        ):
            called[visit.id] = counter_id
    standing: list[Call] = []
    recent: list[Call] = []
    seen: set[str] = set()
    for call in reversed(state.calls):
        if len(recent) >= keep and len(standing) >= len(called):
            break
        if call.queue not in queues or call.visit in seen:
            continue
        seen.add(call.visit)
        if not shown_call(state, call):
            continue
        if called.get(call.visit) == call.counter:
            standing.append(call)
        elif len(recent) < keep and call.visit not in called:
            recent.append(call)
    return standing[::-1], recent[::-1]


def shown_call(state: SiteState, call: Call) -> bool:
    """Whether a call may be shown and spoken at all: never a protected visit's ticket. A
    protected call carries its alias (shown) or nothing (called in person); a call made before
    the visit was marked is withdrawn from the boards."""
    if call.protected:
        return bool(call.ticket)
    visit = state.visits.get(call.visit)
    return visit is None or not visit.protected


def _call_entity(call: Call, numbers: dict[str, str]) -> dict[str, Any]:
    return {
        "id": str(call.seq),
        "ticket": call.ticket,
        "counter": numbers.get(call.counter, "?"),
        "queue": call.queue,
        "at": call.at,
        "recall": call.recall,
    }


# --- the visitor's own page: own ticket only ------------------------------------------------


def _visitor(config: Config, site: Site, state: SiteState, snap: Snapshot, token: str) -> Entities:
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
                "floor": _queue_floor(site, s.queue),
                "status": s.status,
                "procedures": [
                    {"id": p.id, "name": procs[p.id].name, "done": p.done}
                    for p in s.procedures
                    if p.id in procs
                ],
                "after": [procs[p].name for p in s.after if p in procs],
                **checklist,
            }
            for s, checklist in zip(visit.steps, _checklists(config, visit), strict=True)
        ],
        "business_date": state.business_date,
        "out": _visitor_out(site, state, visit),
        "step_out": _step_out_offer(site, visit),
        # A bereaved family seated at a booth (issue 22b): who comes, never a call.
        "booth": booth_views.visitor_booth(config, site, visit),
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


# Visitor pages are rebuilt on every publish; a visit's checklists change only with the visit.
_CHECKLISTS: dict[tuple[int, str, int], list[dict[str, Any]]] = {}
_CHECKLISTS_MAX = 4096


def _checklists(config: Config, visit: Visit) -> list[dict[str, Any]]:
    key = (id(config), visit.token, visit.rev)  # tokens are unique across sites
    found = _CHECKLISTS.get(key)
    if found is None:
        if len(_CHECKLISTS) >= _CHECKLISTS_MAX:
            _CHECKLISTS.clear()
        found = _CHECKLISTS[key] = [visitor_checklist(config, visit, s) for s in visit.steps]
    return found


def visitor_checklist(config: Config, visit: Visit, step: Step) -> dict[str, Any]:
    """What the visitor must still bring to a step, and the forms filled in for it there.

    Read from the visit's own intake; only names from config reach the page, never answers.
    """
    # A day closed with steps left: the visitor needs the list to come again another day.
    if step.status == "done" or (step.status == "cancelled" and visit.status != "expired"):
        return {"bring": [], "fill": []}
    procs = config.procedures.procedures
    documents = config.procedures.documents
    forms = config.procedures.forms
    wanted = dict.fromkeys(
        f for p in step.procedures if not p.done and p.id in procs for f in procs[p.id].forms
    )
    return {
        "bring": [
            documents[d["id"]].name
            for d in briefing.documents(config, visit, step)
            if not d["have"]
        ],
        "fill": [
            {"name": forms[f].name, "done": visit.forms.get(f, False)} for f in wanted if f in forms
        ],
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
        "floor": _queue_floor(site, step.queue),
    }


# --- staff: guides, counters, supervisors ---------------------------------------------------


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


def _staff(
    config: Config,
    site: Site,
    state: SiteState,
    snap: Snapshot,
    department: str,
    memo: Memo | None = None,
    *,
    supervisor: bool = False,
) -> Entities:
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
            site.id: {**_site_entity(site, sorted(queues)), "business_date": state.business_date}
        },
        "queues": {
            q: {
                **_queue_entity(site, snap.figures[q]),
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
    entities["booths"] = booth_views.booth_entities(config, site, state, unknown)
    if not department:
        # Guides' phones find their own lease here; the supervisor sees every one outstanding.
        entities["leases"] = _lease_entities(state)
        entities["booth_reservations"] = booth_views.reservation_entities(site, state)
    return entities


def _lease_entities(state: SiteState) -> dict[str, Any]:
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
            briefing.estimate(site, visit, queues, snap) if department else None,
        )
        held = memo.get(visit.id) if memo is not None else None
        if held is not None and held[0] == key:
            entity = held[1]
        elif visit.protected and not supervisor and department not in visit.known_to:
            # Guides, and departments without a need to know: that it exists, nothing more.
            entity = protected_stub(visit, snap)
        elif department:
            entity = _withhold_elsewhere(config, _visit_entity(config, site, visit, snap), queues)
            entity["briefing"] = briefing.briefing(config, site, visit, department, queues, snap)
        else:
            entity = _visit_entity(config, site, visit, snap)
        if held is None or held[1] is not entity:
            _flag_protected(entity, visit)
        fresh[visit.id] = (key, entity)
    if memo is not None:
        memo.clear()
        memo.update(fresh)
    return {vid: entity for vid, (_, entity) in fresh.items()}


WITHHELD = "withheld"
PROTECTED = "protected"


def protected_stub(visit: Visit, snap: Snapshot) -> dict[str, Any]:
    """A protected visit as seen without a need to know: 保護対象, its state and nothing that
    tells who or where (no ticket, line, counter, itinerary, intake or link)."""
    return {
        "id": visit.id,
        "ticket": "",
        "protected": True,
        "stub": True,
        "status": visit.status,
        "created_at": visit.created_at,
        "closed_at": visit.closed_at,
    }


def _flag_protected(entity: dict[str, Any], visit: Visit) -> None:
    """Staff who see a protected visit see that it is: the panel calls it in person."""
    if entity.get("stub"):
        return
    entity["protected"] = visit.protected
    entity["alias"] = visit.alias


def _withheld_name(
    procedures: dict[str, Procedure], pid: str, queues: set[str], entity: dict[str, Any]
) -> str:
    """``pid``, or ``withheld`` when it is sensitive and done at none of ``queues``."""
    known = procedures.get(pid)
    if known is None or not known.sensitive:
        return pid
    ours = any(
        item["id"] == pid
        for s in entity["steps"]
        if s["queue"] in queues
        for item in s["procedures"]
    )
    return pid if ours else WITHHELD


def _withhold_elsewhere(config: Config, entity: dict[str, Any], queues: set[str]) -> dict[str, Any]:
    """A department sees another department's steps only as far as it needs: sensitive
    procedures there (disability, welfare, divorce…) become ``withheld`` and the handoff notes
    meant for those counters are left out."""
    procedures = config.procedures.procedures
    for step in entity["steps"]:
        # "After the divorce notification" names a sensitive procedure: only its own counter
        # (and the steps it concerns) may read it.
        if any(
            (known := procedures.get(pid)) is not None and known.sensitive for pid in step["after"]
        ):
            step["after"] = [
                _withheld_name(procedures, pid, queues, entity) for pid in step["after"]
            ]
        if step["queue"] in queues:
            continue
        step["note"] = ""
        for item in step["procedures"]:
            known = procedures.get(item["id"])
            if known is not None and known.sensitive:
                item.update(id=WITHHELD, note="", added_by="")
    return entity
