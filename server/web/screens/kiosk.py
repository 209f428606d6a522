"""The walk-in ticket machine (発券機): ``/kiosk/{site}/{kiosk}``, a touch screen at the
entrance for when no guide is free.

The kiosk is an enrolled device: its token comes once as ``?device=`` (like a lobby board's),
stays in the kiosk's storage, and goes with every request as ``X-Madoguchi-Device``. Its role,
``kiosk``, may only create visits (and record a visitor sent to self-service) at its own site.

Routes:

- ``/kiosk/{site}/{kiosk}`` — the page (portrait 1080×1920 or landscape 1920×1080);
- ``GET /api/kiosk/{site}/{kiosk}/setup`` — purposes, the questions they ask, languages,
  needs and the idle timeout, all from ``config/``;
- ``POST /api/kiosk/{site}/{kiosk}/plan`` — the questions still to ask and what the planner
  makes of the answers: self-service deflection, stops, documents;
- ``POST /api/kiosk/{site}/{kiosk}/ticket`` ``{"id", "request"}`` — creates the visit and
  queues the ticket on the kiosk's printer; answers with number, first stop and QR code;
- ``POST /api/kiosk/{site}/{kiosk}/deflected`` ``{"id", "request"}`` — the visitor took the
  self-service route (counted in the daily figures like a guide's deflection).
"""

from __future__ import annotations

import time
from typing import Any

import msgspec
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from server.config.schema import Kiosk, Site
from server.domain import commands as c
from server.domain.hours import office_phase
from server.domain.intake import PRIORITY_NEEDS, plan_visit, validate_intake
from server.domain.kiosk import KioskRequest, find_purpose, kiosk_intake, kiosk_questions
from server.errors import LogError, Rejected
from server.security.auth import command_actor
from server.security.sessions import client_address
from server.ticket_facts import ticket_facts
from server.web.context import AppContext
from server.web.pages import enrolment_url, render
from server.web.screens.guide import qr_svg, visitor_url
from server.web.screens.printers import print_ticket

DEVICE_HEADER = "x-madoguchi-device"
MAX_BODY = 8192
NOT_FOUND = "no such ticket machine / 該当する発券機がありません"


