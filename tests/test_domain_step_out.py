"""Stepping out while waiting and the return window (issue 19): pure domain."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from server.config.schema import Config, StepOutRule
from server.domain import commands as c
from server.domain import events as ev
from server.domain.permissions import visitor_actor
from server.domain.queues import out_lines, queue_figures, waiting_lines
from server.domain.state import Visit
from server.errors import Rejected
from server.projections.snapshot import analyse
from server.projections.views import ViewKey, build
from tests.support.harness import GUIDE, Office, clerk, demo_config, rejected

SHIMIN = clerk("shimin")


def hhmm(office: Office, minutes: float) -> str:
    """The site's local clock ``minutes`` from the office's now."""
    moment = dt.datetime.fromtimestamp(office.now + minutes * 60, ZoneInfo("Asia/Tokyo"))
    return moment.strftime("%H:%M")


def with_rule(office: Office, **changes: object) -> None:
    """Give the office's site another step-out rule (its config is frozen)."""
    site = office.rules.site
    rule = msgspec.structs.replace(site.step_out, **changes)
    office.rules = msgspec.structs.replace(
        office.rules, site=msgspec.structs.replace(site, step_out=rule)
    )


def called(office: Office, counter: str = "c1") -> Visit:
    return office.state.visits[office.state.counters[counter].visit]


def test_visitor_out_keeps_place_and_is_not_counted_in_waits(office: Office) -> None:
    office.open("c1")
    first, second, third = office.create(), office.create(), office.create()
    place = second.steps[0].place
    office.run(c.StepOut(second.id, hhmm(office, 30)), GUIDE)
    assert second.status == "out" and second.out is not None
    assert second.steps[0].place == place and second.steps[0].status == "waiting"
    lines = waiting_lines(office.state)
    assert [v.id for v in lines["A"]] == [first.id, third.id]
    figures = queue_figures(
        office.rules.site, office.state, lines, office.now, out_lines(office.state)
    )
    assert (figures["A"].waiting, figures["A"].out) == (2, 1)


def test_call_next_skips_a_visitor_out_and_holds_their_call(office: Office) -> None:
    office.open("c1")
    first, second = office.create(), office.create()
    office.run(c.StepOut(first.id, hhmm(office, 30)), visitor_actor(first.id))
    events = office.run(c.CallNext("c1"), SHIMIN)
    assert called(office) is second
    assert ev.CallHeld(first.id, "c1") in events
    assert first.status == "out" and first.out is not None and first.out.held_by == "c1"
    # Held once: the next call does not ask again.
    office.run(c.CompleteStep("c1"), SHIMIN)
    office.create()
    events = office.run(c.CallNext("c1"), SHIMIN)
    assert not any(isinstance(e, ev.CallHeld) for e in events)


def test_nobody_present_the_first_out_is_asked_back_and_nobody_called(office: Office) -> None:
    office.open("c1")
    only = office.create()
    office.run(c.StepOut(only.id, hhmm(office, 20)), GUIDE)
    assert office.run(c.CallNext("c1"), SHIMIN) == [ev.CallHeld(only.id, "c1")]
    assert office.state.counters["c1"].visit == ""
    rejected(office, c.CallNext("c1"), "queue_empty", SHIMIN)


def test_back_in_time_keeps_place_and_is_called_next(office: Office) -> None:
    office.open("c1")
    first, second, third = office.create(), office.create(), office.create()
    office.run(c.StepOut(first.id, hhmm(office, 30)), GUIDE)
    office.run(c.CallNext("c1"), SHIMIN)  # first's call held
    assert called(office) is second
    office.run(c.CompleteStep("c1"), SHIMIN)
    office.tick(35)  # past back-by, within the 10-minute grace
    office.run(c.StepBack(first.id), visitor_actor(first.id))
    assert first.status == "waiting" and first.steps[0].requeues == 0
    office.run(c.CallNext("c1"), SHIMIN)
    assert called(office) is first
    office.run(c.CompleteStep("c1"), SHIMIN)
    office.run(c.CallNext("c1"), SHIMIN)
    assert called(office) is third


