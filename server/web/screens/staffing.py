"""The supervisor's staffing plan: ``/supervisor/{site}/staffing?date=YYYY-MM-DD`` (and
``/api/sites/{site}/staffing`` as JSON).

For a day of the forecast (default: the next open day after today), each line's counters
hour by hour to keep the expected wait under the line's target (``alert_minutes``), from the
forecast arrivals and the service times measured over the last four weeks
(``server.reports.staffing``), each line's day checked by a simulation
(``server.reports.queue_sim``); and, for today, what opening each closed counter now would do
to its lines' waits. Supervisors of the site only.
"""

from __future__ import annotations

import asyncio
from typing import Any

import msgspec
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from server.config.schema import Site
from server.domain.decide import business_date
from server.errors import PageRefused, Rejected
from server.projections.snapshot import analyse
from server.reports.forecast import Forecast
from server.reports.history import open_hours
from server.reports.queue_sim import lognormal, simulate_days
from server.reports.staffing import LinePlan, Service, plan_line, what_if_open
from server.web.access import signed_in
from server.web.context import AppContext
from server.web.http_errors import error_response
from server.web.pages import render

ROLE = ("supervisor",)
SIM_DAYS = 40


def staffing_plan(
    site: Site, forecast: Forecast, date: str, measured: dict[str, list[float]]
) -> dict[str, Any]:
    """The plan of one forecast day: per line its hours, and the simulated check."""
    day = next(d for d in forecast.days if d.date == date)
    lines: list[dict[str, Any]] = []
    for line in day.lines:
        queue = site.queue(line.line)
        service = Service.measured(measured.get(line.line, []), queue.minutes)
        available = sum(1 for c in site.counters if line.line in c.queues)
        plan: LinePlan = plan_line(
            line.line, queue.alert_minutes, service, available, line.arrivals
        )
        counters = {h.hour: h.counters for h in plan.hours}
        simulated = None
        if any(line.arrivals.values()):
            result = simulate_days(
                line.arrivals,
                counters,
                lognormal(service.minutes, service.cv2),
                SIM_DAYS,
                seed=len(date),
            )
            simulated = round(result.mean(), 1)
        lines.append(
            {
                "plan": plan,
                "label": queue.label,
                "series": queue.series,
                "measured": len(measured.get(line.line, [])),
                "simulated_wait": simulated,
                "peak": max(counters.values(), default=0),
            }
        )
    return {"date": date, "open": day.open, "lines": lines}


def busy_hours(plan: dict[str, Any], hours: range) -> list[int]:
    """The office hours anyone is expected in (a whole-day office shows its working day)."""
    busy = {h.hour for line in plan["lines"] for h in line["plan"].hours if h.arrivals > 0}
    return [h for h in hours if h in busy] or list(hours)


def routes(ctx: AppContext) -> list[BaseRoute]:
    """The staffing page and its JSON."""

    async def plan_for(request: Request, site: Site) -> tuple[Forecast, dict[str, Any]] | str:
        forecast = await ctx.history.forecast(ctx.hub, site, ctx.config.calendar)
        dates = [d.date for d in forecast.days]
        today = business_date(ctx.hub.site_hub(site.id).clock(), site.timezone)
        default = next((d.date for d in forecast.days if d.open and d.date > today), dates[-1])
        date = request.query_params.get("date") or default
        if date not in dates:
            return (
                f"the forecast covers {dates[0]} to {dates[-1]} / 予測は{dates[0]}〜{dates[-1]}です"
            )
        measured = await ctx.history.service(ctx.hub, site)
        plan = await asyncio.to_thread(staffing_plan, site, forecast, date, measured)
        return forecast, plan

    def what_if(site: Site) -> list[dict[str, Any]]:
        site_hub = ctx.hub.site_hub(site.id)
        snap = analyse(site, site_hub.state, site_hub.clock())
        return [
            {"counter": c, "status": site_hub.state.counter(c.id).status, "lines": lines}
            for c in site.counters
            if site_hub.state.counter(c.id).status != "open"
            and (lines := what_if_open(site, site_hub.state, snap.figures, c.id))
        ]

    async def page(request: Request) -> Response:
        site_id = request.path_params["site"]
        signed_in(ctx, request, ROLE, site_id)
        site = ctx.config.site(site_id)
        found = await plan_for(request, site)
        if isinstance(found, str):
            return PlainTextResponse(found, status_code=400)
        forecast, plan = found
        await ctx.hub.site_hub(site_id).current()
        response = render(
            ctx.templates,
            request,
            "supervisor-staffing.html",
            ctx.hub.version,
            site=site,
            forecast=forecast,
            plan=plan,
            hours=busy_hours(plan, open_hours(site)),
            what_if=what_if(site),
            queues={q.id: q for q in site.queues},
        )
        response.headers["Cache-Control"] = "no-store"
        return response

    async def as_json(request: Request) -> Response:
        site_id = request.path_params["site"]
        try:
            signed_in(ctx, request, ROLE, site_id)
        except PageRefused:
            # This endpoint has always answered every refusal (no such site, not signed in,
            # not a supervisor here) with 403.
            raise Rejected("forbidden") from None
        site = ctx.config.site(site_id)
        found = await plan_for(request, site)
        if isinstance(found, str):
            return error_response(Rejected("invalid", found))
        _, plan = found
        body = {**plan, "what_if": what_if(site)}
        return Response(msgspec.json.encode(body), media_type="application/json")

    return [
        Route("/supervisor/{site}/staffing", page),
        Route("/api/sites/{site}/staffing", as_json),
    ]


def links(ctx: AppContext, site: Site) -> list[dict[str, str]]:
    """The staffing plan of each site."""
    return [
        {
            "url": f"/supervisor/{site.id}/staffing",
            "ja": "人員配置の試算（予測）",
            "en": "Staffing plan (forecast)",
        }
    ]
