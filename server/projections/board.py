"""The lobby boards' view: numbers only.

A board gets its site (queues, counters, its own layout and languages, posted notices), each
queue's counts, the calls standing now and the last few before them. Built from numbers,
counter numbers and neutral queue labels only: no note or name is ever read here, and a
protected visit's ticket is never shown (:func:`shown_call`).
"""

from __future__ import annotations

from typing import Any

import msgspec

from server.config.schema import Site
from server.domain.state import Call, SiteState
from server.projections.site import queue_entity, site_entity
from server.projections.snapshot import Entities, Snapshot


def board_view(site: Site, state: SiteState, snap: Snapshot, board_id: str) -> Entities:
    """A lobby board's entities (``board_id`` "": the whole site's queues)."""
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
            site.id: {**site_entity(site, queues), **_board_settings(site, board_id), **posted}
        },
        "queues": {q: queue_entity(site, snap.figures[q]) for q in queues},
        "calls": {str(call.seq): _call_entity(call, numbers) for call in standing},
        "recent": {str(call.seq): _call_entity(call, numbers) for call in recent},
    }


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
