"""The boards' call audio: ``/speech/{site}/status`` and the WAV of each call.

``/speech/{site}/{version}/{lang}/{ticket}/{counter}.wav`` is the call of ``ticket`` to
``counter`` in ``lang``, worded as version ``version`` of the site's wording says. Its content
never changes for that address, so browsers keep it (``immutable``) and a recall plays from
the board's own cache. Only numbers are in the address and in the audio. The ticket must have
been issued today and the counter must exist, so nobody can make the server render anything
else. ``status`` tells a board the current version, which languages the server speaks and how
many times each is repeated; boards ask on every (re)connect.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from server.config.schema import Site
from server.domain.state import SiteState
from server.errors import Rejected
from server.web.access import NO_SUCH_SITE
from server.web.context import AppContext
from server.web.http_errors import error_response

AUDIO_CACHE = "public, max-age=86400, immutable"
NO_STORE = {"Cache-Control": "no-store"}


def speakable(state: SiteState, ticket: str) -> bool:
    """A ticket issued today that may be spoken: never a protected visit's own number (the
    address would confirm it exists and fill the cache with it), but its alias."""
    if ticket in state.aliases:
        return True
    visit = state.visits.get(state.tickets.get(ticket, ""))
    return visit is not None and not visit.protected


def routes(ctx: AppContext) -> list[BaseRoute]:
    """The speech status of a site and its calls' audio."""

    def site_of(request: Request) -> Site:
        site = ctx.config.sites.get(request.path_params["site"])
        if site is None:
            raise Rejected("unknown_site", NO_SUCH_SITE)
        return site

    async def status(request: Request) -> Response:
        try:
            site = site_of(request)
        except Rejected as exc:
            return error_response(exc, NO_STORE)
        return JSONResponse(ctx.speech.status(site), headers=NO_STORE)

    async def call_audio(request: Request) -> Response:
        params = request.path_params
        try:
            site = site_of(request)
            if params["version"] != ctx.speech.version(site.id):
                raise Rejected("unknown_version", "the wording has changed: ask /status again")
            lang = params["lang"]
            if lang not in ctx.speech.engines or lang not in ctx.speech.languages(site):
                raise Rejected("no_voice", f"no server voice for {lang!r}")
            ticket, counter = params["ticket"], params["counter"]
            hub_site = ctx.hub.site_hub(site.id)
            await hub_site.current()
            if not speakable(hub_site.state, ticket):
                raise Rejected("unknown_ticket", "no such ticket today")
            if not any(c.number == counter for c in site.counters):
                raise Rejected("unknown_counter", "no such counter")
            wav = await ctx.speech.call_audio(site, lang, ticket, counter)
        except Rejected as exc:
            return error_response(exc, NO_STORE)
        return Response(wav, media_type="audio/wav", headers={"Cache-Control": AUDIO_CACHE})

    return [
        Route("/speech/{site}/status", status),
        Route("/speech/{site}/{version}/{lang}/{ticket}/{counter}.wav", call_audio),
    ]


def links(ctx: AppContext, site: Site) -> list[dict[str, str]]:
    """Nothing on the landing page: the audio is the boards'."""
    return []
