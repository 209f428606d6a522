"""Opening hours in the domain: the time is passed in, the site's own zone and hours decide."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from server.config.schema import Config
from server.domain.hours import office_phase

TOKYO = ZoneInfo("Asia/Tokyo")


def at(hhmm: str) -> float:
    hour, minute = map(int, hhmm.split(":"))
    return dt.datetime(2026, 3, 30, hour, minute, tzinfo=TOKYO).timestamp()


@pytest.mark.parametrize(
    ("local", "phase"),
    [
        ("07:30", "before_open"),
        ("08:44", "before_open"),
        ("08:45", "open"),
        ("12:15", "open"),
        ("17:29", "open"),
        ("17:30", "after_close"),
        ("21:00", "after_close"),
    ],
)
def test_the_office_is_open_in_its_hours_in_its_own_time_zone(
    config: Config, local: str, phase: str
) -> None:
    assert office_phase(config.site("shimogyo"), at(local)) == phase
