"""A believable past for the demo offices: ``python -m server demo-history --days 365``.

Synthetic business days with a known pattern (:class:`Pattern`): visits per hour follow the
day of the week, the hour of the day, the start and end of the month and the March–April
moving season, and nobody comes on the closed days of ``config/calendar.toml``. Each day is
played through the domain core itself — tickets issued by a guide, every counter open, clerks
calling the next visitor and finishing after a service time drawn around the line's
configured minutes — so the records are the very records a real day leaves in the event log,
and the figures, the open data and the forecast read them as they would read a real year.

Pure but for :func:`write`, which appends the records to an event log; the random generator
is seeded, so a given range of days is always the same history.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import heapq
import itertools
import math
import random
import sys
from collections.abc import Iterator
from zoneinfo import ZoneInfo

import msgspec

from server import demo_visitors as visitors
from server.config.schema import Calendar, Config, Site
from server.domain import commands as c
from server.domain import events as ev
from server.domain.decide import Context, Rules, decide
from server.domain.fold import apply
from server.domain.intake import Intake, plan_visit
from server.domain.queues import next_for_counter
from server.domain.state import SiteState
from server.errors import Rejected
from server.live.site_hub import SNAPSHOT_VERSION
from server.log.backends import open_log
from server.log.base import EventLog
from server.reports.forecast import month_edge
from server.reports.queue_sim import lognormal
from server.settings import Settings

GUIDE = c.Actor("demo-guide", "guide")
CLERK = c.Actor("demo-supervisor", "supervisor")

# Visits an hour on an ordinary Tuesday at 10:00, per site (anything else: the default).
BASE = {"shimogyo": 16.0, "nakagyo": 9.0}
DEFAULT_BASE = 8.0
DAY_OF_WEEK = (1.30, 1.00, 0.95, 0.90, 1.15)  # Monday … Friday
HOUR_OF_DAY = {
    8: 0.55,
    9: 0.85,
    10: 1.00,
    11: 0.95,
    12: 0.60,
    13: 0.75,
    14: 0.70,
    15: 0.55,
    16: 0.40,
    17: 0.15,
}
MONTH_EDGE = 1.25  # the first three and last three days of a month
SEASON = 1.8  # the busy season of the calendar
SERVICE_CV = 0.5  # spread of service times around the line's configured minutes

# What brings people in (weight, intake): answers the life-event rules turn into procedures.
INTAKES: list[tuple[int, Intake]] = [
    (5, visitors.MOVED_IN_WITH_CHILDREN),
    (6, visitors.MOVED_IN_FOR_WORK),
    (3, visitors.MOVED_WITHIN_THE_CITY),
    (2, visitors.AFTER_A_DEATH),
    (3, visitors.LEFT_A_JOB),
    (4, visitors.CERTIFICATES),
    (2, visitors.BIRTH),
]


class Pattern(msgspec.Struct, frozen=True):
    """The known pattern of the synthetic history: expected visits per hour."""

    base: float
    calendar: Calendar

    def visits(self, date: str, hour: int) -> float:
        """Expected visits arriving at ``hour`` (local) on ``date``; 0 on closed days."""
        if not self.calendar.is_open(date):
            return 0.0
        day = dt.date.fromisoformat(date)
        rate = self.base * DAY_OF_WEEK[day.weekday()] * HOUR_OF_DAY.get(hour, 0.0)
        if month_edge(day):
            rate *= MONTH_EDGE
        if self.calendar.in_season(date):
            rate *= SEASON
        return rate


def pattern_for(config: Config, site_id: str) -> Pattern:
    """A site's pattern: its base rate, the city's calendar."""
    return Pattern(BASE.get(site_id, DEFAULT_BASE), config.calendar)


def line_shares(config: Config, site: Site) -> dict[str, float]:
    """How many of the visits join each line, from the intake mix and the site's rules (a
    visit with stops at two lines joins both)."""
    total = sum(w for w, _ in INTAKES)
    shares: dict[str, float] = {q.id: 0.0 for q in site.queues}
    for weight, intake in INTAKES:
        plan = plan_visit(intake, config.life_events, config.procedures, site)
        for queue in {step.queue for step in plan.steps}:
            shares[queue] += weight / total
    return shares


def open_fraction(site: Site, hour: int) -> float:
    """How much of a local hour the office is open (08:30 opening: half of hour 8)."""

    def minutes(hhmm: str) -> int:
        h, m = (int(x) for x in hhmm.split(":"))
        return h * 60 + m

    start, end = (
        max(hour * 60, minutes(site.hours.open)),
        min(hour * 60 + 60, minutes(site.hours.close)),
    )
    return max(0, end - start) / 60


def _local(date: str, hhmm: str, zone: ZoneInfo) -> float:
    hour, minute = (int(x) for x in hhmm.split(":"))
    return dt.datetime.combine(dt.date.fromisoformat(date), dt.time(hour, minute), zone).timestamp()


def _arrivals(pattern: Pattern, site: Site, date: str, rng: random.Random) -> list[float]:
    """Arrival times over the open hours: a Poisson process, piecewise constant per hour."""
    zone = ZoneInfo(site.timezone)
    opens, closes = _local(date, site.hours.open, zone), _local(date, site.hours.close, zone)
    out: list[float] = []
    start = opens
    while start < closes:
        hour = dt.datetime.fromtimestamp(start, zone).hour
        end = min(closes, _local(date, f"{hour + 1:02d}:00", zone) if hour < 23 else closes)
        rate = pattern.visits(date, hour) * (end - start) / 3600
        out.extend(start + rng.random() * (end - start) for _ in range(_poisson(rate, rng)))
        start = end
    return sorted(out)


def _poisson(mean: float, rng: random.Random) -> int:
    """Knuth's method (means here are small)."""
    if mean <= 0:
        return 0
    limit, k, p = math.exp(-mean), 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


