"""The audit trail for supervisors: ``/api/sites/{site}/audit`` (JSON) and
``/supervisor/{site}/audit.csv`` (CSV for Excel), for ``?from=…&to=…`` (default today), with
optional ``&visit=`` (id or ticket number) and ``&staff=`` filters. See ``server.security.audit``.
Only supervisors of the site may read it; it holds no personal text.
"""

from __future__ import annotations

import asyncio

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from server.config.schema import Site
from server.errors import Rejected
from server.reports.csv_cells import excel_csv
from server.reports.daylog import read_range, records_for_days
from server.reports.figures import day_bounds
from server.security.audit import HEADER, AuditRow, audit_rows, matches
from server.security.sessions import SECURITY_LOG
from server.web.access import staff_member
from server.web.context import AppContext
from server.web.http_errors import error_response
from server.web.screens.supervisor import NO_STORE, ROLE, _dates, csv_download


async def trail(ctx: AppContext, request: Request, site: Site) -> list[AuditRow]:
    """The rows the request asks for; ValueError for malformed dates."""
    first, last = _dates(request, site)
    start, _ = day_bounds(first, site.timezone)
    _, end = day_bounds(last, site.timezone)
    log = ctx.hub.log
    site_records = await records_for_days(log, site.id, site.timezone, first, last)
    security = await read_range(log, SECURITY_LOG, 1, ctx.sessions.seq + 1)
    staff = {s.id for s in ctx.config.accounts.staff if site.id in s.sites}
    rows = await asyncio.to_thread(
        audit_rows, site.id, site.timezone, site_records, security, start, end, staff
    )
    visit = request.query_params.get("visit", "")
    who = request.query_params.get("staff", "")
    return [row for row in rows if matches(row, visit, who)]


def routes(ctx: AppContext) -> list[BaseRoute]:
    """The JSON and CSV endpoints of the audit trail."""

    async def audit_json(request: Request) -> Response:
        site_id = request.path_params["site"]
        staff_member(ctx, request, ROLE, site_id)
        try:
            rows = await trail(ctx, request, ctx.config.site(site_id))
        except ValueError as exc:
            return error_response(Rejected("invalid", str(exc)))
        return JSONResponse({"rows": [r.cells() for r in rows], "header": HEADER}, headers=NO_STORE)

    async def audit_csv(request: Request) -> Response:
        site_id = request.path_params["site"]
        staff_member(ctx, request, ROLE, site_id)
        site = ctx.config.site(site_id)
        try:
            rows = await trail(ctx, request, site)
        except ValueError as exc:
            return PlainTextResponse(str(exc), status_code=400)
        first, last = _dates(request, site)
        name = f"madoguchi-audit-{site.id}-{first}_{last}.csv"
        return csv_download(excel_csv(HEADER, (r.cells() for r in rows)), name)

    return [
        Route("/api/sites/{site}/audit", audit_json),
        Route("/supervisor/{site}/audit.csv", audit_csv),
    ]


def links(ctx: AppContext, site: Site) -> list[dict[str, str]]:
    """None of its own: the supervisor's report page links to the CSV."""
    return []
