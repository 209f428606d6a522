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

from server.config.schema import Config, Site
from server.domain.state import Visit
from server.web.access import NO_SUCH_SITE
from server.web.context import AppContext
from server.web.pages import render

BOARD_PREFIX = "board_"

# Tokens are made by secrets.token_urlsafe(16); anything else cannot be one.
TOKEN = re.compile(r"[A-Za-z0-9_-]{8,64}\Z")


def visitor_path(site_id: str, token: str) -> str:
    """The page's path (the visitor's ticket carries it, on the public origin, as a QR code)."""
    return f"/visit/{site_id}/{token}"


def visitor_texts(config: Config) -> tuple[list[dict[str, str]], dict[str, dict[str, str]]]:
    """The language menu and the visitor page's wording in each language of the menu.

    Languages that borrow another's words (sign language reads Japanese) are not in the menu.
    """
    texts = config.texts
    offered = [
        lang
        for lang in config.life_events.languages
        if lang in texts.languages and not texts.languages[lang].texts
    ]
    tables = {
        lang: {k: v for k, v in texts.table(lang).items() if not k.startswith(BOARD_PREFIX)}
        for lang in offered
    }
    return texts.menu(offered), tables


async def own_visit(ctx: AppContext, site_id: str, token: str) -> Visit | None:
    """Today's visit whose link carries ``token``, or None."""
    if not TOKEN.match(token):
        return None
    site_hub = ctx.hub.site_hub(site_id)
    await site_hub.current()
    return next((v for v in site_hub.state.visits.values() if v.token == token), None)


def routes(ctx: AppContext) -> list[BaseRoute]:
    """The visitor status page."""
    menu, tables = visitor_texts(ctx.config)
    texts = ctx.config.texts

    async def visitor_page(request: Request) -> Response:
        site = ctx.config.sites.get(request.path_params["site"])
        token = request.path_params["token"]
        if site is None:
            return PlainTextResponse(NO_SUCH_SITE, status_code=404)
        visit = await own_visit(ctx, site.id, token)
        # The page opens in the language the guide noted at intake (before any script runs).
        intake = visit.intake if visit is not None else None
        lang = texts.words(intake.language) if intake is not None else "ja"
        interpreter = intake.interpreter if intake is not None else ""
        response = render(
            ctx.templates,
            request,
            "visitor.html",
            ctx.hub.version,
            site=site,
            site_name=msgspec.to_builtins(site.name),
            token=token if TOKEN.match(token) else "",
            lang=lang if lang in tables else "en",
            tag=texts.tag(lang),
            words=tables.get(lang, tables["en"]),
            texts=tables,
            menu=menu,
            interpreter=interpreter,
            interpreter_name=(
                texts.languages[interpreter].name if interpreter in texts.languages else ""
            ),
            hours=f"{site.hours.open}–{site.hours.close}",
            # Notices are offered where this deployment sends Web Push (docs/notifications.md).
            push=ctx.notices is not None and "webpush" in ctx.notices.notifiers,
        )
        response.headers["Cache-Control"] = "no-store"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["X-Robots-Tag"] = "noindex"
        return response

    return [Route("/visit/{site}/{token}", visitor_page)]


def links(ctx: AppContext, site: Site) -> list[dict[str, str]]:
    """None: each visitor page is reached only through its own ticket's link."""
    return []
