"""The JSON API: sign-in and sessions, commands over HTTP, the guide's plan preview and the
catalogue screens render from.

Routes:

- ``POST /api/login`` ``{"id", "pin"}``, ``POST /api/logout``, ``GET /api/me``;
- ``POST /api/staff/{staff}/end-sessions`` and ``POST /api/devices/{device}/revoke`` — a
  supervisor ends a colleague's sessions or revokes a lobby board's or kiosk's token;
- ``POST /api/sites/{site}/commands`` — one command, answered with its ack (integrations);
- ``POST /api/sites/{site}/plan`` — what an intake yields, with nothing written;
- ``GET /api/sites/{site}/catalog`` — names, questions, procedures and layout of a site.

A refusal is raised as :class:`~server.errors.Rejected` and answered by the application's
handler (``server.web.http_errors.rejected``); an event store that cannot be reached is
``store_unavailable``.
"""

from __future__ import annotations

import datetime as dt
import math
import time
from typing import Any
from zoneinfo import ZoneInfo

import msgspec
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from server.config.schema import Device, Site, Text
from server.domain.decide import business_date
from server.domain.hours import office_phase
from server.domain.intake import Intake, plan_visit, validate_intake
from server.domain.shelf_life import deadline
from server.errors import LogError, Rejected
from server.live.client_clock import ClockOffset
from server.live.protocol import decode_command, encode
from server.live.site_hub import acknowledgement
from server.projections.snapshot import analyse
from server.reports.come_back import suggest
from server.security.auth import command_actor
from server.security.sessions import client_address
from server.web.access import staff_member
from server.web.context import AppContext
from server.web.http_errors import error_response
from server.web.pages import catalog_response

SUPERVISOR = ("supervisor",)


class PlanRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    intake: Intake
    override_self_service: bool = False


