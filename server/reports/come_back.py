"""「また来られるなら」: when the wait is long and nothing in the visit is pressing, the guide
can suggest hours that are usually quiet — from the forecast, never a promise.

A visit can come back another time when none of its procedures has a legal deadline
(``deadline`` in ``procedures.toml``), is a consultation or is sensitive: certificates, the My
Number card, seal registration. The wait is long when the live estimate for the visit's first
line is at or over the line's target (its ``alert_minutes``). Pure: the forecast and the time
are passed in.
"""

from __future__ import annotations

import msgspec

from server.config.schema import Procedures, Site
from server.reports.forecast import Forecast, quiet_hours

SLOTS = 3


class Slot(msgspec.Struct, frozen=True):
    date: str
    hour: int
    wait: float | None  # expected minutes (None: no wait history for that hour)


class ComeBack(msgspec.Struct, frozen=True):
    line: str
    wait: int  # the live estimate now, minutes
    target: int
    slots: list[Slot]


def can_come_back(procedures: Procedures, ids: list[str]) -> bool:
    """Nothing pressing: no deadline, no consultation, nothing sensitive."""
    known = procedures.procedures
    return bool(ids) and all(
        pid in known
        and known[pid].deadline is None
        and not known[pid].consultation
        and not known[pid].sensitive
        for pid in ids
    )


def suggest(
    site: Site,
    procedures: Procedures,
    visit_procedures: list[str],
    line: str,
    live_wait: int | None,
    forecast: Forecast,
    today: str,
    hour: int,
) -> ComeBack | None:
    """Up to ``SLOTS`` usually quiet hours (later today, then the next open days) whose
    expected wait is under the line's target; None when the suggestion does not apply."""
    target = site.queue(line).alert_minutes
    if live_wait is None or live_wait < target:
        return None
    if not can_come_back(procedures, visit_procedures) or not forecast.history_from:
        return None
    slots: list[Slot] = []
    for day in forecast.days:
        if not day.open:
            continue
        waits = next((f.wait for f in day.lines if f.line == line), {})
        for h in quiet_hours(day, line, most=2):
            expected = waits.get(h)
            if (day.date == today and h <= hour) or (expected is not None and expected >= target):
                continue
            slots.append(Slot(day.date, h, expected))
        if len(slots) >= SLOTS:
            break
    return ComeBack(line, live_wait, target, slots[:SLOTS]) if slots else None