def test_back_before_their_turn_rejoins_in_their_own_place(office: Office) -> None:
    office.open("c1")
    first, second, third = office.create(), office.create(), office.create()
    office.run(c.StepOut(third.id, hhmm(office, 30)), GUIDE)
    office.tick(5)
    office.run(c.StepBack(third.id), GUIDE)
    assert not third.steps[0].first
    assert [v.id for v in waiting_lines(office.state)["A"]] == [first.id, second.id, third.id]


@pytest.mark.parametrize(("rule", "first_called"), [("next", "returner"), ("place", "priority")])
def test_site_rule_says_where_a_returner_whose_turn_passed_goes(
    office: Office, rule: str, first_called: str
) -> None:
    with_rule(office, on_return=rule)
    office.open("c1")
    returner = office.create()
    office.run(c.StepOut(returner.id, hhmm(office, 30)), GUIDE)
    office.create()
    office.run(c.CallNext("c1"), SHIMIN)  # the returner's call is held
    office.run(c.CompleteStep("c1"), SHIMIN)
    priority = office.create(msgspec.structs.replace(returner.intake, needs=["wheelchair"]))
    office.run(c.StepBack(returner.id), GUIDE)
    office.run(c.CallNext("c1"), SHIMIN)
    # "next": at the head of the line; "place": their own place (a priority visitor first).
    assert called(office) is {"returner": returner, "priority": priority}[first_called]


def test_not_within_grace_no_show_rule_applies(office: Office) -> None:
    office.open("c1")
    first, second, third = office.create(), office.create(), office.create()
    office.run(c.StepOut(first.id, hhmm(office, 20)), GUIDE)
    office.tick(29)  # back-by + 9 of 10 grace minutes: still out, not a no-show
    office.run(c.CallNext("c1"), SHIMIN)
    assert first.status == "out" and called(office) is second
    office.run(c.CompleteStep("c1"), SHIMIN)
    office.tick(2)  # now past back-by + grace
    events = office.run(c.CallNext("c1"), SHIMIN)
    assert events[0] == ev.StepOutLapsed(first.id, "back")  # shimogyo: to the back, once
    assert called(office) is third
    assert first.status == "waiting" and first.steps[0].sent_back
    assert first.steps[0].requeues == 1


def test_late_return_meets_the_no_show_rule_and_a_second_time_ends_the_visit(
    office: Office,
) -> None:
    office.open("c1")
    first = office.create()
    office.create()
    office.run(c.StepOut(first.id, hhmm(office, 15)), GUIDE)
    office.tick(26)
    # Pressing "back" too late: the no-show rule applies (to the back), nothing more.
    events = office.run(c.StepBack(first.id), visitor_actor(first.id))
    assert events == [ev.StepOutLapsed(first.id, "back")]
    assert first.status == "waiting" and first.steps[0].sent_back
    office.run(c.StepOut(first.id, hhmm(office, 15)), GUIDE)
    office.tick(26)
    office.run(c.CallNext("c1"), SHIMIN)
    assert first.status == "no_show"  # max_requeues = 1
    assert office.refold() == office.state


def test_return_soon_when_near_the_head(office: Office) -> None:
    office.open("c1")
    visits = [office.create() for _ in range(6)]
    out = visits[5]
    office.run(c.StepOut(out.id, hhmm(office, 45)), GUIDE)
    asked: list[ev.ReturnSoon] = []
    for _ in range(3):
        events = office.run(c.CallNext("c1"), SHIMIN)
        asked += [e for e in events if isinstance(e, ev.ReturnSoon)]
        office.run(c.CompleteStep("c1"), SHIMIN)
    # Five were ahead; notify_ahead = 3, and at 15 min a visit on one counter 4 ahead is an
    # hour: asked once, by the call that leaves 3 ahead.
    assert [(e.visit, e.ahead) for e in asked] == [(out.id, 3)]
    assert out.out is not None and out.out.asked_at


