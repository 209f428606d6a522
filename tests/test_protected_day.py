"""A generated busy day with protected visits: no board, voice, public page, visitor page or
guide's list ever carries a protected ticket (or where that visitor is).

tests/support/busy_day.py drives 下京区役所 through a day; here some visitors are protected at
intake (the guide) and some later (the clerk who calls them). After EVERY record the test projects
what each screen without a need to know would be sent (every lobby board, the public
congestion page, every protected visitor's own page and a few others', the guides' floor
view, and the departments without a need to know), and the calls the speech would render
ahead, and looks for any protected ticket in them. The hub sends each screen the entities of
these very projections (snapshot, then the changed ones), so every message is covered.
"""

from __future__ import annotations

import re
from typing import Any

import msgspec
import pytest

from server.config.schema import Config, ProtectedCall
from server.domain import commands as c
from server.domain import events as ev
from server.domain.events import Event
from server.domain.intake import Intake
from server.domain.state import Visit
from server.projections.snapshot import Memo, analyse
from server.projections.views import ViewKey, build
from server.speech.ahead import upcoming
from server.web.screens.speech import speakable
from tests.support.busy_day import BusyDay
from tests.support.harness import GUIDE, MOVED_IN_WITH_CHILDREN, SUPERVISOR, Office, clerk

PROTECT_EVERY = 9  # every 9th ticket is protected at intake
MARK_EVERY = 17  # every 17th call: the clerk marks the visitor protected there and then
SAMPLE_VISITORS = 3  # unprotected visitors' own pages checked too


class WatchedOffice(Office):
    """An Office that protects some visitors and checks every screen after every record."""

    def __init__(self, config: Config) -> None:
        super().__init__(config)
        self.created = 0
        self.calls = 0
        self.checked = 0
        self.protected_calls: list[tuple[str, str]] = []  # (ticket on the board, real ticket)
        self.grants: list[ev.NeedToKnowGranted] = []
        self.marking = False
        self.memos: dict[str, Memo] = {}  # as the hub keeps them: unchanged visits reused

    def create(self, intake: Intake = MOVED_IN_WITH_CHILDREN, **kw: Any) -> Visit:
        self.created += 1
        if self.created % PROTECT_EVERY == 0:
            kw["protect"] = "支援措置（DV）"
        return super().create(intake, **kw)

    def run(
        self,
        command: c.Command,
        actor: c.Actor = SUPERVISOR,
        not_after: float | None = None,
        sent_at: float | None = None,
    ) -> list[Event]:
        events = super().run(command, actor, not_after, sent_at)
        for event in events:
            if isinstance(event, ev.NeedToKnowGranted):
                self.grants.append(event)
            if isinstance(event, ev.Called):
                self.calls += 1
                visit = self.state.visits[event.visit]
                if visit.protected:
                    self.protected_calls.append((visit.alias, visit.ticket))
                elif self.calls % MARK_EVERY == 0 and not self.marking:
                    self.marking = True
                    try:
                        self.run(c.MarkProtected(visit.id, "証人"), actor)
                    finally:
                        self.marking = False
        self.check()
        return events

    def check(self) -> None:
        """Everything a screen without a need to know gets now: no protected ticket in it."""
        state, site = self.state, self.rules.site
        protected = [v for v in state.visits.values() if v.protected]
        if not protected:
            return
        self.checked += 1
        tickets = {v.ticket for v in protected}
        hidden = {v.id for v in protected}
        snap = analyse(site, state, self.now)
        views: dict[str, Any] = {
            f"board {b.id}": build(ViewKey("board", b.id), self.config, site, state, snap)
            for b in site.boards
        }
        views["public"] = build(ViewKey("public"), self.config, site, state, snap)
        views["floor"] = floor = build(
            ViewKey("floor"), self.config, site, state, snap, self.memos.setdefault("floor", {})
        )
        others = [v for v in state.visits.values() if not v.protected][-SAMPLE_VISITORS:]
        for visit in protected + others:
            views[f"visitor {visit.ticket}"] = build(
                ViewKey("visitor", visit.token), self.config, site, state, snap
            )
        for department in site.departments:
            unknown = [v.ticket for v in protected if department.id not in v.known_to]
            if unknown:
                memo = self.memos.setdefault(department.id, {})
                key = ViewKey("counter", department.id)
                view = build(key, self.config, site, state, snap, memo)
                found = carried(view, set(unknown))
                assert not found, f"counter {department.id} carries {found}"
        for name, view in views.items():
            found = carried(view, tickets)
            assert not found, f"{name} carries protected ticket {found}"
        # Guides see that it exists ("protected"), never where: in no line, at no counter.
        for vid in hidden:
            assert floor["visits"][vid]["protected"] is True
            assert set(floor["visits"][vid]) <= {
                "id", "ticket", "protected", "stub", "status", "created_at", "closed_at",
            }  # fmt: skip
        lines = {vid for q in floor["queues"].values() for vid in q["line"]}
        at_counters = {k["visit"] for k in floor["counters"].values()}
        assert not (lines | at_counters) & hidden
        # The speech renders ahead, and its addresses answer, only what may be spoken.
        ahead = upcoming(site, state, per_queue=3)
        assert not set(ahead.tickets) & tickets, ahead.tickets
        for visit in protected:
            assert not speakable(state, visit.ticket)
            assert not visit.alias or speakable(state, visit.alias)


