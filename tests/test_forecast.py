"""The forecast, backtested on a synthetic year with a known pattern: it must recover the
pattern of the next 14 days within a stated error (reported in docs/forecast.md)."""

from __future__ import annotations

import datetime as dt
import random

from server.config.schema import Config
from server.demo_history import history, line_shares, open_fraction, pattern_for
from server.reports.forecast import learn, quiet_hours
from server.reports.hourly import HourRow, hourly

SITE = "shimogyo"
HOURS = range(8, 18)
# Stated errors (docs/forecast.md): weighted absolute percentage error of the 14 days' expected
# arrivals against the true pattern, per line and hour, and of each line's daily totals.
HOURLY_WAPE = 0.10
DAILY_WAPE = 0.06


def _poisson(mean: float, rng: random.Random) -> int:
    count, t = 0, rng.expovariate(1.0)
    while t < mean:
        count += 1
        t += rng.expovariate(1.0)
    return count


def synthetic_year(
    config: Config, first: str, days: int, seed: int = 7
) -> tuple[dict[str, list[HourRow]], dict[tuple[str, int, str], float]]:
    """Hourly joins per line drawn from the known pattern, and the pattern itself."""
    site = config.site(SITE)
    pattern, shares = pattern_for(config, SITE), line_shares(config, site)
    rng = random.Random(seed)
    start = dt.date.fromisoformat(first)
    rows: dict[str, list[HourRow]] = {}
    truth: dict[tuple[str, int, str], float] = {}
    for i in range(days):
        date = (start + dt.timedelta(days=i)).isoformat()
        day_rows = []
        for hour in HOURS:
            for line, share in shares.items():
                mean = pattern.visits(date, hour) * open_fraction(site, hour) * share
                truth[(date, hour, line)] = mean
                count = _poisson(mean, rng)
                if count:
                    day_rows.append(HourRow(date, hour, line, count, 0, None, None))
        if day_rows:
            rows[date] = day_rows
    return rows, truth


def test_the_forecast_recovers_the_pattern_of_a_synthetic_year(config: Config) -> None:
    # A year up to Friday 2026-03-06; forecast from Monday 03-09: the season starts, and the
    # 14 days hold a holiday (03-20) and the month's last days.
    history_rows, truth = synthetic_year(config, "2025-03-07", 365 + 14 + 3)
    train = {d: r for d, r in history_rows.items() if d < "2026-03-09"}
    site = config.site(SITE)
    lines = [q.id for q in site.queues]
    forecast = learn(config.calendar, lines, HOURS, train, "2026-03-09")
    assert len(forecast.days) == 14
    assert not next(d for d in forecast.days if d.date == "2026-03-20").open
    error = total = daily_error = 0.0
    for day in forecast.days:
        for line in day.lines:
            true_day = sum(truth[(day.date, h, line.line)] for h in HOURS)
            daily_error += abs(sum(line.arrivals.values()) - true_day)
            for hour, expected in line.arrivals.items():
                error += abs(expected - truth[(day.date, hour, line.line)])
                total += truth[(day.date, hour, line.line)]
    hourly_wape, daily_wape = error / total, daily_error / total
    print(f"backtest: hourly WAPE {hourly_wape:.3f}, daily WAPE {daily_wape:.3f}")
    assert hourly_wape < HOURLY_WAPE
    assert daily_wape < DAILY_WAPE
    # The factors it learnt are the pattern's: Monday over Thursday, the season, month edges.
    model = forecast.arrivals["A"]
    assert abs(model.factors["dow0"] / model.factors["dow3"] - 1.30 / 0.90) < 0.12
    assert abs(model.factors["season"] / model.factors["normal"] - 1.8) < 0.15
    assert abs(model.factors["edge"] / model.factors["mid"] - 1.25) < 0.1


def test_waits_are_learnt_from_the_played_history_and_quiet_hours_are_the_calm_ones(
    config: Config,
) -> None:
    site = config.site(SITE)
    records = [r for day in history(config, SITE, "2026-01-05", 35) for r in day]
    rows = hourly(site, records, "2026-01-05", "2026-02-08")
    forecast = learn(config.calendar, [q.id for q in site.queues], HOURS, rows, "2026-02-09")
    monday = forecast.days[0]
    a = next(f for f in monday.lines if f.line == "A")
    assert a.wait[10] is not None and a.wait[16] is not None
    assert a.wait[10] > a.wait[16]  # the late-morning rush waits longest
    quiet = quiet_hours(monday, "A")
    assert quiet and 10 not in quiet and 11 not in quiet