def service_seconds(minutes: float, rng: random.Random) -> float:
    """A lognormal service time with mean ``minutes`` and coefficient of variation SERVICE_CV."""
    return 60 * lognormal(minutes, SERVICE_CV**2)(rng)


class _Day:
    """One day of the office, played through decide + apply."""

    def __init__(self, config: Config, site: Site, state: SiteState, seq: int) -> None:
        self.rules = Rules(site, config.procedures, config.life_events)
        self.site = site
        self.state = state
        self.records: list[ev.Record] = []
        self.ids = itertools.count(seq + 1)

    def run(self, command: c.Command, actor: c.Actor, at: float) -> list[ev.Event]:
        n = next(self.ids)
        ctx = Context(at, actor, visit_id=f"h{n}", token=f"history-{n}")
        events = decide(self.state, command, ctx, self.rules)
        record = ev.Record(self.state.seq + 1, at, actor, f"history-{n}", events)
        apply(self.state, record)
        self.records.append(record)
        return events


def play_day(
    config: Config, site: Site, state: SiteState, date: str, rng: random.Random
) -> list[ev.Record]:
    """The records of one business day (none on a closed day); ``state`` is folded along."""
    pattern = pattern_for(config, site.id)
    arrivals = _arrivals(pattern, site, date, rng)
    if not arrivals:
        return []
    day = _Day(config, site, state, state.seq)
    opens = _local(date, site.hours.open, ZoneInfo(site.timezone))
    for counter in site.counters:
        day.run(c.OpenCounter(counter.id), CLERK, opens)
    pending: list[tuple[float, int, str]] = [(at, 0, "") for at in arrivals]
    heapq.heapify(pending)
    busy: set[str] = set()
    while pending:
        at, kind, counter_id = heapq.heappop(pending)
        if kind == 0:
            intake = rng.choices([i for _, i in INTAKES], [w for w, _ in INTAKES])[0]
            try:
                day.run(c.CreateVisit(intake), GUIDE, at)
            except Rejected:
                continue
        else:
            day.run(c.CompleteStep(counter_id), CLERK, at)
            busy.discard(counter_id)
        for counter in site.counters:
            if counter.id in busy:
                continue
            head = next_for_counter(site, day.state, counter.id)
            if head is None:
                continue
            day.run(c.CallNext(counter.id), CLERK, at)
            queue = site.queue(head.steps[head.current].queue)
            busy.add(counter.id)
            heapq.heappush(pending, (at + service_seconds(queue.minutes, rng), 1, counter.id))
    closes = max(_local(date, site.hours.close, ZoneInfo(site.timezone)), day.records[-1].at)
    for counter in site.counters:
        day.run(c.CloseCounter(counter.id), CLERK, closes)
    return day.records


def history(
    config: Config,
    site_id: str,
    first: str,
    days: int,
    state: SiteState | None = None,
    seed: int = 18,
) -> Iterator[list[ev.Record]]:
    """The records of ``days`` calendar days from ``first``, one list per day (``state``, if
    given, is folded along)."""
    site = config.site(site_id)
    rng = random.Random(f"{seed}-{site_id}-{first}")
    state = state if state is not None else SiteState(site_id)
    start = dt.date.fromisoformat(first)
    for i in range(days):
        yield play_day(config, site, state, (start + dt.timedelta(days=i)).isoformat(), rng)


async def write(log: EventLog, config: Config, site_id: str, first: str, days: int) -> int:
    """Append the history to an empty site log, with a snapshot of its end so the service
    starts without folding the whole year; the number of records written."""
    if await log.read(site_id, 0, limit=1):
        raise ValueError(f"the event log of {site_id} is not empty: history goes before anything")
    written, previous = 0, ""
    state = SiteState(site_id)
    for records in history(config, site_id, first, days, state):
        futures = []
        for record in records:
            futures.append(log.append(site_id, record.seq - 1, previous, record))
            previous = record.command_id
        for future in futures:
            await future
        written += len(records)
    if written:
        await log.save_snapshot(
            site_id, state.seq, SNAPSHOT_VERSION + msgspec.msgpack.encode(state)
        )
    return written


def run_demo_history(
    settings: Settings, config: Config, sites: list[str], days: int, until: str | None
) -> int:
    """The ``demo-history`` command: ``days`` days ending ``until`` (default yesterday, so
    today stays the live day) for each site, into ``MADOGUCHI_STORE``."""
    last = dt.date.fromisoformat(until) if until else dt.date.today() - dt.timedelta(days=1)
    first = (last - dt.timedelta(days=days - 1)).isoformat()

    async def main() -> int:
        log = open_log(settings.store)
        await log.open()
        try:
            for site_id in sites:
                if site_id not in config.sites:
                    print(f"madoguchi: no site {site_id!r}", file=sys.stderr)
                    return 2
                try:
                    count = await write(log, config, site_id, first, days)
                except ValueError as exc:
                    print(f"madoguchi: {exc}", file=sys.stderr)
                    return 1
                print(f"{site_id}: {count} records, {first} to {last.isoformat()}")
        finally:
            await log.close()
        return 0

    return asyncio.run(main())