class KioskCommand(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A kiosk action with the id that makes a retried request harmless."""

    id: str
    request: KioskRequest


def _json(value: object) -> Response:
    return Response(
        msgspec.json.encode(value),
        media_type="application/json",
        headers={"Cache-Control": "no-store"},
    )


def setup(ctx: AppContext, site: Site, kiosk: Kiosk) -> dict[str, Any]:
    """What the kiosk page renders from: every text comes from ``config/``."""
    rules, life, texts = ctx.config.kiosk, ctx.config.life_events, ctx.config.texts
    asked = dict.fromkeys(q for p in rules.purposes for q in p.questions)
    return {
        "site": {"id": site.id, "name": site.name},
        "kiosk": {"id": kiosk.id, "name": kiosk.name, "printer": bool(kiosk.printer)},
        "idle_seconds": rules.idle_seconds,
        "languages": {lang["id"]: lang["name"] for lang in texts.menu(rules.languages)},
        # The kiosk's own words in each of its languages (English where one lacks a text).
        "texts": {
            lang: {k.removeprefix("kiosk_"): v for k, v in texts.table(lang, "kiosk_").items()}
            for lang in dict.fromkeys([*rules.languages, "en"])
        },
        "purposes": [{"id": p.id, "icon": p.icon, "name": p.name} for p in rules.purposes],
        "questions": {qid: life.questions[qid] for qid in asked},
        "needs": {k: v for k, v in life.needs.items() if k in PRIORITY_NEEDS},
    }


def routes(ctx: AppContext) -> list[BaseRoute]:
    """The kiosk page and its four endpoints."""
    config = ctx.config

    def kiosk_of(request: Request) -> tuple[Site, Kiosk]:
        site = config.sites.get(request.path_params["site"])
        if site is None:
            raise Rejected("unknown_site")
        kiosk = site.kiosk(request.path_params["kiosk"])
        if kiosk is None:
            raise Rejected("unknown_kiosk", f"no kiosk {request.path_params['kiosk']!r}")
        return site, kiosk

    def enrolled(request: Request) -> tuple[c.Actor, Site, Kiosk]:
        """Who a kiosk request acts as, or Rejected: a (not revoked) token of this very kiosk
        is needed. The actor passes the same gate as every staff command
        (``command_actor``), then the domain's permission table (``GRANTS``: a kiosk creates
        visits and records deflections, nothing else)."""
        site, kiosk = kiosk_of(request)
        principal = ctx.auth.device(request.headers.get(DEVICE_HEADER, ""))
        if principal is None:
            raise Rejected("not_authenticated", "this kiosk is not enrolled")
        if site.id not in principal.sites or principal.kiosk != kiosk.id:
            raise Rejected("forbidden", "this device is enrolled for another kiosk or site")
        return command_actor(principal, site.id), site, kiosk

    def limited(request: Request, actor: c.Actor, command: c.Command) -> None:
        """The staff endpoints' rate limits (per address, per actor, new visits per minute):
        a kiosk someone keeps pressing cannot use up a ticket series."""
        address = ctx.limits.address(client_address(request.scope.get("client")))
        ctx.limits.check(address, actor, command)

    async def body_of(request: Request, kind: type[Any]) -> Any:
        raw = await request.body()
        if len(raw) > MAX_BODY:
            raise Rejected("too_large")
        try:
            return msgspec.json.decode(raw, type=kind)
        except msgspec.DecodeError as exc:
            raise Rejected("invalid", str(exc)) from None

    async def page(request: Request) -> Response:
        try:
            site, kiosk = kiosk_of(request)
        except Rejected:
            return PlainTextResponse(NOT_FOUND, status_code=404)
        texts = config.texts
        # Shown before the kiosk knows its token is good (setup carries the rest of its words).
        both = {
            key: f"{texts.get(key, 'ja')} / {texts.get(key, 'en')}"
            for key in ("kiosk_not_enrolled", "kiosk_error_title")
        }
        response = render(
            ctx.templates,
            request,
            "kiosk.html",
            ctx.hub.version,
            site=site,
            kiosk=kiosk,
            not_enrolled=both["kiosk_not_enrolled"],
            unavailable=both["kiosk_error_title"],
        )
        response.headers["Cache-Control"] = "no-store"
        response.headers["Referrer-Policy"] = "no-referrer"
        return response

    # The endpoints raise their refusals (Rejected): the application's handler answers them.
    async def setup_endpoint(request: Request) -> Response:
        _, site, kiosk = enrolled(request)
        return _json(setup(ctx, site, kiosk))

    async def plan_endpoint(request: Request) -> Response:
        _, site, _ = enrolled(request)
        body: KioskRequest = await body_of(request, KioskRequest)
        purpose = find_purpose(config.kiosk, body.purpose)
        intake = kiosk_intake(body, config.kiosk, config.life_events)
        validate_intake(intake, config.life_events, config.procedures)
        plan = plan_visit(
            intake,
            config.life_events,
            config.procedures,
            site,
            override_self_service=body.override_self_service,
        )
        questions = kiosk_questions(purpose, body.answers, config.life_events)
        routes_used = dict.fromkeys(d.route for d in plan.self_service)
        return _json(
            {
                "questions": questions,
                "total": len(purpose.questions),
                "next": next((q for q in questions if q not in body.answers), None),
                "self_service_only": plan.self_service_only,
                # A bereaved family where the site runs a corner: staff seat them at a booth.
                "corner": site.bereavement is not None
                and bool(plan.steps)
                and any(e in site.bereavement.events for e in intake.events),
                "self_service": [config.procedures.self_service[route] for route in routes_used],
                "deflected": [
                    config.procedures.procedures[d.procedure].name for d in plan.self_service
                ],
                "stops": [
                    {"label": site.queue(s.queue).label, "queue": s.queue} for s in plan.steps
                ],
                "documents": [config.procedures.documents[d.document].name for d in plan.documents],
                "office": {
                    "phase": office_phase(site, ctx.hub.site_hub(site.id).clock()),
                    "open": site.hours.open,
                },
            }
        )

    async def ticket_endpoint(request: Request) -> Response:
        actor, site, kiosk = enrolled(request)
        body: KioskCommand = await body_of(request, KioskCommand)
        intake = kiosk_intake(body.request, config.kiosk, config.life_events)
        site_hub = ctx.hub.site_hub(site.id)
        create = c.CreateVisit(intake, override_self_service=body.request.override_self_service)
        limited(request, actor, create)
        try:
            ack = await site_hub.execute(actor, body.id, create)
        except LogError:
            raise Rejected("store_unavailable") from None
        visit = site_hub.state.visits.get(ack.visit)
        if visit is None:  # a repeat of a visit already gone from today's state
            raise Rejected("unknown_visit")
        url = visitor_url(ctx.settings, site.id, visit.token)
        facts = ticket_facts(config, site, visit, url)
        printer: Any = None
        print_error = ""
        # A repeated request (the answer was lost) must not print a second ticket.
        if kiosk.printer and not ack.duplicate:
            try:
                printer = await print_ticket(ctx, site, visit, kiosk.printer)
            except Rejected as exc:
                print_error = exc.code
        return _json(
            {
                "ticket": visit.ticket,
                "priority": visit.priority,
                "stops": facts.stops,
                "documents": facts.documents,
                "url": url,
                "qr": qr_svg(url, scale=9),
                "printer": printer,
                "print_error": print_error,
                "issued": facts.issued,
                "at": time.time(),
            }
        )

    async def deflected_endpoint(request: Request) -> Response:
        actor, site, _ = enrolled(request)
        body: KioskCommand = await body_of(request, KioskCommand)
        intake = kiosk_intake(body.request, config.kiosk, config.life_events)
        deflection = c.RecordDeflection(intake)
        limited(request, actor, deflection)
        try:
            ack = await ctx.hub.site_hub(site.id).execute(actor, body.id, deflection)
        except LogError:
            raise Rejected("store_unavailable") from None
        return _json({"seq": ack.seq})

    base = "/api/kiosk/{site}/{kiosk}"
    return [
        Route("/kiosk/{site}/{kiosk}", page),
        Route(f"{base}/setup", setup_endpoint),
        Route(f"{base}/plan", plan_endpoint, methods=["POST"]),
        Route(f"{base}/ticket", ticket_endpoint, methods=["POST"]),
        Route(f"{base}/deflected", deflected_endpoint, methods=["POST"]),
    ]


def links(ctx: AppContext, site: Site) -> list[dict[str, str]]:
    """One landing entry per kiosk; a demo deployment's entries carry the demo token."""
    return [
        {
            "url": enrolment_url(ctx, site.id, kiosk=kiosk.id),
            # The kiosk's name says what it is (「正面玄関 発券機」).
            "ja": kiosk.name.ja,
            "en": kiosk.name.en or kiosk.name.ja,
        }
        for kiosk in site.kiosks
    ]
