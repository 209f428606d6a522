"""Daily figures, computed from a site's event log records (never from a second bookkeeping).

:func:`compute` folds the records with the pure domain (``server.domain.fold.apply``), one
event at a time, and looks at each event against the state just before it. That yields:

- visitors: tickets issued, by life event and by procedure (requested and done), arrivals per
  hour (local time), outcomes (done, cancelled, no-show, expired, still open);
- **wait** (queued → called) and **service** (called, or started when the clerk pressed start,
  → the counter finished its step or handed the visitor on) per queue and per counter, as
  count, p50, p90 (nearest rank), mean and max, in seconds. Service per procedure shares each
  step's time among its procedures in proportion to their configured minutes (an estimate:
  a step usually handles several procedures at once);
- no-shows (and how many ended the visit), self-service deflections at intake, handoffs
  between queues (a procedure added as a new step elsewhere, or a transfer), supervisor moves;
- the bereavement corner (booth mode, issue 22b): families seated (booked or walk-in) and
  finished, **time per family** (seated → last department done), and per department the wait
  for a clerk (request → taken) and the time at the booth (taken → step done). Booth steps
  are kept out of the lines' wait and service figures;
- for a single day: the waiting count and the estimated wait of each queue every five minutes,
  as the live view showed them then, and (given ``now``) each queue's trend over the last
  fifteen minutes.

Records belong to the business day they were made in: the day a record's ``DayStarted``
opens, else the day already open (a late ``CloseDay`` after midnight belongs to its day).
Pure: no I/O, no clock; the caller passes the records (``server.reports.daylog``) and ``now``.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter, defaultdict
from collections.abc import Iterable
from zoneinfo import ZoneInfo

import msgspec

from server.config.schema import Procedures, Site
from server.domain import events as ev
from server.domain.fold import apply
from server.domain.queues import queue_figures, waiting_lines
from server.domain.state import SiteState, Step

SAMPLE_SECONDS = 300
TREND_SECONDS = 900
OUTCOMES = ("done", "cancelled", "no_show", "expired", "open")


class Stat(msgspec.Struct, frozen=True):
    """A distribution of durations in seconds (None when there were no samples)."""

    count: int
    p50: float | None = None
    p90: float | None = None
    mean: float | None = None
    max: float | None = None


class ProcedureCount(msgspec.Struct):
    requested: int = 0
    done: int = 0


class Handoff(msgspec.Struct, frozen=True):
    from_queue: str
    to_queue: str
    count: int


class CounterFigures(msgspec.Struct, frozen=True):
    calls: int
    served: int
    wait: Stat
    service: Stat


class DayTotals(msgspec.Struct, frozen=True):
    date: str
    visits: int
    done: int
    no_shows: int
    deflections: int


class Series(msgspec.Struct, frozen=True):
    """Samples of the live queue figures over one day (``None``: no counter was open)."""

    times: list[float]
    waiting: dict[str, list[int]]
    estimated_wait: dict[str, list[int | None]]
    longest_wait: dict[str, list[int]]


class Trend(msgspec.Struct, frozen=True):
    """A queue now and ``TREND_SECONDS`` ago: waiting count and estimated wait (minutes)."""

    waiting: int
    waiting_before: int
    estimated_wait: int | None
    estimated_wait_before: int | None
    direction: str  # "up", "down", "steady" (or "" when an estimate is missing)


class BoothFigures(msgspec.Struct, frozen=True):
    """The bereavement corner's day(s): families, time per family, per department."""

    visits: int
    reserved: int
    walk_ins: int
    done: int
    time_per_family: Stat
    wait_by_department: dict[str, Stat]
    service_by_department: dict[str, Stat]