def test_step_out_checks(office: Office) -> None:
    office.open("c1")
    first = office.create()
    rejected(office, c.StepOut(first.id, hhmm(office, -5)), "invalid", GUIDE)
    rejected(office, c.StepOut(first.id, hhmm(office, 61)), "invalid", GUIDE)
    rejected(office, c.StepBack(first.id), "not_out", GUIDE)
    office.run(c.StepOut(first.id, hhmm(office, 60)), GUIDE)
    rejected(office, c.StepOut(first.id, hhmm(office, 30)), "already_done", GUIDE)
    rejected(office, c.CallTicket("c1", first.id), "stepped_out", SHIMIN)
    rejected(office, c.MoveVisitor(first.id, "C"), "not_waiting")
    office.run(c.StepBack(first.id), GUIDE)
    office.run(c.CallNext("c1"), SHIMIN)
    rejected(office, c.StepOut(first.id, hhmm(office, 30)), "not_waiting", GUIDE)
    with pytest.raises(msgspec.ValidationError):
        msgspec.json.decode(b'{"type":"StepOut","visit":"v1","back_by":"25:00"}', type=c.Command)


def test_office_closing_bounds_the_outing(config: Config) -> None:
    late = Office(config, now=1774828800.0 + 8 * 3600)  # 17:00 JST; closes 17:30
    late.open("c1")
    visit = late.create()
    rejected(late, c.StepOut(visit.id, hhmm(late, 45)), "invalid", GUIDE)
    late.run(c.StepOut(visit.id, hhmm(late, 25)), GUIDE)


def test_only_the_visitors_own_page_and_only_where_the_site_allows(office: Office) -> None:
    office.open("c1")
    mine, theirs = office.create(), office.create()
    rejected(office, c.StepOut(theirs.id, hhmm(office, 30)), "forbidden", visitor_actor(mine.id))
    rejected(office, c.CallNext("c1"), "forbidden", visitor_actor(mine.id))
    rejected(office, c.CancelVisit(mine.id), "forbidden", visitor_actor(mine.id))
    with_rule(office, self_mark=False)
    rejected(office, c.StepOut(mine.id, hhmm(office, 30)), "forbidden", visitor_actor(mine.id))
    office.run(c.StepOut(mine.id, hhmm(office, 30)), SHIMIN)  # a clerk may mark it
    with_rule(office, enabled=False)
    rejected(office, c.StepOut(theirs.id, hhmm(office, 30)), "step_out_off", GUIDE)


def test_day_end_clears_visitors_out(office: Office) -> None:
    office.open("c1")
    visit = office.create()
    office.run(c.StepOut(visit.id, hhmm(office, 30)), GUIDE)
    office.run(c.CloseDay())
    assert visit.status == "expired" and visit.out is None
    office.tick(24 * 60)
    office.create()
    assert all(v.status != "out" for v in office.state.visits.values())
    assert visit.id not in office.state.visits


def test_default_rule_matches_the_demo_sites(config: Config) -> None:
    assert config.site("shimogyo").step_out == StepOutRule()


# --- property: queue order with random step-outs ----------------------------------------------

ops = st.lists(
    st.one_of(
        st.tuples(st.just("create")),
        st.tuples(st.just("out"), st.integers(0, 20), st.integers(5, 60)),
        st.tuples(st.just("back"), st.integers(0, 20)),
        st.tuples(st.just("call")),
        st.tuples(st.just("tick"), st.integers(1, 20)),
    ),
    max_size=50,
)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops=ops)
def test_random_step_outs_keep_the_call_order(ops: list[tuple[object, ...]]) -> None:
    """Nobody out is ever called; a present visitor is called only when nobody present comes
    before them; a visitor back in time is called before everyone who arrived after them."""
    office = Office(demo_config())
    office.open("c1")
    calls: list[str] = []
    lapsed: set[str] = set()
    ever_out: set[str] = set()
    for op in ops:
        visits = [v for v in office.state.visits.values() if v.is_open]
        kind = op[0]
        try:
            if kind == "create":
                office.create()
            elif kind == "out" and visits:
                target = visits[int(op[1]) % len(visits)]  # type: ignore[call-overload]
                ever_out.add(target.id)
                office.run(c.StepOut(target.id, hhmm(office, int(op[2]))), GUIDE)  # type: ignore[call-overload]
            elif kind == "back" and visits:
                target = visits[int(op[1]) % len(visits)]  # type: ignore[call-overload]
                office.run(c.StepBack(target.id), GUIDE)
            elif kind == "call":
                if office.state.counters["c1"].visit:
                    office.run(c.CompleteStep("c1"), SHIMIN)
                present = waiting_lines(office.state).get("A", [])
                events = office.run(c.CallNext("c1"), SHIMIN)
                lapsed |= {e.visit for e in events if isinstance(e, ev.StepOutLapsed)}
                now_called = [e.visit for e in events if isinstance(e, ev.Called)]
                if now_called:
                    who = office.state.visits[now_called[0]]
                    calls.append(who.id)
                    if not any(isinstance(e, ev.StepOutLapsed) for e in events):
                        assert present and present[0] is who
            elif kind == "tick":
                office.tick(int(op[1]))  # type: ignore[call-overload]
        except Rejected:
            pass
        for visit in office.state.visits.values():
            assert (visit.status == "out") == (visit.out is not None)
            if visit.status == "out":
                assert visit.steps[visit.current].status == "waiting"
                assert visit.id not in {cs.visit for cs in office.state.counters.values()}
    # Among visitors never out nor sent back, calls keep arrival order.
    plain = [v for v in calls if v not in ever_out and v not in lapsed]
    numbers = [office.state.visits[v].number for v in plain]
    assert numbers == sorted(numbers)
    assert office.refold() == office.state


