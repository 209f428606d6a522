"""Must-show: a generated busy-season day, replayed from a real SQLite event log into the daily
figures, checked against the test's own account of the day (tests/support/busy_day.py).

Three days are in the log (a quiet Friday, the busy Monday, a quiet Tuesday), so the figures
must also pick the right records; the report command prints the same figures.
"""

from __future__ import annotations

import asyncio
import csv
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from server.config.schema import Config
from server.domain import commands as c
from server.domain.events import Record
from server.log.backends import open_log
from server.reports.daylog import figures_for, records_for_days
from server.reports.figures import Figures, Stat
from tests.support.busy_day import BusyDay, Truth, nearest_rank, write_log
from tests.support.harness import MORNING, SUPERVISOR, Office

ROOT = Path(__file__).resolve().parent.parent
BUSY = "2026-03-30"
FRIDAY = "2026-03-27"
TUESDAY = "2026-03-31"


class Generated:
    def __init__(self, records: list[Record], truth: Truth, store: str) -> None:
        self.records = records
        self.truth = truth
        self.store = store


@pytest.fixture(scope="module")
def generated(config: Config, tmp_path_factory: pytest.TempPathFactory) -> Generated:
    office = Office(config, now=MORNING - 3 * 86400)  # Friday 09:00
    BusyDay(office, seed=1, scale=0.05).run(minutes=300, arrivals_until=240)
    office.run(c.CloseDay(), SUPERVISOR)
    office.now = MORNING  # Monday 09:00, the busy day
    truth = BusyDay(office, seed=2026).run(minutes=8 * 60 + 30, arrivals_until=8 * 60)
    office.run(c.CloseDay(), SUPERVISOR)
    office.now = MORNING + 86400  # Tuesday
    BusyDay(office, seed=3, scale=0.05).run(minutes=120, arrivals_until=60)
    store = f"sqlite:{tmp_path_factory.mktemp('figures') / 'madoguchi.db'}"
    write_log(store, office.records)
    return Generated(office.records, truth, store)


async def _figures(config: Config, store: str, first: str, last: str) -> Figures:
    log = open_log(store)
    await log.open()
    try:
        return await figures_for(log, config, "shimogyo", first, last)
    finally:
        await log.close()


def busy_figures(config: Config, generated: Generated) -> Figures:
    return asyncio.run(_figures(config, generated.store, BUSY, BUSY))


def expect_stat(actual: Stat, samples: list[float], what: str) -> None:
    assert actual.count == len(samples), what
    if samples:
        assert actual.p50 == pytest.approx(nearest_rank(samples, 0.5)), what
        assert actual.p90 == pytest.approx(nearest_rank(samples, 0.9)), what
        assert actual.mean == pytest.approx(sum(samples) / len(samples)), what
        assert actual.max == pytest.approx(max(samples)), what


def test_the_generated_day_is_a_busy_one(generated: Generated) -> None:
    truth = generated.truth
    assert truth.visits >= 400
    assert len({q for q, waits in truth.wait_queue.items() if waits}) >= 5
    assert max(max(w) for w in truth.wait_queue.values() if w) > 60 * 60  # waits over an hour
    assert truth.no_shows and truth.deflections and truth.handoffs and truth.moves


def test_visitors_arrivals_and_outcomes_match(config: Config, generated: Generated) -> None:
    truth = generated.truth
    figures = busy_figures(config, generated)
    assert figures.visits == truth.visits
    assert [d.date for d in figures.days] == [BUSY]
    assert figures.by_life_event == dict(truth.life_events)
    assert {p: n.requested for p, n in figures.by_procedure.items()} == dict(truth.procedures)
    assert figures.arrivals_by_hour == truth.arrivals
    assert figures.outcomes["done"] == truth.done
    assert figures.outcomes["cancelled"] == truth.cancelled
    assert figures.outcomes["no_show"] == truth.no_shows_dropped
    assert figures.outcomes["open"] == 0  # the day was closed
    assert sum(figures.outcomes.values()) == truth.visits


def test_wait_and_service_per_queue_and_counter_match(config: Config, generated: Generated) -> None:
    truth = generated.truth
    figures = busy_figures(config, generated)
    for qid, stat in figures.wait_by_queue.items():
        expect_stat(stat, truth.wait_queue.get(qid, []), f"wait {qid}")
    for qid, stat in figures.service_by_queue.items():
        expect_stat(stat, truth.service_queue.get(qid, []), f"service {qid}")
    for cid, counter in figures.counters.items():
        expect_stat(counter.wait, truth.wait_counter.get(cid, []), f"wait at {cid}")
        expect_stat(counter.service, truth.service_counter.get(cid, []), f"service at {cid}")
        assert counter.calls == truth.calls[cid]
    assert sum(s.count for s in figures.wait_by_queue.values()) == sum(truth.calls.values())


