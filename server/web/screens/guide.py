"""The floor guide's phone app: ``/guide/{site}``, its printable ticket and the ticket's QR code.

Routes:

- ``/guide`` — start page: goes on to the site and guide remembered on this phone;
- ``/guide/{site}`` — the app (guides and supervisors): intake wizard, preview, ticket,
  today's visits. It renders from ``/api/sites/{site}/catalog`` and the ``floor`` view;
- ``/guide/{site}/ticket/{visit}`` — the printable ticket (A6, or ``?paper=receipt``);
- ``/guide/{site}/qr/{visit}.svg`` — the QR code of the visitor's own status page;
- ``/guide/{site}/lease/{device}`` — the numbers leased to this phone, each with its QR code,
  kept by the phone to issue tickets while the hub or the Wi-Fi is away;
- ``/guide/{site}/manifest.webmanifest`` and ``/guide/sw.js`` — the PWA: the service worker is
  served from ``/guide/`` so that its scope covers every site's app.

A visit is named by id or by today's ticket number. Tickets, QR codes and the app are for
staff only: the QR code carries the visitor's unguessable link.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
from typing import Any
from zoneinfo import ZoneInfo

import segno
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from server.config.schema import Config, Site
from server.domain.commands import Actor
from server.domain.events import VisitViewed
from server.domain.protection import may_open_ticket
from server.domain.state import Visit, ticket_of
from server.errors import PageRefused, Rejected
from server.projections.checklist import visitor_checklist
from server.security.auth import Principal
from server.settings import ROOT, Settings
from server.ticket_facts import stop_counters, stop_floor
from server.web.access import NO_SUCH_SITE, signed_in
from server.web.context import AppContext
from server.web.exposure import public_origin
from server.web.pages import render
from server.web.screens.visitor import visitor_path

APP_ROLES = ("guide", "supervisor")
# A counter may reprint a ticket for a visitor with business at its department.
TICKET_ROLES = ("guide", "supervisor", "clerk")
SERVICE_WORKER = ROOT / "handhelds" / "guide" / "sw.js"
ICONS = "/handhelds/guide/icons"
# What every installable page (guide app, visitor's ticket) shares in its web app manifest.
APP_LOOK: dict[str, Any] = {
    "display": "standalone",
    "lang": "ja",
    "background_color": "#ffffff",
    "theme_color": "#0b57d0",
    "icons": [
        {"src": f"{ICONS}/icon-192.png", "sizes": "192x192", "type": "image/png"},
        {"src": f"{ICONS}/icon-512.png", "sizes": "512x512", "type": "image/png"},
    ],
}
PAPERS = ("a6", "receipt")
NO_STORE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


def visitor_url(settings: Settings, site_id: str, token: str) -> str:
    """The absolute address the ticket's QR code encodes: the configured public origin, never
    the request's ``Host`` (a forged Host must not put a stranger's address on a ticket)."""
    return public_origin(settings) + visitor_path(site_id, token)


async def find_visit(ctx: AppContext, site_id: str, ref: str) -> Visit | None:
    """Today's visit by id or ticket number, or None."""
    try:
        site_hub = ctx.hub.site_hub(site_id)
    except Rejected:
        return None
    await site_hub.current()
    state = site_hub.state
    return state.visits.get(ref) or state.visits.get(state.tickets.get(ref.upper(), ""))


def qr_svg(url: str, scale: int = 4) -> str:
    """An inline SVG QR code (segno; medium error correction survives a creased ticket)."""
    code = segno.make(url, error="m", micro=False)
    svg: str = code.svg_inline(scale=scale, border=2, dark="#000", light="#fff")
    return svg


def qr_svg_file(url: str, scale: int = 6) -> bytes:
    """A standalone SVG document of the QR code (an <img> needs the SVG namespace)."""
    buffer = io.BytesIO()
    segno.make(url, error="m", micro=False).save(
        buffer, kind="svg", scale=scale, border=2, dark="#000", light="#fff", xmldecl=False
    )
    return buffer.getvalue()


