"""The self-service slip: ``/self-service/{site}/{route}?lang=vi&p=jumin_hyo,kazei_shomei``.

Handed to a visitor whom the intake sends to a convenience store or online instead of the
queue: where to go, what to bring, the steps at the machine, hours and fees, all from the
route in ``config/procedures.toml`` and worded in the visitor's language. It carries no
personal data (only a route, procedure ids and a language), so it needs no sign-in; the page
shows a QR code of its own address so the visitor can keep it on their phone, and
``?print=1`` prints it.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from server.config.schema import Config, Site
from server.errors import PageRefused
from server.web.access import NO_SUCH_SITE
from server.web.context import AppContext
from server.web.pages import render
from server.web.screens.guide import qr_svg, qr_svg_file


def slip_path(site_id: str, route: str, lang: str, procedures: list[str]) -> str:
    """The slip's address (the guide app links to it; its QR code encodes it)."""
    query = urlencode({"lang": lang, "p": ",".join(procedures)})
    return f"/self-service/{site_id}/{route}?{query}"


def slip_context(
    config: Config, site: Site, route_id: str, lang: str, wanted: list[str]
) -> dict[str, Any]:
    """What the slip shows, in ``lang`` (English where config has no such translation)."""
    texts = config.texts
    route = config.procedures.self_service[route_id]
    procs = config.procedures.procedures
    # Only procedures this route serves, and never a sensitive one by name.
    chosen = [
        p
        for p in dict.fromkeys(wanted)
        if p in procs and procs[p].self_service == route_id and not procs[p].sensitive
    ]
    words = texts.words(lang)
    return {
        "site": site,
        "route": route,
        "route_id": route_id,
        "lang": lang,
        "words_lang": words,
        "tag": texts.tag(lang),
        "words": texts.table(lang),
        "menu": texts.menu(
            [code for code, language in texts.languages.items() if not language.texts]
        ),
        "procedures": [
            {
                "id": p,
                "name": procs[p].name.get(words),
                "fee": route.fees.get(p),
            }
            for p in chosen
        ],
        "where": route.where.get(words) if route.where else "",
        "bring": [item.get(words) for item in route.bring],
        "how": [item.get(words) for item in route.how],
        "hours_note": route.hours_note.get(words) if route.hours_note else "",
        "path": slip_path(site.id, route_id, lang, chosen),
    }


def routes(ctx: AppContext) -> list[BaseRoute]:
    """The slip page and its QR code."""
    config = ctx.config

    def parse(request: Request) -> tuple[Site, str, str, list[str]]:
        """The slip a request asks for; PageRefused (404) for an unknown site or route."""
        site = config.sites.get(request.path_params["site"])
        route = request.path_params["route"]
        if site is None:
            raise PageRefused(404, NO_SUCH_SITE)
        if route not in config.procedures.self_service:
            raise PageRefused(404, "no such route / 該当する案内がありません")
        lang = request.query_params.get("lang", "ja")
        lang = lang if lang in config.texts.languages else "ja"
        wanted = [p for p in request.query_params.get("p", "").split(",") if p][:20]
        return site, route, lang, wanted

    async def slip(request: Request) -> Response:
        site, route, lang, wanted = parse(request)
        context = slip_context(config, site, route, lang, wanted)
        url = str(request.base_url).rstrip("/") + context["path"]
        return render(
            ctx.templates,
            request,
            "selfservice.html",
            ctx.hub.version,
            print=request.query_params.get("print") == "1",
            qr=qr_svg(url, scale=4),
            **context,
        )

    async def qr(request: Request) -> Response:
        site, route, lang, wanted = parse(request)
        path = slip_context(config, site, route, lang, wanted)["path"]
        svg = qr_svg_file(str(request.base_url).rstrip("/") + path)
        return Response(svg, media_type="image/svg+xml")

    return [
        Route("/self-service/{site}/{route}", slip),
        Route("/self-service/{site}/{route}/qr.svg", qr),
    ]


def links(ctx: AppContext, site: Site) -> list[dict[str, str]]:
    """None: a slip is reached from the guide's intake (or its QR code)."""
    return []