def test_no_shows_deflections_handoffs_and_moves_match(
    config: Config, generated: Generated
) -> None:
    truth = generated.truth
    figures = busy_figures(config, generated)
    assert figures.no_shows == truth.no_shows
    assert figures.no_shows_dropped == truth.no_shows_dropped
    assert figures.deflections == truth.deflections
    assert figures.deflections_by_procedure == dict(truth.deflected_procedures)
    assert {(h.from_queue, h.to_queue): h.count for h in figures.handoffs} == dict(truth.handoffs)
    assert figures.transfers == truth.transfers
    assert figures.procedures_added == truth.added
    assert figures.moves == truth.moves


def test_the_series_shows_the_lines_the_test_saw(config: Config, generated: Generated) -> None:
    truth = generated.truth
    series = busy_figures(config, generated).series
    assert series is not None
    seen = 0
    for moment, lines in truth.seen_waiting.items():
        index = series.times.index(moment)
        for qid, waiting in series.waiting.items():
            assert waiting[index] == lines.get(qid, 0), (moment, qid)
        seen += 1
    assert seen >= 8
    assert max(max(w) for w in series.waiting.values()) >= 20  # the peak was visible


def test_only_the_asked_days_count_and_a_range_adds_them_up(
    config: Config, generated: Generated
) -> None:
    records = asyncio.run(_read(generated.store, config, BUSY))
    days = {r.at // 86400 for r in records}
    assert min(r.at for r in records) >= MORNING - 9 * 3600  # nothing from Friday
    assert len(days) <= 2
    week = asyncio.run(_figures(config, generated.store, FRIDAY, TUESDAY))
    assert [d.date for d in week.days] == [FRIDAY, "2026-03-28", "2026-03-29", BUSY, TUESDAY]
    friday, _, _, monday, tuesday = week.days
    assert monday.visits == generated.truth.visits
    assert friday.visits > 0 and tuesday.visits > 0
    assert week.visits == friday.visits + monday.visits + tuesday.visits
    assert week.series is None  # over the day only for a single day


async def _read(store: str, config: Config, day: str) -> list[Record]:
    log = open_log(store)
    await log.open()
    try:
        return await records_for_days(log, "shimogyo", "Asia/Tokyo", day, day)
    finally:
        await log.close()


def _report(store: str, *args: str) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "MADOGUCHI_STORE": store, "MADOGUCHI_SECRET": "report-test-" + "x" * 20}
    return subprocess.run(
        [sys.executable, "-m", "server", "report", "--site", "shimogyo", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        timeout=60,
        check=False,
    )


def test_the_report_command_prints_the_days_figures(config: Config, generated: Generated) -> None:
    truth = generated.truth
    done = _report(generated.store, "--date", BUSY)
    assert done.returncode == 0, done.stderr.decode()
    text = done.stdout.decode()
    assert f"来庁者 visitors: {truth.visits}" in text
    assert f"不在 no-shows: {truth.no_shows}" in text
    assert "待ち時間（列別）" in text
    waits = sorted(truth.wait_queue["A"])
    line = next(x for x in text.splitlines() if x.startswith("A 総合受付") and "." in x)
    assert f"{nearest_rank(waits, 0.9) / 60:.1f}" in line.split()


def test_the_report_command_writes_csv_for_excel(config: Config, generated: Generated) -> None:
    truth = generated.truth
    done = _report(generated.store, "--date", FRIDAY, "--to", TUESDAY, "--csv")
    assert done.returncode == 0, done.stderr.decode()
    assert done.stdout.startswith("\ufeff".encode())  # UTF-8 BOM: Excel reads it as UTF-8
    assert b"\r\n" in done.stdout
    rows = list(csv.reader(io.StringIO(done.stdout.decode("utf-8-sig"))))
    assert rows[0][:4] == ["日付 date", "区分 section", "コード code", "名称 name"]
    visits = {r[0]: int(r[4]) for r in rows[1:] if r[1] == "visits"}
    assert visits[BUSY] == truth.visits
    assert len(visits) == 5
    tennyu = next(r for r in rows if r[1] == "life_event" and r[2] == "tennyu")
    assert tennyu[0] == f"{FRIDAY}/{TUESDAY}"
    assert tennyu[3] == config.life_events.events["tennyu"].name.ja


def test_the_report_command_refuses_bad_dates(generated: Generated) -> None:
    done = _report(generated.store, "--date", "30/03/2026")
    assert done.returncode == 2
    assert b"YYYY-MM-DD" in done.stderr
