"""The supervisor's screens: live view, city overview, daily figures (JSON, CSV, printable).

Routes (supervisors only, for the sites they are staffed at):

- ``/supervisor`` — city overview: every site of the supervisor at a glance (waiting, alerts,
  open counters), polling ``/api/supervisor/overview``;
- ``/supervisor/{site}`` — the live view: subscribes to the ``supervisor`` view over the
  shared hub client and acts with commands (open/pause/close counters, point a counter at
  other queues, move a visitor, notices on the boards, alert thresholds); its charts come from
  ``/api/sites/{site}/figures`` (today, up to now);
- ``/supervisor/{site}/report?from=YYYY-MM-DD&to=YYYY-MM-DD`` — the printable figures of a day
  or a range (server-rendered tables, charts added by the page);
- ``/supervisor/{site}/figures.csv?from=…&to=…`` — the same as CSV for Excel;
- ``/api/sites/{site}/figures?from=…&to=…`` — the figures as JSON (with the series over the
  day for a single day, and the trend for today).

Figures are computed from the event log records (``server.reports.daylog``,
``server.reports.figures``).
Today's records are kept per site and extended with new ones, so a page polling every minute
reads only what was added since.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import msgspec
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from server.config.schema import Site
from server.domain.decide import business_date
from server.domain.events import Record
from server.errors import Rejected
from server.projections.snapshot import analyse
from server.projections.supervisor import alert_threshold, site_alerts
from server.reports.daylog import records_for_days
from server.reports.figures import Figures, compute
from server.reports.figures_report import SECTIONS, parse_range, range_label, rows, to_csv, to_json
from server.security.auth import Principal
from server.web.access import signed_in, staff_member
from server.web.context import AppContext
from server.web.http_errors import error_response
from server.web.pages import render

ROLE = ("supervisor",)
NO_STORE = {"Cache-Control": "no-store"}


def csv_download(body: bytes, name: str) -> Response:
    """A CSV file to save (never cached: it holds a day of an office's work)."""
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"', **NO_STORE},
    )


class TodayRecords:
    """Each site's records of today, read once and then extended with the records after them."""

    def __init__(self) -> None:
        self._days: dict[str, tuple[str, str, list[Record]]] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def get(self, ctx: AppContext, site: Site, date: str) -> list[Record]:
        site_hub = ctx.hub.site_hub(site.id)
        async with self._locks.setdefault(site.id, asyncio.Lock()):
            cached = self._days.get(site.id)
            if cached is None or cached[:2] != (date, site_hub.epoch) or not cached[2]:
                records = await records_for_days(ctx.hub.log, site.id, site.timezone, date, date)
            else:
                records = cached[2]
                while True:
                    more = await ctx.hub.log.read(site.id, records[-1].seq)
                    if not more:
                        break
                    records = [*records, *more]
            self._days[site.id] = (date, site_hub.epoch, records)
            return records


def _dates(request: Request, site: Site) -> tuple[str, str]:
    """The ``from``/``to`` query (default: today at the site); ValueError when malformed."""
    today = business_date(time.time(), site.timezone)
    first = request.query_params.get("from") or request.query_params.get("date") or today
    return parse_range(first, request.query_params.get("to") or None)


def overview(ctx: AppContext, sites: list[str], now: float) -> dict[str, Any]:
    """Every site's queues and counters now: what the city overview shows."""
    out = []
    for site_id in sites:
        site_hub = ctx.hub.site_hub(site_id)
        site, state = site_hub.site, site_hub.state
        snap = analyse(site, state, now)
        alerts = site_alerts(site, state, snap)
        statuses = [state.counter(c.id).status for c in site.counters]
        out.append(
            {
                "id": site_id,
                "name": site.name,
                "timezone": site.timezone,
                "stale": site_hub.stale,
                "business_date": state.business_date,
                "visits_today": len(state.visits),
                "waiting": sum(f.waiting for f in snap.figures.values()),
                "counters": {s: statuses.count(s) for s in ("open", "paused", "closed")},
                "alerts": len(alerts),
                "queues": [
                    {
                        "id": q.id,
                        "series": q.series,
                        "label": q.label,
                        "waiting": snap.figures[q.id].waiting,
                        "estimated_wait": snap.figures[q.id].estimated_wait,
                        "longest_wait": snap.figures[q.id].longest_wait,
                        "open_counters": snap.figures[q.id].open_counters,
                        "alert_minutes": alert_threshold(site, state, q.id),
                        "alert": alerts.get(q.id, ""),
                    }
                    for q in site.queues
                ],
            }
        )
    return {"now": now, "sites": out}


