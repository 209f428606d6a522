"""The office's past as the public page, the guide and the supervisor use it: hourly figures
per line read from the event log (``server.reports.hourly``) and the forecast learnt from them
(``server.reports.forecast``), kept per site and log incarnation.

A past day never changes, so its rows are read once; today's are read again on each request.
The forecast is learnt once per site and day (a year of history takes seconds to fold: the
first caller waits, everyone else gets it at once).
"""

from __future__ import annotations

import asyncio
import datetime as dt

from server.config.schema import Calendar, Site
from server.domain.decide import business_date
from server.live.hub import Hub
from server.reports.daylog import records_for_days
from server.reports.forecast import Forecast, learn
from server.reports.hourly import HourRow, hourly, service_seconds

HISTORY_DAYS = 365
SERVICE_DAYS = 28


def dates(first: str, last: str) -> list[str]:
    """Every calendar day ``first``..``last`` (inclusive), ISO."""
    start, end = dt.date.fromisoformat(first), dt.date.fromisoformat(last)
    return [(start + dt.timedelta(days=i)).isoformat() for i in range((end - start).days + 1)]


def open_hours(site: Site) -> range:
    """The local hours the office is open in (08:30–17:15: 8 to 17)."""
    return range(int(site.hours.open[:2]), int(site.hours.close[:2]) + 1)


class History:
    """Hourly rows of each site's days, and each site's forecast of the day."""

    def __init__(self) -> None:
        self._days: dict[tuple[str, str, str], list[HourRow]] = {}
        self._forecasts: dict[tuple[str, str, str], Forecast] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._service: dict[tuple[str, str, str], dict[str, list[float]]] = {}

    async def rows(self, hub: Hub, site: Site, first: str, last: str) -> list[HourRow]:
        """The hourly rows of the days ``first``..``last``, in day, hour, line order."""
        by_day = await self.days(hub, site, first, last)
        return [row for d in dates(first, last) for row in by_day.get(d, [])]

    async def days(self, hub: Hub, site: Site, first: str, last: str) -> dict[str, list[HourRow]]:
        site_hub = hub.site_hub(site.id)
        today = business_date(site_hub.clock(), site.timezone)
        wanted = dates(first, last)
        key = (site.id, site_hub.epoch)
        missing = [d for d in wanted if d >= today or (*key, d) not in self._days]
        if missing:
            records = await records_for_days(
                hub.log, site.id, site.timezone, missing[0], missing[-1]
            )
            found = await asyncio.to_thread(hourly, site, records, missing[0], missing[-1])
            for date in missing:
                self._days[(*key, date)] = found.get(date, [])
        return {d: self._days[(*key, d)] for d in wanted if self._days.get((*key, d))}

    async def forecast(self, hub: Hub, site: Site, calendar: Calendar) -> Forecast:
        """The next 14 days from today, learnt from the last ``HISTORY_DAYS`` days."""
        site_hub = hub.site_hub(site.id)
        today = business_date(site_hub.clock(), site.timezone)
        key = (site.id, site_hub.epoch, today)
        async with self._locks.setdefault(site.id, asyncio.Lock()):
            if key not in self._forecasts:
                end = dt.date.fromisoformat(today) - dt.timedelta(days=1)
                start = end - dt.timedelta(days=HISTORY_DAYS - 1)
                past = await self.days(hub, site, start.isoformat(), end.isoformat())
                lines = [q.id for q in site.queues]
                self._forecasts = {k: v for k, v in self._forecasts.items() if k[0] != site.id}
                self._forecasts[key] = await asyncio.to_thread(
                    learn, calendar, lines, open_hours(site), past, today
                )
            return self._forecasts[key]

    async def service(self, hub: Hub, site: Site) -> dict[str, list[float]]:
        """Each line's service times (seconds) over the last ``SERVICE_DAYS`` days."""
        site_hub = hub.site_hub(site.id)
        today = business_date(site_hub.clock(), site.timezone)
        key = (site.id, site_hub.epoch, today)
        if key not in self._service:
            end = dt.date.fromisoformat(today) - dt.timedelta(days=1)
            first = (end - dt.timedelta(days=SERVICE_DAYS - 1)).isoformat()
            records = await records_for_days(
                hub.log, site.id, site.timezone, first, end.isoformat()
            )
            self._service = {k: v for k, v in self._service.items() if k[0] != site.id}
            self._service[key] = await asyncio.to_thread(
                service_seconds, site, records, first, end.isoformat()
            )
        return self._service[key]