def ticket_context(
    url: str, config: Config, site: Site, visit: Visit, paper: str
) -> dict[str, Any]:
    """What the printable ticket shows: number, where to go, the itinerary with the documents
    still to bring and the forms to fill in, and the QR code.

    Japanese first, then the visitor's language (config/texts.toml; English fills any gap).
    The checklists are printed in the visitor's language only: the ticket is theirs to carry.
    """
    texts = config.texts
    lang = texts.words(visit.intake.language)
    second = lang if lang != "ja" else ""
    reader = second or "ja"
    local = dt.datetime.fromtimestamp(visit.created_at, ZoneInfo(site.timezone))
    steps = []
    for s in visit.steps:
        if not site.has_queue(s.queue) or s.status in ("done", "cancelled"):
            continue
        checklist = visitor_checklist(config, visit, s)
        steps.append(
            {
                "label": site.queue(s.queue).label,
                "floor": stop_floor(site, s.queue),
                "counters": stop_counters(site, s.queue),
                "status": s.status,
                "bring": [name.get(reader) for name in checklist["bring"]],
                "fill": [
                    {"name": form["name"].get(reader), "done": form["done"]}
                    for form in checklist["fill"]
                ],
            }
        )
    interpreter = visit.intake.interpreter
    return {
        "site": site,
        "visit": visit,
        # A protected visit's ticket carries its alias, or no number (called in person).
        "ticket": visit.shown_ticket,
        "in_person": visit.protected and not visit.alias,
        "steps": steps,
        "issued": local.strftime("%Y-%m-%d %H:%M"),
        "second": second,
        "reader": reader,
        "tag": texts.tag(second) if second else "ja",
        "ja": texts.table("ja"),
        "words": texts.table(reader),
        "interpreter": interpreter,
        "interpreter_name": (
            texts.languages[interpreter].name if interpreter in texts.languages else interpreter
        ),
        "url": url,
        "qr": qr_svg(url, scale=4 if paper == "a6" else 3),
        "paper": paper,
    }


def manifest(site: Site) -> dict[str, Any]:
    """The web app manifest of one site's guide app (installable, standalone, portrait)."""
    return {
        "name": f"Madoguchi フロア案内 — {site.name.ja}",
        "short_name": "フロア案内",
        "description": "区役所フロア案内：ライフイベント受付と番号札の発行 / Floor guide intake",
        "id": f"/guide/{site.id}",
        "start_url": f"/guide/{site.id}",
        "scope": "/guide/",
        "orientation": "portrait",
        **APP_LOOK,
        "icons": [
            *APP_LOOK["icons"],
            {
                "src": f"{ICONS}/maskable-512.png",
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "maskable",
            },
        ],
    }


async def audit_ticket(ctx: AppContext, site: Site, visit: Visit, actor: Actor, view: str) -> None:
    """Who printed or looked at a protected visit's ticket (or its QR code) is recorded."""
    if visit.protected:
        await ctx.sessions.append(actor, VisitViewed(site.id, visit.id, view))


