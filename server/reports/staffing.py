"""Staffing what-if: how many counters each line needs, hour by hour, to keep the expected
wait under the line's target (its ``alert_minutes``), from the forecast arrivals and the
service times measured in the event log.

The queueing model is M/G/c: Erlang C for the probability of waiting, with the Allen–Cunneen
correction for the measured spread of service times,
``Wq ≈ C(c, a) / (c·μ − λ) × (1 + cv²) / 2`` (exact for exponential service, cv = 1).
``server.reports.queue_sim`` simulates the same day to check it. Also the live what-if of the
supervisor view: opening one more counter now, what happens to each line it calls from.
Pure: no I/O, no clock.
"""

from __future__ import annotations

import math
import statistics

import msgspec

from server.config.schema import Site
from server.domain.queues import QueueFigures, counter_queues, estimate_minutes
from server.domain.state import SiteState

MAX_COUNTERS = 30


class Service(msgspec.Struct, frozen=True):
    """A line's service time: mean minutes and squared coefficient of variation."""

    minutes: float
    cv2: float = 1.0

    @classmethod
    def measured(cls, seconds: list[float], fallback_minutes: float) -> Service:
        """From measured service times (the configured minutes, exponential, without any)."""
        if len(seconds) < 2:
            return cls(float(fallback_minutes))
        mean = statistics.fmean(seconds)
        return cls(mean / 60, statistics.pvariance(seconds) / mean**2 if mean > 0 else 1.0)


def erlang_c(servers: int, load: float) -> float:
    """Probability an arrival waits in M/M/c with offered load ``load`` = λ/μ (1 when
    ``servers`` cannot keep up)."""
    if servers <= 0 or load >= servers:
        return 1.0
    if load <= 0:
        return 0.0
    # Erlang B by its stable recurrence, then C from B.
    b = 1.0
    for k in range(1, servers + 1):
        b = load * b / (k + load * b)
    rho = load / servers
    return b / (1 - rho + rho * b)


def expected_wait(arrivals_per_hour: float, service: Service, servers: int) -> float:
    """Mean wait in minutes before being called (``math.inf`` when the line cannot keep up)."""
    if arrivals_per_hour <= 0:
        return 0.0
    per_minute = arrivals_per_hour / 60
    load = per_minute * service.minutes
    if servers <= 0 or load >= servers:
        return math.inf
    capacity = servers / service.minutes - per_minute
    return erlang_c(servers, load) / capacity * (1 + service.cv2) / 2


def counters_needed(
    arrivals_per_hour: float, service: Service, target_minutes: float, most: int = MAX_COUNTERS
) -> int:
    """The fewest counters keeping the expected wait at or under the target (``most`` if
    even that many cannot)."""
    if arrivals_per_hour <= 0:
        return 0
    for servers in range(1, most + 1):
        if expected_wait(arrivals_per_hour, service, servers) <= target_minutes:
            return servers
    return most


class HourPlan(msgspec.Struct, frozen=True):
    hour: int
    arrivals: float
    counters: int
    expected_wait: float | None  # minutes with that many counters (None: cannot keep up)


class LinePlan(msgspec.Struct, frozen=True):
    line: str
    target: int
    service: Service
    available: int  # counters configured to call from the line
    hours: list[HourPlan]


def plan_line(
    line: str,
    target: int,
    service: Service,
    available: int,
    arrivals_by_hour: dict[int, float],
) -> LinePlan:
    """Counters per hour for one line; never more than the line has (the wait then says so)."""
    hours = []
    for hour, arrivals in sorted(arrivals_by_hour.items()):
        need = counters_needed(arrivals, service, target, max(available, 1))
        wait = expected_wait(arrivals, service, need)
        hours.append(
            HourPlan(hour, round(arrivals, 1), need, None if math.isinf(wait) else round(wait, 1))
        )
    return LinePlan(line, target, service, available, hours)


def what_if_open(
    site: Site, state: SiteState, figures: dict[str, QueueFigures], counter_id: str
) -> list[dict[str, object]]:
    """Opening ``counter_id`` now: each line it would call from, with the estimated wait
    before and after (minutes; None before: no counter open), by the live estimate's rule."""
    out: list[dict[str, object]] = []
    for queue_id in counter_queues(site, state, counter_id):
        fig = figures.get(queue_id)
        if fig is None:
            continue
        after = estimate_minutes(fig.waiting, fig.minutes_per_visit, fig.open_counters + 1)
        out.append({"queue": queue_id, "before": fig.estimated_wait, "after": after})
    return out
