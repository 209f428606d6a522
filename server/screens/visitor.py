"""The visitor's own status page: ``/visit/{site}/{token}``, opened from the ticket's QR code.

No sign-in: the unguessable token in the address is the key, and it opens only the
``visitor`` view of that one visit (own number, position, wait, where to go, itinerary).
An unknown or expired token is answered on the WebSocket with ``unknown_visit``, and the
page says the link has expired. Tokens are kept out of caches and referrers.
"""

from __future__ import annotations

import re

import msgspec
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from server.config import Site
from server.context import AppContext
from server.pages import render

# Tokens are made by secrets.token_urlsafe(16); anything else cannot be one.
TOKEN = re.compile(r"[A-Za-z0-9_-]{8,64}\Z")


def visitor_url(site_id: str, token: str) -> str:
    """The address printed as a QR code on the visitor's ticket."""
    return f"/visit/{site_id}/{token}"


def routes(ctx: AppContext) -> list[BaseRoute]:
    """The visitor status page."""

    async def visitor_page(request: Request) -> Response:
        site = ctx.config.sites.get(request.path_params["site"])
        token = request.path_params["token"]
        if site is None:
            return PlainTextResponse("no such site / 該当する庁舎がありません", status_code=404)
        response = render(
            ctx.templates,
            request,
            "visitor.html",
            ctx.hub.version,
            site=site,
            site_name=msgspec.to_builtins(site.name),
            token=token if TOKEN.match(token) else "",
        )
        response.headers["Cache-Control"] = "no-store"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["X-Robots-Tag"] = "noindex"
        return response

    return [Route("/visit/{site}/{token}", visitor_page)]


def links(ctx: AppContext, site: Site) -> list[dict[str, str]]:
    """None: each visitor page is reached only through its own ticket's link."""
    return []
