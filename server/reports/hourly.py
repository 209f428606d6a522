"""Hourly figures per line, from a site's event log records: the open data and what the
forecast learns from.

For each business day, hour (local time) and line: how many joined the line in that hour
(``arrivals``: a visit's step queued there — a visit with steps at two lines counts at both),
how many of them were called (``called``) and their wait from joining to being called
(mean and p90, minutes). A step's join is its last ``queued_at`` (a no-show sent to the back
joins again). Counts only: nothing about a visitor but the time they joined and were called.

Pure: the records are folded with the domain's own ``apply`` and each day is read from the
state as it stood at its end (the next ``DayStarted`` or the last record given).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import defaultdict
from collections.abc import Iterable, Iterator
from zoneinfo import ZoneInfo

import msgspec

from server.config.schema import Site
from server.domain import events as ev
from server.domain.fold import apply
from server.domain.state import SiteState
from server.reports.figures import percentile

COLUMNS = ("date", "hour", "line", "arrivals", "called", "wait_mean_min", "wait_p90_min")


class HourRow(msgspec.Struct, frozen=True):
    """One line in one hour of one day."""

    date: str
    hour: int
    line: str
    arrivals: int
    called: int
    wait_mean_min: float | None
    wait_p90_min: float | None


def _day_rows(site: Site, state: SiteState, zone: ZoneInfo) -> list[HourRow]:
    joined: dict[tuple[int, str], int] = defaultdict(int)
    waits: dict[tuple[int, str], list[float]] = defaultdict(list)
    for visit in state.visits.values():
        for step in visit.steps:
            if step.queued_at <= 0:
                continue
            key = (dt.datetime.fromtimestamp(step.queued_at, zone).hour, step.queue)
            joined[key] += 1
            if step.called_at >= step.queued_at:
                waits[key].append((step.called_at - step.queued_at) / 60.0)
    order = {q.id: i for i, q in enumerate(site.queues)}
    rows = []
    for hour, line in sorted(joined, key=lambda k: (k[0], order.get(k[1], len(order)), k[1])):
        sample = waits.get((hour, line), [])
        p90 = percentile(sample, 0.9)
        rows.append(
            HourRow(
                date=state.business_date,
                hour=hour,
                line=line,
                arrivals=joined[(hour, line)],
                called=len(sample),
                wait_mean_min=round(sum(sample) / len(sample), 1) if sample else None,
                wait_p90_min=round(p90, 1) if p90 is not None else None,
            )
        )
    return rows


def day_states(
    site: Site, records: Iterable[ev.Record], date_from: str, date_to: str
) -> Iterator[SiteState]:
    """The state at the end of each business day ``date_from``..``date_to`` that has records
    (the same object, folded on: read it before asking for the next)."""
    state = SiteState(site.id)

    def done() -> bool:
        return bool(state.business_date) and date_from <= state.business_date <= date_to

    for record in records:
        if any(isinstance(e, ev.DayStarted) for e in record.events) and done():
            yield state
        apply(state, record)
    if done():
        yield state


def hourly(
    site: Site, records: Iterable[ev.Record], date_from: str, date_to: str
) -> dict[str, list[HourRow]]:
    """Each business day ``date_from``..``date_to`` (inclusive) that has records, with its
    rows in hour then line order."""
    zone = ZoneInfo(site.timezone)
    return {
        state.business_date: _day_rows(site, state, zone)
        for state in day_states(site, records, date_from, date_to)
    }


def service_seconds(
    site: Site, records: Iterable[ev.Record], date_from: str, date_to: str
) -> dict[str, list[float]]:
    """Each line's service times (called, or started, to the step done) over the days."""
    out: dict[str, list[float]] = defaultdict(list)
    for state in day_states(site, records, date_from, date_to):
        for visit in state.visits.values():
            for step in visit.steps:
                begun = step.started_at or step.called_at
                if step.status == "done" and begun and step.done_at >= begun:
                    out[step.queue].append(step.done_at - begun)
    return dict(out)


def to_csv(rows: Iterable[HourRow]) -> str:
    """CSV with a header row (UTF-8; empty cells where no one was called)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow(["" if v is None else v for v in msgspec.structs.astuple(row)])
    return buffer.getvalue()