class Login(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    id: str
    pin: str


def account(ctx: AppContext, staff_id: str) -> dict[str, Any]:
    """Who is signed in, as ``/api/me`` and a successful sign-in answer."""
    staff = ctx.auth.staff[staff_id]
    return {
        "id": staff.id,
        "name": staff.name,
        "role": staff.role,
        "department": staff.department,
        "sites": staff.sites,
    }


def routes(ctx: AppContext) -> list[BaseRoute]:
    """The JSON API's routes."""
    config, settings, hub, sessions = ctx.config, ctx.settings, ctx.hub, ctx.sessions

    async def login(request: Request) -> Response:
        try:
            body = msgspec.json.decode(await request.body(), type=Login)
        except msgspec.DecodeError as exc:
            raise Rejected("invalid", str(exc)) from None
        address = client_address(request.scope.get("client"))
        try:
            async with sessions.attempt(address):
                wait = sessions.throttle.wait(body.id, address, time.time())
                if wait > 0:
                    message = f"too many wrong PINs; wait {wait:.0f} s"
                    response = error_response(Rejected("rate_limited", message))
                    response.headers["Retry-After"] = str(math.ceil(wait))
                    return response
                staff = await ctx.auth.sign_in(body.id, body.pin)
                if staff is None:
                    await sessions.failed(body.id, address)
                    raise Rejected("not_authenticated", "unknown id or wrong PIN")
                session = await sessions.sign_in(staff, address)
        except LogError:
            raise Rejected("store_unavailable") from None
        # A new session id and nothing carried over from before the sign-in.
        request.session.clear()
        request.session.update(session)
        return JSONResponse(account(ctx, staff.id))

    async def logout(request: Request) -> Response:
        principal = ctx.principal(request)
        if principal.actor is not None:
            try:
                await sessions.end(principal.actor.id, principal.actor, "logout")
            except LogError:
                raise Rejected("store_unavailable") from None
        request.session.clear()
        return JSONResponse({"ok": True})

    async def end_sessions(request: Request) -> Response:
        """A supervisor ends every session of a colleague (a lost phone, a stolen tablet)."""
        principal = staff_member(
            ctx, request, SUPERVISOR, message="supervisors end colleagues' sessions"
        )
        assert principal.actor is not None
        target = ctx.auth.staff.get(request.path_params["staff"])
        if target is None or not set(target.sites) & set(principal.sites):
            raise Rejected("forbidden", "no such colleague at your sites")
        try:
            await sessions.end(target.id, principal.actor, "ended by a supervisor")
        except LogError:
            raise Rejected("store_unavailable") from None
        return JSONResponse({"ok": True})

    async def revoke_device(request: Request) -> Response:
        """A supervisor revokes a lobby board's or kiosk's token (stolen, moved): it is
        refused from the next request on; re-enrol with a new token in staff.toml."""
        principal = staff_member(
            ctx, request, SUPERVISOR, message="supervisors revoke device tokens"
        )
        assert principal.actor is not None
        device_id = request.path_params["device"]
        device = next((d for d in config.accounts.devices if d.id == device_id), None)
        if device is None or device.site not in principal.sites:
            raise Rejected("forbidden", "no such device at your sites")
        try:
            await sessions.revoke(device, principal.actor, "revoked by a supervisor")
        except LogError:
            raise Rejected("store_unavailable") from None
        return JSONResponse({"ok": True})

    async def devices(request: Request) -> Response:
        """A site's enrolled boards and kiosks and whether each token still works, for the
        supervisor's devices section (where a stolen one is revoked)."""
        site_id = request.path_params["site"]
        staff_member(ctx, request, SUPERVISOR, site_id, "supervisors manage devices")
        site = config.site(site_id)
        rows = [
            {
                "id": device.id,
                "kind": "board" if device.board else "kiosk",
                "name": msgspec.to_builtins(_screen_name(site, device)),
                "revoked": sessions.token_revoked(device),
            }
            for device in config.accounts.devices
            if device.site == site_id
        ]
        return JSONResponse({"devices": rows}, headers={"Cache-Control": "no-store"})

    async def me(request: Request) -> Response:
        actor = ctx.principal(request).actor
        if actor is None:
            raise Rejected("not_authenticated")
        return JSONResponse(account(ctx, actor.id))

    async def command(request: Request) -> Response:
        site_id = request.path_params["site"]
        principal = ctx.principal(request)
        body = await request.body()
        if len(body) > settings.max_message_bytes:
            raise Rejected("too_large")
        message = decode_command(body)
        site_hub = hub.site_hub(site_id)
        actor = command_actor(principal, site_id)
        limits = ctx.limits
        limits.check(
            limits.address(client_address(request.scope.get("client"))), actor, message.command
        )
        # An integration's ``at`` is read on the server's clock (it sends no pings).
        sent_at = ClockOffset().server_time(message.at)
        not_after = deadline(message.command, sent_at, settings.summon_max_age)
        try:
            ack = await site_hub.execute(actor, message.id, message.command, sent_at, not_after)
        except LogError:
            raise Rejected("store_unavailable") from None
        return Response(encode(acknowledgement(message.id, ack)), media_type="application/json")

    async def plan(request: Request) -> Response:
        """The guide's live preview: what an intake yields, with nothing written."""
        site_hub = hub.site_hub(request.path_params["site"])
        site = site_hub.site
        if ctx.principal(request).actor is None:
            raise Rejected("not_authenticated")
        try:
            body = msgspec.json.decode(await request.body(), type=PlanRequest)
        except msgspec.DecodeError as exc:
            raise Rejected("invalid", str(exc)) from None
        validate_intake(body.intake, config.life_events, config.procedures)
        result = plan_visit(
            body.intake,
            config.life_events,
            config.procedures,
            site,
            override_self_service=body.override_self_service,
        )
        # Outside the site's hours the guide says so before issuing a ticket.
        now = site_hub.clock()
        office = {
            "phase": office_phase(site, now),
            "today": business_date(now, site.timezone),
            **msgspec.to_builtins(site.hours),
        }
        come_back = None
        if result.steps and office["phase"] == "open":
            line = result.steps[0].queue
            live = analyse(site, site_hub.state, now).figures[line].estimated_wait
            if live is not None and live >= site.queue(line).alert_minutes:
                forecast = await ctx.history.forecast(hub, site, config.calendar)
                local = dt.datetime.fromtimestamp(now, ZoneInfo(site.timezone))
                come_back = suggest(
                    site,
                    config.procedures,
                    result.procedures,
                    line,
                    live,
                    forecast,
                    business_date(now, site.timezone),
                    local.hour,
                )
        return Response(
            msgspec.json.encode(
                {
                    **msgspec.structs.asdict(result),
                    "self_service_only": result.self_service_only,
                    "office": office,
                    "come_back": come_back,
                }
            ),
            media_type="application/json",
        )

    async def catalog(request: Request) -> Response:
        return catalog_response(config, hub.site_hub(request.path_params["site"]).site)

    return [
        Route("/api/login", login, methods=["POST"]),
        Route("/api/logout", logout, methods=["POST"]),
        Route("/api/me", me),
        Route("/api/staff/{staff}/end-sessions", end_sessions, methods=["POST"]),
        Route("/api/devices/{device}/revoke", revoke_device, methods=["POST"]),
        Route("/api/sites/{site}/devices", devices),
        Route("/api/sites/{site}/commands", command, methods=["POST"]),
        Route("/api/sites/{site}/plan", plan, methods=["POST"]),
        Route("/api/sites/{site}/catalog", catalog),
    ]


def _screen_name(site: Site, device: Device) -> Text:
    """What the device shows, as staff know it (「1階ロビー」, 「正面玄関 発券機」)."""
    if device.board:
        return site.board(device.board).name
    kiosk = site.kiosk(device.kiosk)
    return kiosk.name if kiosk is not None else Text(ja=device.kiosk, en=device.kiosk)