def test_the_call_that_passes_a_visitor_out_asks_them_back_on_record(office: Office) -> None:
    def asked_back(events: list[ev.Event]) -> list[str]:
        return [e.visit for e in events if isinstance(e, (ev.CallHeld, ev.ReturnSoon))]

    office.open("c1")
    out, present = office.create(), office.create()
    office.run(c.StepOut(out.id, hhmm(office, 30)), GUIDE)
    assert asked_back(office.records[-1].events) == []
    office.run(c.CallNext("c1"), SHIMIN)
    assert asked_back(office.records[-1].events) == [out.id]
    assert called(office) is present


def test_the_hubs_sweep_applies_a_lapse_when_nothing_else_happens(office: Office) -> None:
    office.open("c1")
    visit = office.create()
    office.run(c.StepOut(visit.id, hhmm(office, 15)), GUIDE)
    rejected(office, c.LapseOutings(), "already_done")  # still within the window
    office.tick(26)
    assert office.run(c.LapseOutings()) == [ev.StepOutLapsed(visit.id, "back")]
    rejected(office, c.LapseOutings(), "forbidden", GUIDE)


# --- what the screens are given -----------------------------------------------------------------


def view(office: Office, kind: str, scope: str = "") -> dict[str, Any]:
    site = office.rules.site
    snap = analyse(site, office.state, office.now)
    return build(ViewKey(kind, scope), office.config, site, office.state, snap)  # type: ignore[arg-type]


def test_views_show_visitors_out_in_numbers_and_words(office: Office) -> None:
    office.open("c1")
    out, other = office.create(), office.create()
    office.run(c.StepOut(out.id, hhmm(office, 30)), GUIDE)
    board = view(office, "board", "lobby-1f")["queues"]["A"]
    assert (board["waiting"], board["out"], board["estimated_wait"]) == (1, 1, 15)
    supervisor = view(office, "supervisor")
    assert supervisor["queues"]["A"]["out_line"] == [out.id]
    assert supervisor["queues"]["A"]["line"] == [other.id]
    watch = supervisor["watch"][out.id]
    assert watch["kind"] == "out" and watch["flag_at"] == out.out.back_by  # type: ignore[union-attr]
    counter = view(office, "counter", "shimin")
    assert counter["visits"][out.id]["out"]["back_by"] == out.out.back_by  # type: ignore[union-attr]
    assert counter["visits"][out.id]["briefing"]["stage"] == "out"
    me = view(office, "visitor", out.token)["visit"]["me"]
    assert me["status"] == "out" and me["ahead"] == 0
    assert me["out"]["return_now"] and not me["out"]["held"]  # first in line: turn near
    other_page = view(office, "visitor", other.token)["visit"]["me"]
    assert other_page["out"] is None and other_page["step_out"]["max_minutes"] == 60
    assert "token" not in str(me["out"]) and other.id not in str(me)
