"""A discrete-event simulation of one line over a day: Poisson arrivals at an hourly rate,
``c(h)`` counters that hour calling in arrival order, service times drawn from a given
distribution. It checks the Erlang C estimate of ``server.reports.staffing`` on the same day.

A counter that an hour's plan takes away finishes its visitor first; visitors still waiting at
the end are served by the counters of the last hour. Pure: the random generator is passed in.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable

import msgspec

Draw = Callable[[random.Random], float]  # a service time in minutes


def lognormal(minutes: float, cv2: float) -> Draw:
    """Service times with mean ``minutes`` and squared coefficient of variation ``cv2``."""
    sigma2 = math.log(1 + max(cv2, 0.0001))

    def draw(rng: random.Random) -> float:
        return minutes * math.exp(rng.gauss(-sigma2 / 2, math.sqrt(sigma2)))

    return draw


class SimResult(msgspec.Struct, frozen=True):
    waits_by_hour: dict[int, list[float]]  # minutes, by the hour each visitor arrived

    def mean(self, hour: int | None = None) -> float:
        """Mean wait in minutes over one arrival hour (or the whole day); 0 for nobody."""
        waits = (
            self.waits_by_hour.get(hour, [])
            if hour is not None
            else [w for ws in self.waits_by_hour.values() for w in ws]
        )
        return sum(waits) / len(waits) if waits else 0.0


def simulate(
    arrivals_by_hour: dict[int, float],
    counters_by_hour: dict[int, int],
    draw: Draw,
    rng: random.Random,
) -> SimResult:
    """One simulated day; hours are local hours, times are minutes from midnight."""
    arrivals: list[float] = []
    for hour, rate in sorted(arrivals_by_hour.items()):
        t = hour * 60.0
        while rate > 0:
            t += rng.expovariate(rate / 60)
            if t >= (hour + 1) * 60:
                break
            arrivals.append(t)
    last_hour = max(counters_by_hour) if counters_by_hour else 0

    def staffed(at: float) -> int:
        hour = int(at // 60)
        if hour >= last_hour:
            return max(1, counters_by_hour.get(last_hour, 0))  # the queue is always emptied
        return counters_by_hour.get(hour, 0)

    busy: list[float] = []  # when each busy counter finishes
    waits: dict[int, list[float]] = {}
    clock = 0.0
    for arrival in arrivals:
        start = max(arrival, clock)  # first come, first called
        while True:
            busy = [b for b in busy if b > start]
            if len(busy) < staffed(start):
                break
            next_hour = (start // 60 + 1) * 60
            options = [min(busy)] if busy else []
            if not busy or staffed(next_hour) > staffed(start):
                options.append(next_hour)
            start = min(options)
        busy.append(start + draw(rng))
        clock = start
        waits.setdefault(int(arrival // 60), []).append(start - arrival)
    return SimResult(waits)


def simulate_days(
    arrivals_by_hour: dict[int, float],
    counters_by_hour: dict[int, int],
    draw: Draw,
    days: int,
    seed: int = 1,
) -> SimResult:
    """Many independent days pooled (the estimate is a mean over days)."""
    rng = random.Random(seed)
    pooled: dict[int, list[float]] = {}
    for _ in range(days):
        for hour, waits in simulate(
            arrivals_by_hour, counters_by_hour, draw, rng
        ).waits_by_hour.items():
            pooled.setdefault(hour, []).extend(waits)
    return SimResult(pooled)