def routes(ctx: AppContext) -> list[BaseRoute]:
    """The supervisor's pages and their JSON and CSV endpoints."""
    today_records = TodayRecords()

    async def requested_figures(request: Request, site: Site) -> tuple[str, str, Figures]:
        """The request's date range and its figures; ValueError when the dates are malformed
        (each endpoint answers that in its own format)."""
        first, last = _dates(request, site)
        return first, last, await figures_of(site, first, last)

    async def figures_of(site: Site, first: str, last: str) -> Figures:
        now = time.time()
        today = business_date(now, site.timezone)
        procedures = ctx.config.procedures
        # Folding a busy day takes tens of milliseconds: off the event loop that serves the hub.
        if first == last == today:
            records = await today_records.get(ctx, site, today)
            return await asyncio.to_thread(compute, site, procedures, records, today, today, now)
        records = await records_for_days(ctx.hub.log, site.id, site.timezone, first, last)
        return await asyncio.to_thread(compute, site, procedures, records, first, last)

    async def city_page(request: Request) -> Response:
        principal = signed_in(ctx, request, ROLE)
        sites = [ctx.config.site(s) for s in principal.sites if s in ctx.config.sites]
        return _page(request, "supervisor-city.html", sites=sites, staff=_staff(principal))

    async def live_page(request: Request) -> Response:
        site_id = request.path_params["site"]
        principal = signed_in(ctx, request, ROLE, site_id)
        return _page(
            request,
            "supervisor.html",
            site=ctx.config.site(site_id),
            staff=_staff(principal),
            other_sites=len(principal.sites) > 1,
            speech_fallback=ctx.speech.fallback_notice(ctx.config.site(site_id)),
        )

    async def report_page(request: Request) -> Response:
        site_id = request.path_params["site"]
        principal = signed_in(ctx, request, ROLE, site_id)
        site = ctx.config.site(site_id)
        try:
            first, last, figures = await requested_figures(request, site)
        except ValueError as exc:
            return PlainTextResponse(
                f"{exc} / 日付は YYYY-MM-DD で指定してください", status_code=400
            )
        grouped: dict[str, list[dict[str, Any]]] = {}
        for row in rows(figures, ctx.config, site):
            grouped.setdefault(row["section"], []).append(row)
        return _page(
            request,
            "supervisor-report.html",
            site=site,
            staff=_staff(principal),
            figures=figures,
            span=range_label(figures),
            first=first,
            last=last,
            sections=[
                (code, ja, en, grouped[code]) for code, ja, en in SECTIONS if code in grouped
            ],
            generated=time.time(),
        )

    async def figures_csv(request: Request) -> Response:
        site_id = request.path_params["site"]
        signed_in(ctx, request, ROLE, site_id)
        site = ctx.config.site(site_id)
        try:
            _, _, figures = await requested_figures(request, site)
        except ValueError as exc:
            return PlainTextResponse(str(exc), status_code=400)
        name = f"madoguchi-{site.id}-{range_label(figures).replace('/', '_')}.csv"
        return csv_download(to_csv(figures, ctx.config, site), name)

    async def figures_json(request: Request) -> Response:
        site_id = request.path_params["site"]
        staff_member(ctx, request, ROLE, site_id)
        site = ctx.config.site(site_id)
        try:
            _, _, figures = await requested_figures(request, site)
        except ValueError as exc:
            return error_response(Rejected("invalid", str(exc)))
        return Response(to_json(figures), media_type="application/json", headers=NO_STORE)

    async def overview_json(request: Request) -> Response:
        principal = staff_member(ctx, request, ROLE)
        sites = [s for s in principal.sites if s in ctx.config.sites]
        for site_id in sites:
            await ctx.hub.site_hub(site_id).current()
        body = msgspec.json.encode(overview(ctx, sites, time.time()))
        return Response(body, media_type="application/json", headers=NO_STORE)

    def _page(request: Request, name: str, **context: Any) -> Response:
        response = render(ctx.templates, request, name, ctx.hub.version, now=time.time(), **context)
        response.headers["Cache-Control"] = "no-store"
        return response

    def _staff(principal: Principal) -> Any:
        assert principal.actor is not None
        return ctx.auth.staff[principal.actor.id]

    return [
        Route("/supervisor", city_page),
        Route("/supervisor/{site}", live_page),
        Route("/supervisor/{site}/report", report_page),
        Route("/supervisor/{site}/figures.csv", figures_csv),
        Route("/api/sites/{site}/figures", figures_json),
        Route("/api/supervisor/overview", overview_json),
    ]


def links(ctx: AppContext, site: Site) -> list[dict[str, str]]:
    """The live view and the figures of each site, and the city overview."""
    return [
        {
            "url": f"/supervisor/{site.id}",
            "ja": "管理者ビュー（監督者）",
            "en": "Supervisor live view",
        },
        {"url": f"/supervisor/{site.id}/report", "ja": "日報・集計", "en": "Daily figures"},
        {"url": "/supervisor", "ja": "全庁舎の概況", "en": "City overview"},
    ]