def routes(ctx: AppContext) -> list[BaseRoute]:
    """The guide app, its PWA files, the printable ticket and the QR code."""

    def staff(request: Request, roles: tuple[str, ...]) -> tuple[Principal, Site]:
        site_id = request.path_params["site"]
        principal = signed_in(ctx, request, roles, site_id)
        return principal, ctx.config.site(site_id)

    async def start(request: Request) -> Response:
        return render(
            ctx.templates,
            request,
            "guide/start.html",
            ctx.hub.version,
            sites=list(ctx.config.sites.values()),
        )

    async def app(request: Request) -> Response:
        principal, site = staff(request, APP_ROLES)
        assert principal.actor is not None
        account = ctx.auth.staff[principal.actor.id]
        sites = [ctx.config.site(s) for s in principal.sites if s in ctx.config.sites]
        response = render(
            ctx.templates,
            request,
            "guide/index.html",
            ctx.hub.version,
            site=site,
            staff=account,
            sites=sites,
        )
        # The service worker keeps its own copy for offline use; browsers must not.
        response.headers["Cache-Control"] = "no-cache"
        return response

    async def ticket_visit(request: Request) -> tuple[Site, Visit]:
        """The visit of a ticket or QR request, for guides and supervisors, and for clerks
        of a department on its itinerary; else PageRefused."""
        principal, site = staff(request, TICKET_ROLES)
        visit = await find_visit(ctx, site.id, request.path_params["visit"])
        if visit is None:
            raise PageRefused(404, "no such visit today / 本日の受付がありません")
        actor = principal.actor
        if actor is not None and not may_open_ticket(visit, actor, site, ctx.config.procedures):
            raise PageRefused(
                403,
                "this visitor has no business with your department"
                " / この来庁者の手続きは担当外です",
            )
        if actor is not None:
            view = "qr" if request.url.path.endswith(".svg") else "ticket"
            await audit_ticket(ctx, site, visit, actor, view)
        return site, visit

    async def ticket(request: Request) -> Response:
        site, visit = await ticket_visit(request)
        paper = request.query_params.get("paper", "a6")
        paper = paper if paper in PAPERS else "a6"
        response = render(
            ctx.templates,
            request,
            "guide/ticket.html",
            ctx.hub.version,
            print=request.query_params.get("print") == "1",
            **ticket_context(
                visitor_url(ctx.settings, site.id, visit.token), ctx.config, site, visit, paper
            ),
        )
        response.headers.update(NO_STORE)
        return response

    async def qr(request: Request) -> Response:
        site, visit = await ticket_visit(request)
        svg = qr_svg_file(visitor_url(ctx.settings, site.id, visit.token))
        return Response(svg, media_type="image/svg+xml", headers=NO_STORE)

    async def lease(request: Request) -> Response:
        """The phone's leased numbers with their QR codes (data URLs), to use offline."""
        _, site = staff(request, APP_ROLES)
        site_hub = ctx.hub.site_hub(site.id)
        await site_hub.current()
        device = request.path_params["device"]
        held = site_hub.state.leases.get(device)
        if held is None:
            return JSONResponse({"device": device, "date": "", "tickets": []}, headers=NO_STORE)
        tickets = []
        for series, numbers in held.numbers.items():
            for number in numbers:
                ticket = ticket_of(series, number)
                svg = qr_svg_file(visitor_url(ctx.settings, site.id, held.tokens[ticket]))
                tickets.append(
                    {
                        "ticket": ticket,
                        "series": series,
                        "number": number,
                        "qr": "data:image/svg+xml;base64," + base64.b64encode(svg).decode(),
                    }
                )
        body = {"device": device, "date": held.date, "tickets": tickets}
        return JSONResponse(body, headers=NO_STORE)

    async def web_manifest(request: Request) -> Response:
        site = ctx.config.sites.get(request.path_params["site"])
        if site is None:
            return PlainTextResponse(NO_SUCH_SITE, 404)
        return JSONResponse(manifest(site), media_type="application/manifest+json")

    async def service_worker(request: Request) -> Response:
        return Response(
            SERVICE_WORKER.read_bytes(),
            media_type="text/javascript",
            headers={"Cache-Control": "no-cache", "Service-Worker-Allowed": "/guide/"},
        )

    return [
        Route("/guide", start),
        Route("/guide/", start),
        Route("/guide/sw.js", service_worker),
        Route("/guide/{site}", app),
        Route("/guide/{site}/manifest.webmanifest", web_manifest),
        Route("/guide/{site}/ticket/{visit}", ticket),
        Route("/guide/{site}/qr/{visit}.svg", qr),
        Route("/guide/{site}/lease/{device}", lease),
    ]


def links(ctx: AppContext, site: Site) -> list[dict[str, str]]:
    """The guide app of each site."""
    return [
        {"url": f"/guide/{site.id}", "ja": "フロア案内（受付・発券）", "en": "Floor guide (intake)"}
    ]
