"""Reading the records of some calendar days from a site's event log, for the daily figures.

The log is numbered by ``seq`` only, and records are appended in time order, so the first
record of a day is found by binary search on ``at`` (a few one-record reads, whatever the
size of the log). Records written after midnight that still belong to the last business day
(a late ``CloseDay``) are read too, up to the next ``DayStarted``.
"""

from __future__ import annotations

from server.config.schema import Config
from server.domain.events import DayStarted, Record
from server.log.base import EventLog
from server.reports.figures import Figures, compute, day_bounds

CHUNK = 5_000
TAIL_LIMIT = 500


async def _at(log: EventLog, site_id: str, seq: int) -> float | None:
    """The time of record ``seq`` (None past the head)."""
    found = await log.read(site_id, seq - 1, limit=1)
    return found[0].at if found else None


async def head_seq(log: EventLog, site_id: str) -> int:
    """The last seq in the site's log (0 when empty), by galloping then bisecting."""
    high = 1
    while await _at(log, site_id, high) is not None:
        high *= 2
    low = high // 2  # exists (or 0)
    while high - low > 1:
        mid = (low + high) // 2
        if await _at(log, site_id, mid) is not None:
            low = mid
        else:
            high = mid
    return low


async def first_at_or_after(log: EventLog, site_id: str, moment: float, head: int) -> int:
    """The first seq whose record was made at or after ``moment`` (``head + 1`` if none)."""
    low, high = 1, head + 1
    while low < high:
        mid = (low + high) // 2
        at = await _at(log, site_id, mid)
        if at is not None and at >= moment:
            high = mid
        else:
            low = mid + 1
    return low


async def read_range(log: EventLog, site_id: str, first: int, stop: int) -> list[Record]:
    """Records ``first`` <= seq < ``stop``, in order."""
    out: list[Record] = []
    after = first - 1
    while after < stop - 1:
        chunk = await log.read(site_id, after, limit=min(CHUNK, stop - 1 - after))
        if not chunk:
            break
        out.extend(chunk)
        after = chunk[-1].seq
    return out


async def records_for_days(
    log: EventLog, site_id: str, timezone: str, date_from: str, date_to: str
) -> list[Record]:
    """The records of the local days ``date_from``..``date_to``, plus any after them that
    still belong to the last one (everything up to the next ``DayStarted``)."""
    head = await head_seq(log, site_id)
    if head == 0:
        return []
    start, _ = day_bounds(date_from, timezone)
    _, end = day_bounds(date_to, timezone)
    first = await first_at_or_after(log, site_id, start, head)
    stop = await first_at_or_after(log, site_id, end, head)
    records = await read_range(log, site_id, first, stop)
    tail = await log.read(site_id, stop - 1, limit=TAIL_LIMIT)
    for record in tail:
        if any(isinstance(e, DayStarted) for e in record.events):
            break
        records.append(record)
    return records


async def figures_for(
    log: EventLog,
    config: Config,
    site_id: str,
    date_from: str,
    date_to: str,
    now: float | None = None,
) -> Figures:
    """Read the days' records and compute their figures (``now`` for a day still going on)."""
    site = config.site(site_id)
    records = await records_for_days(log, site_id, site.timezone, date_from, date_to)
    return compute(site, config.procedures, records, date_from, date_to, now)