def carried(view: Any, tickets: set[str]) -> set[str]:
    """Which of ``tickets`` appear anywhere in a view, as sent (JSON bytes; a ticket is a
    series and three digits, so no other ticket contains it)."""
    raw = msgspec.json.encode(view)
    return {t for t in tickets if t.encode() in raw}


def run_day(config: Config, scale: float) -> WatchedOffice:
    office = WatchedOffice(config)
    BusyDay(office, seed=22, scale=scale).run(minutes=5 * 60, arrivals_until=4 * 60)
    return office


@pytest.fixture(scope="module")
def private_day(config: Config) -> WatchedOffice:
    return run_day(config, scale=0.5)


def test_no_screen_without_need_to_know_ever_carries_a_protected_ticket(
    private_day: WatchedOffice,
) -> None:
    office = private_day
    protected = [v for v in office.state.visits.values() if v.protected]
    # The day really had protected visitors, called and handed between departments.
    assert len(protected) >= 20
    assert office.checked > 800
    assert len(office.protected_calls) >= 5
    # And departments were let in along the way (a procedure added for another department).
    assert "ProcedureAdded" in {g.why for g in office.grants}
    # In person (the default): a protected call has no number to show at all.
    assert all(alias == "" for alias, _ in office.protected_calls)


def test_alias_mode_calls_the_alias_and_never_the_ticket(config: Config) -> None:
    site = config.site("shimogyo")
    aliased = msgspec.structs.replace(
        site, protected_call=ProtectedCall(mode="alias", alias_series="R")
    )
    altered = msgspec.structs.replace(config, sites={**config.sites, "shimogyo": aliased})
    office = WatchedOffice(altered)
    seen_alias = False

    def on_board() -> None:
        nonlocal seen_alias
        snap = analyse(aliased, office.state, office.now)
        board = build(ViewKey("board", ""), altered, aliased, office.state, snap)
        tickets = {k["ticket"] for k in [*board["calls"].values(), *board["recent"].values()]}
        seen_alias = seen_alias or any(a in tickets for a, _ in office.protected_calls)

    BusyDay(office, seed=23, scale=0.3).run(minutes=90, arrivals_until=60)
    on_board()
    assert office.protected_calls, "no protected visitor was called"
    aliases = [a for a, _ in office.protected_calls]
    assert all(re.fullmatch(r"R\d{3}", a) for a in aliases)
    assert seen_alias, "the boards never called a protected visitor by the alias"


def test_marked_after_a_call_the_call_leaves_every_board(config: Config) -> None:
    office = Office(config)
    office.open("c1")
    visit = office.create()
    office.run(c.CallNext("c1"), clerk("shimin"))
    site = office.rules.site

    def board_tickets() -> set[str]:
        snap = analyse(site, office.state, office.now)
        board = build(ViewKey("board", ""), config, site, office.state, snap)
        return {k["ticket"] for k in [*board["calls"].values(), *board["recent"].values()]}

    assert visit.ticket in board_tickets()
    office.run(c.MarkProtected(visit.id, "支援措置"), clerk("shimin"))
    assert visit.ticket not in board_tickets()
    office.run(c.Recall("c1"), clerk("shimin"))
    assert visit.ticket not in board_tickets()
    office.run(c.UnmarkProtected(visit.id), SUPERVISOR)
    office.run(c.Recall("c1"), clerk("shimin"))
    assert visit.ticket in board_tickets()


def test_guide_marks_at_intake_in_one_record(office: Office) -> None:
    office.run(c.CreateVisit(MOVED_IN_WITH_CHILDREN, protect="支援措置"), GUIDE)
    record = office.records[-1]
    kinds = [type(e).__name__ for e in record.events]
    assert kinds[-2:] == ["VisitCreated", "VisitProtected"]
