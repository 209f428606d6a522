"""Daily figures on small, hand-driven days: the definitions, one at a time (pure, no I/O).
The generated busy day replayed from a real log is in test_figures_replay.py."""

from __future__ import annotations

import pytest

from server.domain import commands as c
from server.reports.figures import Figures, compute, percentile, stat
from tests.support.harness import MORNING, MOVED_IN_WITH_CHILDREN, Office, clerk

DAY = "2026-03-30"


def figures(
    office: Office, first: str = DAY, last: str | None = None, now: float | None = None
) -> Figures:
    return compute(
        office.rules.site, office.config.procedures, office.records, first, last, now=now
    )


def test_percentiles_are_nearest_rank() -> None:
    assert percentile([4.0, 1.0, 3.0, 2.0], 0.5) == 2.0
    assert percentile([4.0, 1.0, 3.0, 2.0], 0.9) == 4.0
    assert percentile([7.0], 0.9) == 7.0
    assert percentile([], 0.5) is None
    assert stat([60.0, 120.0, 180.0]).mean == 120.0
    assert stat([]).count == 0


def test_wait_and_service_of_one_visitor_through_two_counters(office: Office) -> None:
    office.open("c1", "c40")
    visit = office.create()  # A (4 procedures), then C (2 procedures)
    office.tick(10)
    office.run(c.CallNext("c1"), clerk("shimin"))
    office.tick(1)
    office.run(c.StartServing("c1"), clerk("shimin"))
    office.tick(12)
    office.run(c.CompleteStep("c1"), clerk("shimin"))
    office.tick(5)
    office.run(c.CallNext("c40"), clerk("hagukumi"))  # no start pressed: service from the call
    office.tick(8)
    office.run(c.CompleteStep("c40"), clerk("hagukumi"))
    result = figures(office)
    assert result.visits == 1 and result.outcomes["done"] == 1
    assert (result.wait_by_queue["A"].p50, result.wait_by_queue["C"].p50) == (600.0, 300.0)
    assert (result.service_by_queue["A"].p50, result.service_by_queue["C"].p50) == (720.0, 480.0)
    assert result.counters["c1"].calls == 1 and result.counters["c40"].served == 1
    assert result.by_life_event == {"tennyu": 1}
    assert result.by_procedure["jido_teate"].requested == 1
    assert result.by_procedure["jido_teate"].done == 1
    # C's 8 minutes shared 15 : 10 by configured minutes (jido_teate, kodomo_iryo).
    assert result.service_by_procedure["jido_teate"].p50 == pytest.approx(480 * 15 / 25)
    assert result.service_by_procedure["kodomo_iryo"].p50 == pytest.approx(480 * 10 / 25)
    assert visit.status == "done"


def test_a_requeued_visitor_waits_again_from_the_no_show(office: Office) -> None:
    office.open("c1")
    office.create(MOVED_IN_WITH_CHILDREN)
    office.tick(3)
    office.run(c.CallNext("c1"))
    office.tick(2)
    office.run(c.NoShow("c1"))
    office.tick(4)
    office.run(c.CallNext("c1"))
    result = figures(office)
    assert (result.counters["c1"].wait.p50, result.counters["c1"].wait.max) == (180.0, 240.0)
    assert result.wait_by_queue["A"].count == 2
    assert result.wait_by_queue["A"].max == 240.0
    assert (result.no_shows, result.no_shows_dropped, result.no_shows_by_queue) == (1, 0, {"A": 1})


def test_handoffs_count_new_steps_elsewhere_and_transfers(office: Office) -> None:
    office.open("c1")
    first, second = office.create(), office.create()
    office.run(c.CallNext("c1"))
    office.run(c.AddProcedure(first.id, "kaigo_sodan", "介護の相談"))  # new step at D
    office.run(c.AddProcedure(first.id, "inkan_toroku"))  # joins the step at A: no handoff
    office.run(c.CompleteStep("c1"))
    office.run(c.CallNext("c1"))
    office.run(c.Transfer("c1", "B", "戸籍の確認"))
    result = figures(office)
    assert {(h.from_queue, h.to_queue): h.count for h in result.handoffs} == {
        ("A", "D"): 1,
        ("A", "B"): 1,
    }
    assert (result.procedures_added, result.transfers) == (2, 1)
    assert second.steps[1].queue == "B"


def test_a_day_is_its_own_and_a_late_close_still_belongs_to_it(office: Office) -> None:
    office.create()
    office.tick(24 * 60)  # Tuesday
    office.create()
    office.create()
    office.tick(15 * 60 + 30)  # 00:30 on Wednesday: Tuesday is closed late
    office.run(c.CloseDay())
    monday = figures(office, DAY)
    tuesday = figures(office, "2026-03-31")
    assert (monday.visits, tuesday.visits) == (1, 2)
    assert monday.outcomes["open"] == 1  # never closed
    assert tuesday.outcomes["expired"] == 2  # the late CloseDay counted for Tuesday
    both = figures(office, DAY, "2026-03-31")
    assert [d.visits for d in both.days] == [1, 2]
    assert both.series is None


def test_the_series_samples_the_lines_every_five_minutes_from_opening(office: Office) -> None:
    office.open("c1")
    office.create()
    office.tick(7)
    office.create()
    result = figures(office, now=office.now + 60)
    assert result.series is not None
    times = result.series.times
    assert times[0] == MORNING - 15 * 60  # the office opens at 08:45
    assert times[-1] == office.now + 60  # the live point
    waiting = dict(zip(times, result.series.waiting["A"], strict=True))
    assert waiting[MORNING] == 0  # sampled before the first ticket at 09:00 sharp
    assert waiting[MORNING + 5 * 60] == 1
    assert waiting[office.now + 60] == 2
    estimates = dict(zip(times, result.series.estimated_wait["A"], strict=True))
    assert estimates[MORNING - 15 * 60] is None  # no counter open yet
    assert estimates[office.now + 60] == 30  # 2 × 15 minutes at one counter


def test_the_trend_compares_now_with_fifteen_minutes_ago(office: Office) -> None:
    office.open("c1")
    office.create()
    office.tick(20)
    for _ in range(3):
        office.create()
    trend = figures(office, now=office.now).trend
    assert (trend["A"].waiting_before, trend["A"].waiting) == (1, 4)
    assert (trend["A"].estimated_wait_before, trend["A"].estimated_wait) == (15, 60)
    assert trend["A"].direction == "up"
    assert trend["D"].direction == ""  # no counter: no estimate to compare
