"""Opening hours: is the office open at a given moment, in the site's own time zone.

Pure: the moment is passed in (the guide's preview passes the request's time; tests pass
any). Boards tick the same comparison in the browser, from the hours the board view carries.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from typing import Literal
from zoneinfo import ZoneInfo

from server.config.schema import Site

Phase = Literal["before_open", "open", "after_close"]


@cache
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def office_phase(site: Site, now: float) -> Phase:
    """Before opening, open, or closed for the day, at ``now`` (epoch seconds)."""
    local = dt.datetime.fromtimestamp(now, _zone(site.timezone)).strftime("%H:%M")
    if local < site.hours.open:
        return "before_open"
    if local >= site.hours.close:
        return "after_close"
    return "open"