class Figures(msgspec.Struct, frozen=True):
    site: str
    date_from: str
    date_to: str
    days: list[DayTotals]
    visits: int
    outcomes: dict[str, int]
    by_life_event: dict[str, int]
    by_procedure: dict[str, ProcedureCount]
    arrivals_by_hour: list[int]
    wait_by_queue: dict[str, Stat]
    service_by_queue: dict[str, Stat]
    counters: dict[str, CounterFigures]
    service_by_procedure: dict[str, Stat]
    no_shows: int
    no_shows_dropped: int
    no_shows_by_queue: dict[str, int]
    deflections: int
    deflections_by_procedure: dict[str, int]
    deflections_by_life_event: dict[str, int]
    handoffs: list[Handoff]
    procedures_added: int
    transfers: int
    moves: int
    series: Series | None = None
    protected: int = 0
    """Visits marked protected (a count only: which, why and by whom stay in the audit)."""
    trend: dict[str, Trend] = {}
    booth: BoothFigures | None = None
    """None when the site runs no bereavement corner."""


def percentile(values: list[float], fraction: float) -> float | None:
    """Nearest-rank percentile: the smallest sample with at least ``fraction`` of all samples
    at or below it (p50 of 1, 2, 3, 4 is 2). None for no samples."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def stat(values: list[float]) -> Stat:
    """Count, p50, p90, mean and max of durations in seconds."""
    if not values:
        return Stat(0)
    return Stat(
        count=len(values),
        p50=percentile(values, 0.5),
        p90=percentile(values, 0.9),
        mean=sum(values) / len(values),
        max=max(values),
    )


def day_bounds(date: str, timezone: str) -> tuple[float, float]:
    """Epoch seconds of a local calendar day's start and of the next day's start."""
    zone = ZoneInfo(timezone)
    day = dt.date.fromisoformat(date)
    start = dt.datetime.combine(day, dt.time(), zone)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), zone)
    return start.timestamp(), end.timestamp()


def _local_time(date: str, hhmm: str, timezone: str) -> float:
    hour, minute = (int(x) for x in hhmm.split(":"))
    day = dt.date.fromisoformat(date)
    return dt.datetime.combine(day, dt.time(hour, minute), ZoneInfo(timezone)).timestamp()


class _Sampler:
    """The queue figures of one day every ``SAMPLE_SECONDS``, from office opening (or the first
    activity, if earlier) to closing (or the last activity, if later); for a day still going
    on, up to ``now``."""

    def __init__(self, site: Site, date: str, now: float | None) -> None:
        self.site = site
        self.day_start, self.day_end = day_bounds(date, site.timezone)
        self.next = self._align(_local_time(date, site.hours.open, site.timezone))
        self.end = _local_time(date, site.hours.close, site.timezone) if now is None else now
        self.now = now
        queues = [q.id for q in site.queues]
        self.times: list[float] = []
        self.waiting: dict[str, list[int]] = {q: [] for q in queues}
        self.estimate: dict[str, list[int | None]] = {q: [] for q in queues}
        self.longest: dict[str, list[int]] = {q: [] for q in queues}

    def _align(self, at: float) -> float:
        return self.day_start + (at - self.day_start) // SAMPLE_SECONDS * SAMPLE_SECONDS

    def until(self, state: SiteState, at: float) -> None:
        """Sample every grid point up to ``at`` (the state holds until then)."""
        if not self.times and at < self.next:
            self.next = self._align(at)  # activity before opening time: start there
        if self.now is None and at > self.end:
            self.end = min(at, self.day_end)  # activity after closing time stretches the day
        while self.next <= min(at, self.end):
            self._sample(state, self.next)
            self.next += SAMPLE_SECONDS

    def finish(self, state: SiteState) -> Series:
        self.until(state, self.end)
        if self.now is not None:
            # The live point holds everything up to now, records made at this very second too.
            while self.times and self.times[-1] >= self.now:
                self.times.pop()
                for counts in (*self.waiting.values(), *self.longest.values()):
                    counts.pop()
                for estimates in self.estimate.values():
                    estimates.pop()
            self._sample(state, self.now)
        return Series(self.times, self.waiting, self.estimate, self.longest)

    def _sample(self, state: SiteState, at: float) -> None:
        figures = queue_figures(self.site, state, waiting_lines(state), at)
        self.times.append(at)
        for qid, fig in figures.items():
            self.waiting[qid].append(fig.waiting)
            self.estimate[qid].append(fig.estimated_wait)
            self.longest[qid].append(fig.longest_wait)


def trends(series: Series, now: float) -> dict[str, Trend]:
    """Each queue now against ``TREND_SECONDS`` earlier (the latest sample at or before it)."""
    if not series.times:
        return {}
    before_index = 0
    for i, at in enumerate(series.times):
        if at <= now - TREND_SECONDS:
            before_index = i
    out = {}
    for qid, waiting in series.waiting.items():
        estimates = series.estimated_wait[qid]
        est_now, est_before = estimates[-1], estimates[before_index]
        if est_now is None or est_before is None:
            direction = ""
        else:
            delta = est_now - est_before
            direction = "up" if delta > 0 else "down" if delta < 0 else "steady"
        out[qid] = Trend(waiting[-1], waiting[before_index], est_now, est_before, direction)
    return out


class _Tally:
    """Everything counted while folding."""

    def __init__(self, procedures: Procedures, site: Site | None = None) -> None:
        self.department = {c.id: c.department for c in site.counters} if site else {}
        self.booth: Counter[str] = Counter()
        self.booth_wait: dict[str, list[float]] = defaultdict(list)
        self.booth_service: dict[str, list[float]] = defaultdict(list)
        self.booth_family: list[float] = []
        self.minutes = {pid: p.minutes for pid, p in procedures.procedures.items()}
        self.days: dict[str, Counter[str]] = {}
        self.outcomes: Counter[str] = Counter()
        self.by_life_event: Counter[str] = Counter()
        self.by_procedure: dict[str, ProcedureCount] = defaultdict(ProcedureCount)
        self.arrivals = [0] * 24
        self.wait_queue: dict[str, list[float]] = defaultdict(list)
        self.wait_counter: dict[str, list[float]] = defaultdict(list)
        self.service_queue: dict[str, list[float]] = defaultdict(list)
        self.service_counter: dict[str, list[float]] = defaultdict(list)
        self.service_procedure: dict[str, list[float]] = defaultdict(list)
        self.calls: Counter[str] = Counter()
        self.served: Counter[str] = Counter()
        self.no_shows: Counter[str] = Counter()
        self.dropped = 0
        self.deflect_procedure: Counter[str] = Counter()
        self.deflect_event: Counter[str] = Counter()
        self.handoffs: Counter[tuple[str, str]] = Counter()
        self.added = 0
        self.transfers = 0
        self.moves = 0
        self.protected: set[str] = set()

    def day(self, date: str) -> Counter[str]:
        return self.days.setdefault(date, Counter())

    def observe(self, state: SiteState, event: ev.Event, at: float, date: str, hour: int) -> None:
        """Count one event, looking at the state just before it."""
        match event:
            case ev.VisitCreated():
                self.arrivals[hour] += 1
                self.day(date)["visits"] += 1
            case ev.VisitDeflected(events=events, procedures=procedures):
                self.day(date)["deflections"] += 1
                self.deflect_event.update(events)
                self.deflect_procedure.update(procedures)
            case ev.Called(visit=vid, counter=cid):
                step = _current(state, vid)
                self.wait_queue[step.queue].append(at - step.queued_at)
                self.wait_counter[cid].append(at - step.queued_at)
                self.calls[cid] += 1
            case (
                ev.NoShowed(visit=vid, outcome=outcome)
                | ev.StepOutLapsed(visit=vid, outcome=outcome)
            ):
                # Not back from stepping out in time is a no-show under the same rule.
                self.no_shows[_current(state, vid).queue] += 1
                self.day(date)["no_shows"] += 1
                self.dropped += outcome == "drop"
            case ev.StepCompleted(visit=vid, counter=cid) if state.visits[vid].booth:
                step = _current(state, vid)
                department = self.department.get(cid, cid)
                self.booth_service[department].append(at - (step.started_at or step.called_at))
            case ev.StepCompleted(visit=vid, counter=cid):
                step = _current(state, vid)
                self._service(step, cid, at, [p.id for p in step.procedures])
            case ev.BoothSeated(reservation=rid):
                self.booth["visits"] += 1
                self.booth["reserved"] += bool(rid)
            case ev.BoothVisitTaken(visit=vid, counter=cid):
                step = _current(state, vid)
                self.booth_wait[self.department.get(cid, cid)].append(at - step.queued_at)
            case ev.Transferred(visit=vid, counter=cid, queue=qid):
                step = _current(state, vid)
                self._service(step, cid, at, [p.id for p in step.procedures if p.done])
                self.transfers += 1
                self.handoffs[(step.queue, qid)] += 1
            case ev.ProcedureAdded(visit=vid, queue=qid, new_step=new_step):
                self.added += 1
                here = _current(state, vid).queue
                if new_step and here != qid:
                    self.handoffs[(here, qid)] += 1
            case ev.VisitMoved():
                self.moves += 1
            case ev.VisitProtected(visit=vid):
                self.protected.add(vid)

    def _service(self, step: Step, counter: str, at: float, procedures: list[str]) -> None:
        seconds = at - (step.started_at or step.called_at)
        self.service_queue[step.queue].append(seconds)
        self.service_counter[counter].append(seconds)
        self.served[counter] += 1
        weights = [max(1, self.minutes.get(pid, 1)) for pid in procedures]
        total = sum(weights)
        for pid, weight in zip(procedures, weights, strict=True):
            self.service_procedure[pid].append(seconds * weight / total)

    def close_day(self, state: SiteState, date_from: str, date_to: str) -> None:
        """The day held in ``state`` ends: count its visits as they finished."""
        date = state.business_date
        if not date or not date_from <= date <= date_to:
            return
        for visit in state.visits.values():
            outcome = visit.status if visit.status in OUTCOMES else "open"
            self.outcomes[outcome] += 1
            if visit.booth and outcome == "done":
                self.booth["done"] += 1
                self.booth_family.append(visit.closed_at - visit.created_at)
            self.day(date)["done"] += outcome == "done"
            self.by_life_event.update(dict.fromkeys(visit.intake.events, 1))
            items: dict[str, bool] = {}
            for step in visit.steps:
                for item in step.procedures:
                    items[item.id] = items.get(item.id, True) and item.done
            for pid, done in items.items():
                count = self.by_procedure[pid]
                count.requested += 1
                count.done += done


def _current(state: SiteState, visit_id: str) -> Step:
    visit = state.visits[visit_id]
    return visit.steps[visit.current]


def compute(
    site: Site,
    procedures: Procedures,
    records: Iterable[ev.Record],
    date_from: str,
    date_to: str | None = None,
    now: float | None = None,
) -> Figures:
    """The figures of the business days ``date_from``..``date_to`` (inclusive).

    ``records`` must start at or before the first record of ``date_from`` (earlier records are
    folded but not counted). ``now`` marks a day still going on: the series then runs up to
    ``now`` and carries each queue's trend.
    """
    date_to = date_to or date_from
    zone = ZoneInfo(site.timezone)
    tally = _Tally(procedures, site)
    sampler = _Sampler(site, date_from, now) if date_from == date_to else None
    state = SiteState(site.id)
    for record in records:
        for event in record.events:
            if isinstance(event, ev.DayStarted):
                tally.close_day(state, date_from, date_to)
            date = event.date if isinstance(event, ev.DayStarted) else state.business_date
            if date and date_from <= date <= date_to:
                if sampler is not None and state.business_date == date:
                    sampler.until(state, record.at)
                hour = dt.datetime.fromtimestamp(record.at, zone).hour
                tally.observe(state, event, record.at, date, hour)
            apply(state, ev.Record(record.seq, record.at, record.actor, "", [event]))
    tally.close_day(state, date_from, date_to)
    series = None
    if sampler is not None:
        day_state = state if state.business_date == date_from else SiteState(site.id)
        series = sampler.finish(day_state)
    return _figures(site, tally, date_from, date_to, series, now)


def _dates(date_from: str, date_to: str) -> list[str]:
    first, last = dt.date.fromisoformat(date_from), dt.date.fromisoformat(date_to)
    return [(first + dt.timedelta(days=i)).isoformat() for i in range((last - first).days + 1)]


def _figures(
    site: Site,
    tally: _Tally,
    date_from: str,
    date_to: str,
    series: Series | None,
    now: float | None,
) -> Figures:
    queue_order = [q.id for q in site.queues]
    counter_order = [c.id for c in site.counters]

    def by_queue(samples: dict[str, list[float]]) -> dict[str, Stat]:
        keys = queue_order + sorted(set(samples) - set(queue_order))
        return {q: stat(samples.get(q, [])) for q in keys}

    counters = {
        cid: CounterFigures(
            calls=tally.calls[cid],
            served=tally.served[cid],
            wait=stat(tally.wait_counter.get(cid, [])),
            service=stat(tally.service_counter.get(cid, [])),
        )
        for cid in counter_order + sorted(set(tally.calls) - set(counter_order))
    }
    days = [
        DayTotals(
            date=d,
            visits=tally.days.get(d, Counter())["visits"],
            done=tally.days.get(d, Counter())["done"],
            no_shows=tally.days.get(d, Counter())["no_shows"],
            deflections=tally.days.get(d, Counter())["deflections"],
        )
        for d in _dates(date_from, date_to)
    ]
    return Figures(
        site=site.id,
        date_from=date_from,
        date_to=date_to,
        days=days,
        visits=sum(d.visits for d in days),
        outcomes={o: tally.outcomes[o] for o in OUTCOMES},
        by_life_event=dict(tally.by_life_event.most_common()),
        by_procedure=dict(
            sorted(tally.by_procedure.items(), key=lambda kv: (-kv[1].requested, kv[0]))
        ),
        arrivals_by_hour=tally.arrivals,
        wait_by_queue=by_queue(tally.wait_queue),
        service_by_queue=by_queue(tally.service_queue),
        counters=counters,
        service_by_procedure={pid: stat(v) for pid, v in sorted(tally.service_procedure.items())},
        no_shows=sum(tally.no_shows.values()),
        no_shows_dropped=tally.dropped,
        no_shows_by_queue={q: tally.no_shows[q] for q in queue_order if tally.no_shows[q]},
        deflections=sum(d.deflections for d in days),
        deflections_by_procedure=dict(tally.deflect_procedure.most_common()),
        deflections_by_life_event=dict(tally.deflect_event.most_common()),
        handoffs=[
            Handoff(a, b, n)
            for (a, b), n in sorted(tally.handoffs.items(), key=lambda kv: (-kv[1], kv[0]))
        ],
        procedures_added=tally.added,
        transfers=tally.transfers,
        moves=tally.moves,
        protected=len(tally.protected),
        series=series,
        trend=trends(series, now) if series is not None and now is not None else {},
        booth=_booth(site, tally),
    )


def _booth(site: Site, tally: _Tally) -> BoothFigures | None:
    """The corner's figures, departments in the site's order (None: no corner here)."""
    if site.bereavement is None:
        return None
    order = [d.id for d in site.departments]

    def by_department(samples: dict[str, list[float]]) -> dict[str, Stat]:
        return {
            d: stat(samples[d]) for d in order + sorted(set(samples) - set(order)) if d in samples
        }

    return BoothFigures(
        visits=tally.booth["visits"],
        reserved=tally.booth["reserved"],
        walk_ins=tally.booth["visits"] - tally.booth["reserved"],
        done=tally.booth["done"],
        time_per_family=stat(tally.booth_family),
        wait_by_department=by_department(tally.booth_wait),
        service_by_department=by_department(tally.booth_service),
    )
