"""The public congestion page (混雑状況) and its open data: anyone, no sign-in, numbers only.

Routes:

- ``/congestion`` — every site of the city; ``/congestion/{site}`` — one site. Rendered on
  the server (works without JavaScript), cache-friendly (``ETag`` from the sites' log
  positions, ``Cache-Control: public, max-age``) and, with JavaScript, kept live over the
  shared hub client's ``public`` view (per line: waiting, open counters, estimated wait, band);
- ``/open-data/{site}/now.json`` — the same figures as JSON;
- ``/open-data/{site}/hourly.json`` and ``hourly.csv`` ``?from=&to=`` — hourly figures per
  line from the event log (``server.reports.hourly``; format in ``docs/open-data.md``).

Nothing here ever names a visitor or a ticket: counts per line only.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

import msgspec
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from server.config.schema import Site
from server.domain.decide import business_date
from server.errors import Rejected
from server.projections.public import public
from server.projections.snapshot import analyse
from server.reports.figures_report import parse_range
from server.reports.forecast import Forecast, quiet_hours
from server.reports.history import dates
from server.reports.hourly import to_csv
from server.web.access import NO_SUCH_SITE
from server.web.context import AppContext
from server.web.http_errors import error_response
from server.web.pages import render

# Live figures: a proxy may serve a page this old; the page's JavaScript is live anyway.
LIVE_MAX_AGE = 15
PAST_MAX_AGE = 3600
MAX_OPEN_DATA_DAYS = 92


def site_figures(ctx: AppContext, site: Site) -> dict[str, Any]:
    """A site's public figures now: the ``public`` view's entities, as the page renders them."""
    site_hub = ctx.hub.site_hub(site.id)
    now = site_hub.clock()
    entities = public(site, analyse(site, site_hub.state, now))
    return {
        "site": entities["site"][site.id],
        "queues": entities["queues"],
        "at": now,
        "as_of": dt.datetime.fromtimestamp(now, ZoneInfo(site.timezone)).strftime("%H:%M"),
        "date": business_date(now, site.timezone),
    }


WEEKDAYS = "月火水木金土日"
QUIET_DAYS = 5


def quiet_table(site: Site, forecast: Forecast) -> dict[str, Any] | None:
    """「空いている時間帯」: for the next open days, each line's usually quietest hours
    (None without any history to learn from)."""
    if not forecast.history_from:
        return None
    days = [d for d in forecast.days if d.open][:QUIET_DAYS]
    header = []
    for day in days:
        date = dt.date.fromisoformat(day.date)
        header.append(
            {"date": day.date, "label": f"{date.month}/{date.day}({WEEKDAYS[date.weekday()]})"}
        )
    lines = [
        {
            "id": q.id,
            "series": q.series,
            "label": q.label,
            "cells": ["・".join(f"{h}時台" for h in quiet_hours(day, q.id)) for day in days],
        }
        for q in site.queues
    ]
    return {"days": header, "lines": lines}


def _etag(parts: list[str]) -> str:
    return '"' + hashlib.sha256("|".join(parts).encode()).hexdigest()[:20] + '"'


def cached(
    request: Request, parts: list[str], max_age: int, make: Callable[[], Response]
) -> Response:
    """``304 Not Modified`` when the client holds this version, else the response with its
    ``ETag`` and a public ``Cache-Control``."""
    etag = _etag(parts)
    headers = {"ETag": etag, "Cache-Control": f"public, max-age={max_age}"}
    if etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    response = make()
    response.headers.update(headers)
    return response


def routes(ctx: AppContext) -> list[BaseRoute]:
    """The public pages and the open data."""
    hourly_cache = ctx.history

    def live_parts(sites: list[Site]) -> list[str]:
        parts = [ctx.hub.version]
        for site in sites:
            site_hub = ctx.hub.site_hub(site.id)
            parts += [
                site.id,
                site_hub.epoch,
                str(site_hub.state.seq),
                business_date(site_hub.clock(), site.timezone),
            ]
        return parts

    async def page(request: Request, sites: list[Site]) -> Response:
        for site in sites:
            await ctx.hub.site_hub(site.id).current()
        quiet = {}
        if len(sites) == 1:
            forecast = await ctx.history.forecast(ctx.hub, sites[0], ctx.config.calendar)
            quiet[sites[0].id] = quiet_table(sites[0], forecast)

        def make() -> Response:
            return render(
                ctx.templates,
                request,
                "congestion.html",
                ctx.hub.version,
                sites=[
                    (site, {**site_figures(ctx, site), "quiet": quiet.get(site.id)})
                    for site in sites
                ],
                city=len(sites) > 1,
            )

        return cached(request, live_parts(sites), LIVE_MAX_AGE, make)

    async def city_page(request: Request) -> Response:
        return await page(request, list(ctx.config.sites.values()))

    async def site_page(request: Request) -> Response:
        site = ctx.config.sites.get(request.path_params["site"])
        if site is None:
            return PlainTextResponse(NO_SUCH_SITE, status_code=404)
        return await page(request, [site])

    async def now_json(request: Request) -> Response:
        site = ctx.config.sites.get(request.path_params["site"])
        if site is None:
            return error_response(Rejected("unknown_site"))
        await ctx.hub.site_hub(site.id).current()
        return cached(
            request,
            live_parts([site]),
            LIVE_MAX_AGE,
            lambda: Response(
                msgspec.json.encode(site_figures(ctx, site)), media_type="application/json"
            ),
        )

    async def hourly_data(request: Request) -> Response:
        site = ctx.config.sites.get(request.path_params["site"])
        fmt = request.path_params["fmt"]
        if site is None or fmt not in ("json", "csv"):
            return error_response(Rejected("unknown_site"))
        site_hub = ctx.hub.site_hub(site.id)
        today = business_date(site_hub.clock(), site.timezone)
        try:
            first, last = parse_range(
                request.query_params.get("from") or today, request.query_params.get("to")
            )
            if len(dates(first, last)) > MAX_OPEN_DATA_DAYS:
                raise ValueError(f"at most {MAX_OPEN_DATA_DAYS} days at a time")
        except ValueError as exc:
            return error_response(Rejected("invalid", str(exc)))
        await site_hub.current()
        rows = await hourly_cache.rows(ctx.hub, site, first, last)
        past = last < today
        parts = [site.id, site_hub.epoch, first, last, fmt] + (
            [] if past else [str(site_hub.state.seq)]
        )

        def make() -> Response:
            name = f"madoguchi-{site.id}-hourly-{first}_{last}"
            if fmt == "csv":
                return Response(
                    to_csv(rows),
                    media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
                )
            body = {"site": site.id, "from": first, "to": last, "rows": rows}
            return Response(msgspec.json.encode(body), media_type="application/json")

        return cached(request, parts, PAST_MAX_AGE if past else LIVE_MAX_AGE, make)

    async def forecast_json(request: Request) -> Response:
        site = ctx.config.sites.get(request.path_params["site"])
        if site is None:
            return error_response(Rejected("unknown_site"))
        forecast = await ctx.history.forecast(ctx.hub, site, ctx.config.calendar)
        body = {
            "site": site.id,
            "made_on": forecast.made_on,
            "history_from": forecast.history_from,
            "history_to": forecast.history_to,
            "days": forecast.days,
        }
        return cached(
            request,
            [site.id, ctx.hub.site_hub(site.id).epoch, forecast.made_on],
            PAST_MAX_AGE,
            lambda: Response(msgspec.json.encode(body), media_type="application/json"),
        )

    return [
        Route("/congestion", city_page),
        Route("/open-data/{site}/forecast.json", forecast_json),
        Route("/congestion/{site}", site_page),
        Route("/open-data/{site}/now.json", now_json),
        Route("/open-data/{site}/hourly.{fmt:str}", hourly_data),
    ]


def links(ctx: AppContext, site: Site) -> list[dict[str, str]]:
    """The site's public congestion page and its open data."""
    return [
        {"url": f"/congestion/{site.id}", "ja": "混雑状況（公開）", "en": "Congestion (public)"},
        {
            "url": f"/open-data/{site.id}/hourly.csv",
            "ja": "オープンデータ：時間帯別の待ち状況（CSV）",
            "en": "Open data: hourly figures (CSV)",
        },
    ]
