"""The demo history generator: synthetic days with a known pattern, played through the
domain and written to a real event log, read back by the daily figures and the open data."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

from server.config.schema import Config
from server.demo_history import history, pattern_for
from server.log.backends import open_log
from server.reports.daylog import figures_for
from server.reports.hourly import hourly
from tests.support.live import ROOT


def test_the_history_follows_its_pattern_and_keeps_closed_days_empty(config: Config) -> None:
    # 2026-03-02 (Mon) … 03-22 (Sun): season from 03-09, 03-20 is a holiday, weekends closed.
    days = [r for day in history(config, "shimogyo", "2026-03-02", 21) for r in day]
    rows = hourly(config.site("shimogyo"), days, "2026-03-02", "2026-03-22")
    joins = {date: sum(r.arrivals for r in rows[date]) for date in rows}
    assert "2026-03-20" not in joins and "2026-03-07" not in joins  # holiday, Saturday
    # The season nearly doubles the load: the week of 03-09 against the week before.
    before = sum(v for d, v in joins.items() if d < "2026-03-09")
    season = sum(v for d, v in joins.items() if "2026-03-09" <= d < "2026-03-14")
    assert season > 1.4 * before
    # Late morning is busier than late afternoon, every day.
    by_hour: dict[int, int] = defaultdict(int)
    for date_rows in rows.values():
        for row in date_rows:
            by_hour[row.hour] += row.arrivals
    assert by_hour[10] > 1.5 * by_hour[16]
    pattern = pattern_for(config, "shimogyo")
    assert pattern.visits("2026-03-20", 10) == 0.0
    assert pattern.visits("2026-03-09", 10) > pattern.visits("2026-03-05", 10)


def test_the_command_writes_a_history_the_daily_figures_read(tmp_path: Path) -> None:
    store = f"sqlite:{tmp_path / 'history.db'}"
    env = {**os.environ, "MADOGUCHI_STORE": store}
    command = [sys.executable, "-m", "server", "demo-history", "--days", "5", "--site", "nakagyo"]
    done = subprocess.run(
        [*command, "--until", "2026-03-06"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert "nakagyo:" in done.stdout
    again = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    assert again.returncode == 1 and "not empty" in again.stderr

    from server.config.loading import load_config

    config = load_config(ROOT / "config")

    async def read() -> int:
        log = open_log(store)
        await log.open()
        try:
            figures = await figures_for(log, config, "nakagyo", "2026-03-02", "2026-03-06")
        finally:
            await log.close()
        return figures.visits

    assert asyncio.run(read()) > 100
