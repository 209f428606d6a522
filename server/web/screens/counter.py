"""Counter panels: ``/counter/{site}``, the clerk's screen at a counter (総合受付・所管課窓口).

The clerk signs in (the shared ``/signin``) and picks the counter they sit at in the page
(``?counter=c1``; the page remembers the choice per device). The page subscribes to the
``counter`` view of the clerk's department; a supervisor may open any department's panel with
``?department=choju``. Everything else (labels, procedures, queues) comes from the catalog
endpoint and the view; the page holds no rule of its own.
"""

from __future__ import annotations

import time

from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from server.config.schema import Site
from server.web.access import signed_in
from server.web.context import AppContext
from server.web.pages import render

ROLES = ("clerk", "supervisor")


def department_for(site: Site, role: str, own: str, asked: str) -> str | None:
    """The department a panel shows: a clerk's own; a supervisor's choice (else the first).

    None when the department does not exist here, or a clerk asks for another one.
    """
    known = [d.id for d in site.departments]
    if role == "clerk":
        return own if own in known and asked in ("", own) else None
    if not asked:
        return known[0] if known else None
    return asked if asked in known else None


def routes(ctx: AppContext) -> list[BaseRoute]:
    """The counter panel page."""

    async def counter_page(request: Request) -> Response:
        site_id = request.path_params["site"]
        principal = signed_in(ctx, request, ROLES, site_id)
        assert principal.actor is not None
        site = ctx.config.site(site_id)
        actor = principal.actor
        department = department_for(
            site, actor.role, actor.department, request.query_params.get("department", "")
        )
        if department is None:
            return PlainTextResponse(
                "no such department for you here / この課の窓口パネルは開けません",
                status_code=403 if actor.role == "clerk" else 404,
            )
        counter = request.query_params.get("counter", "")
        if counter and not any(
            c.id == counter and c.department == department for c in site.counters
        ):
            # A stale bookmark: drop the counter and let the clerk choose again.
            return RedirectResponse(f"/counter/{site_id}?department={department}", status_code=303)
        staff = ctx.auth.staff[actor.id]
        response = render(
            ctx.templates,
            request,
            "counter.html",
            ctx.hub.version,
            site=site,
            department=department,
            counter=counter,
            staff=staff,
            supervisor=actor.role == "supervisor",
            now=time.time(),
        )
        response.headers["Cache-Control"] = "no-store"
        return response

    return [Route("/counter/{site}", counter_page)]


def links(ctx: AppContext, site: Site) -> list[dict[str, str]]:
    """One landing entry per site: the page asks the clerk which counter they sit at."""
    return [
        {
            "url": f"/counter/{site.id}",
            "ja": "窓口パネル（職員）",
            "en": "Counter panel (staff)",
        }
    ]
