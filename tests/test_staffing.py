"""Staffing: the Erlang C estimate (with the measured spread of service times) against a
discrete-event simulation of the same line, and the plan it makes for a busy day."""

from __future__ import annotations

import math

import pytest

from server.reports.queue_sim import Draw, lognormal, simulate_days
from server.reports.staffing import Service, counters_needed, erlang_c, expected_wait, plan_line

# Stated margin (docs/forecast.md): the estimate and the simulation agree within 20 % or 1.5
# minutes, whichever is larger.
REL_MARGIN = 0.20
ABS_MARGIN = 1.5


def lognormal_service(minutes: float, cv: float) -> tuple[Service, Draw]:
    return Service(minutes, cv**2), lognormal(minutes, cv**2)


def test_erlang_c_matches_known_values() -> None:
    # Textbook: 2 servers, load 1 (ρ = 0.5): P(wait) = 1/3; one server: P(wait) = ρ.
    assert erlang_c(2, 1.0) == pytest.approx(1 / 3)
    assert erlang_c(1, 0.7) == pytest.approx(0.7)
    assert erlang_c(3, 3.0) == 1.0
    # M/M/1, λ = 3/h, 15-minute service: Wq = ρ/(μ−λ) = 0.75 / (4−3) h = 45 min.
    assert expected_wait(3, Service(15, 1.0), 1) == pytest.approx(45)
    assert math.isinf(expected_wait(10, Service(15), 2))


@pytest.mark.parametrize(
    ("name", "per_hour", "minutes", "cv", "counters"),
    [
        ("general reception, season", 22.0, 15.0, 0.5, 7),  # ρ = 0.79
        ("children's line", 6.0, 20.0, 0.7, 3),  # ρ = 0.67
        ("consultation, two rooms", 2.4, 40.0, 0.4, 2),  # ρ = 0.80
    ],
)
def test_the_estimate_agrees_with_the_simulation(
    name: str, per_hour: float, minutes: float, cv: float, counters: int
) -> None:
    service, draw = lognormal_service(minutes, cv)
    estimate = expected_wait(per_hour, service, counters)
    # A steady week-long "day", pooled over runs; the first half day (warm-up) is left out.
    hours = range(0, 168)
    result = simulate_days(
        dict.fromkeys(hours, per_hour), dict.fromkeys(hours, counters), draw, days=12, seed=3
    )
    steady = [w for h in range(12, 168) for w in result.waits_by_hour.get(h, [])]
    simulated = sum(steady) / len(steady)
    print(f"{name}: Erlang C {estimate:.1f} min, simulation {simulated:.1f} min")
    assert abs(estimate - simulated) <= max(ABS_MARGIN, REL_MARGIN * simulated)


def test_the_plan_keeps_a_busy_day_under_the_target_in_the_simulation() -> None:
    # A season Monday at the general reception (arrivals per hour), target 60 minutes.
    arrivals = {
        8: 12.0,
        9: 26.0,
        10: 36.0,
        11: 34.0,
        12: 22.0,
        13: 26.0,
        14: 25.0,
        15: 20.0,
        16: 14.0,
    }
    service, draw = lognormal_service(15, 0.5)
    plan = plan_line("A", 30, service, 12, arrivals)
    counters = {h.hour: h.counters for h in plan.hours}
    assert counters[10] > counters[8]  # the rush needs more counters
    assert counters[10] == counters_needed(36.0, service, 30)
    result = simulate_days(arrivals, counters, draw, days=200, seed=5)
    # Hour by hour the rate changes, so the steady-state estimate is a guide, not exact: the
    # simulated day keeps the mean wait well under the target.
    assert result.mean() < 30
    fewer = {h: max(1, c - 1) for h, c in counters.items()}
    assert simulate_days(arrivals, fewer, draw, days=200, seed=5).mean() > result.mean()
