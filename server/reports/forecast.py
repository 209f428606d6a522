"""Forecast of arrivals and waits by line, hour and day, learned from the office's own history.

The model is multiplicative, one per line: expected value at (day, hour) =
``level × day_of_week × hour_of_day × month_edge × season``, where ``month_edge`` applies to the
first three and last three days of a month and ``season`` to the calendar's busy season; a
closed day of the calendar expects nothing. The factors are fitted to the hourly figures
(``server.reports.hourly``) of the open days by iterative proportional fitting — the maximum
likelihood fit of a Poisson model with these effects — for arrivals (counts) and, weighting each
hour by how many were called, for the mean wait.

Pure: the history and ``today`` are passed in; nothing here reads a clock or the log.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping

import msgspec

from server.config.schema import Calendar
from server.reports.hourly import HourRow

HORIZON_DAYS = 14
ROUNDS = 30
Cell = tuple[str, int]  # (date, hour)


def month_edge(day: dt.date) -> bool:
    """The first three or last three days of the month (pay-day and moving dates)."""
    last = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
    return day.day <= 3 or day.day > last.day - 3


def _features(calendar: Calendar, date: str, hour: int) -> tuple[str, ...]:
    day = dt.date.fromisoformat(date)
    return (
        f"dow{day.weekday()}",
        f"hour{hour}",
        "edge" if month_edge(day) else "mid",
        "season" if calendar.in_season(date) else "normal",
    )


class Model(msgspec.Struct, frozen=True):
    """Fitted factors of one quantity of one line (a missing factor counts as 1)."""

    level: float
    factors: dict[str, float]

    def predict(self, calendar: Calendar, date: str, hour: int) -> float:
        if not calendar.is_open(date):
            return 0.0
        value = self.level
        for feature in _features(calendar, date, hour):
            value *= self.factors.get(feature, 1.0 if not feature.startswith("hour") else 0.0)
        return value


def fit(
    calendar: Calendar, cells: Mapping[Cell, tuple[float, float]], rounds: int = ROUNDS
) -> Model:
    """Fit ``value ≈ exposure × level × Π factors`` to cells ``{(date, hour): (value,
    exposure)}`` (for counts the exposure is 1; for a mean, the number it averages)."""
    keyed = [(_features(calendar, d, h), y, w) for (d, h), (y, w) in cells.items() if w > 0]
    total_y = sum(y for _, y, _ in keyed)
    total_w = sum(w for _, _, w in keyed)
    if not keyed or total_y <= 0:
        return Model(0.0, {})
    factors: dict[str, float] = {f: 1.0 for feats, _, _ in keyed for f in feats}
    level = total_y / total_w
    for _ in range(rounds):
        for position in range(4):
            observed: dict[str, float] = defaultdict(float)
            expected: dict[str, float] = defaultdict(float)
            for feats, y, w in keyed:
                rest = level * w
                for i, f in enumerate(feats):
                    if i != position:
                        rest *= factors[f]
                observed[feats[position]] += y
                expected[feats[position]] += rest
            for f, e in expected.items():
                factors[f] = observed[f] / e if e > 0 else 0.0
        # Keep the day-of-week factors averaging 1, so ``level`` stays readable.
        dows = [v for f, v in factors.items() if f.startswith("dow")]
        scale = sum(dows) / len(dows) if dows else 1.0
        if scale > 0:
            level *= scale
            factors = {f: v / scale if f.startswith("dow") else v for f, v in factors.items()}
    return Model(level, factors)


class LineForecast(msgspec.Struct, frozen=True):
    """One line on one day: expected arrivals and mean wait (minutes) per hour."""

    line: str
    arrivals: dict[int, float]
    wait: dict[int, float | None]


class DayForecast(msgspec.Struct, frozen=True):
    date: str
    open: bool
    lines: list[LineForecast]


class Forecast(msgspec.Struct, frozen=True):
    """The next ``HORIZON_DAYS`` days from ``made_on`` (that day included)."""

    made_on: str
    history_from: str
    history_to: str
    days: list[DayForecast]
    arrivals: dict[str, Model]
    waits: dict[str, Model]


def learn(
    calendar: Calendar,
    lines: list[str],
    hours: range,
    history: Mapping[str, list[HourRow]],
    today: str,
    horizon: int = HORIZON_DAYS,
) -> Forecast:
    """Fit each line on the open days of ``history`` before ``today`` (every hour in
    ``hours``; an hour without a row had no arrivals) and forecast ``horizon`` days."""
    past = sorted(d for d in history if d < today)
    open_days = [d for d in _span(past[0], past[-1]) if calendar.is_open(d)] if past else []
    arrivals: dict[str, Model] = {}
    waits: dict[str, Model] = {}
    for line in lines:
        counts: dict[Cell, tuple[float, float]] = {
            (d, h): (0.0, 1.0) for d in open_days for h in hours
        }
        wait_cells: dict[Cell, tuple[float, float]] = {}
        for date in open_days:
            for row in history.get(date, []):
                if row.line != line or row.hour not in hours:
                    continue
                counts[(date, row.hour)] = (float(row.arrivals), 1.0)
                if row.called and row.wait_mean_min is not None:
                    wait_cells[(date, row.hour)] = (row.wait_mean_min * row.called, row.called)
        arrivals[line] = fit(calendar, counts)
        waits[line] = fit(calendar, wait_cells)
    start = dt.date.fromisoformat(today)
    days = []
    for i in range(horizon):
        date = (start + dt.timedelta(days=i)).isoformat()
        is_open = calendar.is_open(date)
        days.append(
            DayForecast(
                date=date,
                open=is_open,
                lines=[
                    LineForecast(
                        line=line,
                        arrivals={
                            h: round(arrivals[line].predict(calendar, date, h), 2) for h in hours
                        },
                        wait={
                            h: (
                                round(waits[line].predict(calendar, date, h), 1)
                                if waits[line].level > 0
                                else None
                            )
                            for h in hours
                        },
                    )
                    for line in lines
                ]
                if is_open
                else [],
            )
        )
    return Forecast(
        made_on=today,
        history_from=past[0] if past else "",
        history_to=past[-1] if past else "",
        days=days,
        arrivals=arrivals,
        waits=waits,
    )


def _span(first: str, last: str) -> list[str]:
    start, end = dt.date.fromisoformat(first), dt.date.fromisoformat(last)
    return [(start + dt.timedelta(days=i)).isoformat() for i in range((end - start).days + 1)]


def quiet_hours(day: DayForecast, line: str, most: int = 3) -> list[int]:
    """The hours of a day when the line is usually quietest: the lowest expected waits (or,
    without wait history, the fewest arrivals), at most ``most``, in hour order."""
    forecast = next((f for f in day.lines if f.line == line), None)
    if forecast is None:
        return []
    waits = forecast.wait
    scores = {
        h: (w if (w := waits.get(h)) is not None else a)
        for h, a in forecast.arrivals.items()
        if a > 0
    }
    if not scores:
        return []
    ranked = sorted(scores, key=lambda h: (scores[h], h))[:most]
    return sorted(ranked)
