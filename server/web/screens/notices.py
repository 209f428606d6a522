"""The visitor page's notices: subscribe, choose when to be told, test, unsubscribe.

No sign-in, like the page itself: the unguessable ticket token in the address is the key, and
it reaches only that visit's own subscription. Writes pass the same-origin check every POST
does. The service worker (``/visit/sw.js``) is served from ``/visit/`` so its scope covers the
visitor pages and nothing else.
"""

from __future__ import annotations

from typing import Any

import msgspec
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Route

from server.config.schema import Site
from server.errors import Rejected
from server.notify.triggers import Choices
from server.settings import ROOT
from server.web.context import AppContext
from server.web.http_errors import error_response
from server.web.screens.guide import APP_LOOK, NO_STORE
from server.web.screens.visitor import TOKEN, own_visit, visitor_path

MAX_BODY = 8192
WORKER = ROOT / "handhelds" / "visitor-sw.js"


class Subscribe(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    contact: dict[str, Any]
    choices: Choices = Choices()
    lang: str = "ja"
    channel: str = "webpush"


def routes(ctx: AppContext) -> list[BaseRoute]:
    notices = ctx.notices

    async def worker(request: Request) -> Response:
        # Browsers check a service worker for updates at least daily; no-cache makes them
        # take a new version at once.
        return FileResponse(
            WORKER,
            media_type="text/javascript",
            headers={"Cache-Control": "no-cache", "Service-Worker-Allowed": "/visit/"},
        )

    async def manifest(request: Request) -> Response:
        """The visitor page as a Home Screen web app (iOS delivers web push only to one),
        opening this ticket's page."""
        site = ctx.config.sites.get(request.path_params["site"])
        token = request.path_params["token"]
        if site is None or not TOKEN.match(token):
            return error_response(Rejected("unknown_visit"))
        return JSONResponse(web_manifest(site, token), media_type="application/manifest+json",
                            headers=NO_STORE)  # fmt: skip

    async def key(request: Request) -> Response:
        channels = sorted(notices.notifiers) if notices is not None else []
        public = notices.public_key if notices is not None else ""
        return JSONResponse({"key": public, "channels": channels}, headers=NO_STORE)

    async def visit_of(request: Request) -> tuple[Any, Any]:
        site: Site | None = ctx.config.sites.get(request.path_params["site"])
        if site is None or notices is None:
            raise Rejected("unknown_visit")
        visit = await own_visit(ctx, site.id, request.path_params["token"])
        if visit is None:
            raise Rejected("unknown_visit")
        return ctx.hub.site_hub(site.id), visit

    async def subscribe(request: Request) -> Response:
        try:
            site, visit = await visit_of(request)
            assert notices is not None
            if request.method == "DELETE":
                await notices.unsubscribe(site.site.id, visit.id)
                return JSONResponse({"ok": True, "subscribed": False}, headers=NO_STORE)
            body = await request.body()
            if len(body) > MAX_BODY:
                raise Rejected("invalid", "too large")
            try:
                form = msgspec.json.decode(body, type=Subscribe)
            except msgspec.DecodeError as exc:
                raise Rejected("invalid", str(exc)) from None
            await notices.subscribe(site, visit, form.channel, form.contact, form.choices,
                                    form.lang)  # fmt: skip
        except Rejected as exc:
            return error_response(exc, NO_STORE)
        return JSONResponse({"ok": True, "subscribed": True}, headers=NO_STORE)

    async def test(request: Request) -> Response:
        try:
            site, visit = await visit_of(request)
            assert notices is not None
            queued = await notices.test(site, visit)
        except Rejected as exc:
            return error_response(exc, NO_STORE)
        return JSONResponse({"ok": queued, "subscribed": queued}, headers=NO_STORE)

    return [
        Route("/visit/sw.js", worker),
        Route("/visit/notices.json", key),
        Route("/visit/{site}/{token}/manifest.webmanifest", manifest),
        Route("/visit/{site}/{token}/notices", subscribe, methods=["POST", "DELETE"]),
        Route("/visit/{site}/{token}/notices/test", test, methods=["POST"]),
    ]


def web_manifest(site: Site, token: str) -> dict[str, Any]:
    """Standalone, scoped to the visitor pages, starting at this ticket's own page."""
    page = visitor_path(site.id, token)
    return {
        "name": f"{site.name.ja} 番号札 / {site.name.en} ticket",
        "short_name": "番号札",
        "id": page,
        "start_url": page,
        "scope": "/visit/",
        **APP_LOOK,
    }


def links(ctx: AppContext, site: Site) -> list[dict[str, str]]:
    """None: reached from the visitor's own page only."""
    return []
