"""The front door: the landing page, one click from every screen of every site, and the
shared sign-in page."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from server.web.context import AppContext
from server.web.pages import render
from server.web.redirects import safe_next
from server.web.screens import SCREENS


def routes(ctx: AppContext) -> list[BaseRoute]:
    """``/`` and ``/signin``."""
    config = ctx.config

    async def landing(request: Request) -> Response:
        links = {
            site.id: [link for module in SCREENS for link in module.links(ctx, site)]
            for site in config.sites.values()
        }
        return ctx.templates.TemplateResponse(
            request,
            "landing.html",
            {"sites": list(config.sites.values()), "screens": links, "demo": config.deployment},
        )

    async def signin(request: Request) -> Response:
        return render(
            ctx.templates,
            request,
            "signin.html",
            ctx.hub.version,
            next=safe_next(request.query_params.get("next")),
            staff_id=request.query_params.get("id", ""),
        )

    return [Route("/", landing), Route("/signin", signin)]
