"""The Starlette application: pages, JSON API, WebSocket endpoint, health and metrics."""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import hashlib
import logging
import math
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any
from zoneinfo import ZoneInfo

import msgspec
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.websockets import WebSocket

from server import exposure, screens
from server.auth import ANONYMOUS, Authenticator, Principal, command_actor, staff_principal
from server.client_clock import ClockOffset
from server.come_back import suggest
from server.config.loading import load_config
from server.config.schema import Config
from server.connection import CLOSE_POLICY, Connection
from server.context import AppContext
from server.csrf import SameOriginWrites
from server.domain.decide import business_date
from server.domain.hours import office_phase
from server.domain.intake import Intake, plan_visit, validate_intake
from server.domain.shelf_life import deadline
from server.domain.state import SiteState
from server.errors import LogError, Rejected
from server.http_errors import error_response as _error
from server.hub import Hub, ack_message
from server.log.backends import open_log
from server.metrics import Metrics
from server.notify.book import open_book
from server.notify.service import Notices
from server.pages import catalog_response, render
from server.printing.spooler import PrintRoom
from server.projections.snapshot import analyse
from server.protocol import decode_command
from server.ratelimit import CommandLimits
from server.redirects import safe_next
from server.security_headers import SecurityHeaders
from server.sessions import SessionBook, client_address
from server.settings import ROOT, Settings
from server.slow_clients import Admission
from server.speech.renderer import Speech
from server.wire import direct_writer

log = logging.getLogger("madoguchi.app")

ASSET_DIRS = ("static", "displays", "handhelds", "panels")


def asset_version() -> str:
    """Changes whenever a served file changes, so boards know to reload themselves."""
    digest = hashlib.sha256()
    for folder in (*ASSET_DIRS, "server/templates"):
        for path in sorted((ROOT / folder).rglob("*")):
            if path.is_file():
                digest.update(path.name.encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


class PlanRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    intake: Intake
    override_self_service: bool = False


class Login(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    id: str
    pin: str


def create_app(settings: Settings | None = None, config: Config | None = None) -> ASGIApp:
    """Build the application; the hub starts and stops with the app's lifespan."""
    settings = settings or Settings.from_env()
    try:
        exposure.check(settings)
    except ValueError as exc:
        raise SystemExit(f"madoguchi: bad setting in the environment: {exc}") from None
    origins = exposure.allowed_origins(settings)
    config = config or load_config(settings.config_dir)
    metrics = Metrics()
    hub = Hub(
        config,
        open_log(settings.store),
        metrics,
        version=asset_version(),
        snapshot_every=settings.snapshot_every,
        heartbeat=settings.heartbeat,
    )
    auth = Authenticator(config)
    sessions = SessionBook(
        hub.log, auth.staff, settings.session_idle_seconds, settings.session_absolute_seconds
    )
    auth.revoked = sessions.token_revoked
    templates = Jinja2Templates(
        directory=[ROOT / "server" / "templates", *(ROOT / d for d in ASSET_DIRS[1:])]
    )
    speech = Speech(config, settings, metrics, lambda: _watched_by_boards(hub))
    limits = CommandLimits(settings.rate_limits)
    admission = Admission(settings.waiting_per_address)
    printers = PrintRoom(config)
    metrics.sections.append(printers.metric_lines)
    notices = Notices(
        config, settings, hub, open_book(settings.store), exposure.public_origin(settings)
    )
    metrics.sections.append(notices.metrics)
    ctx = AppContext(
        config, settings, hub, auth, templates, speech, sessions, printers, limits, notices=notices
    )
    screen_modules = screens.modules()

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await hub.start()
        await speech.start()
        await sessions.start()
        await notices.start()
        # What exists now (config, templates, modules, the folded day) lives as long as the
        # process: keep it out of the collector's full passes, which otherwise pause every
        # screen's updates for tens of milliseconds.
        gc.collect()
        gc.freeze()
        if not settings.public_origin and settings.host not in ("127.0.0.1", "localhost", "::1"):
            log.warning(
                "MADOGUCHI_PUBLIC_ORIGIN is not set: browsers are accepted only from %s and"
                " ticket QR codes point there; set it to the address staff and visitors use",
                exposure.public_origin(settings),
            )
        log.info(
            "madoguchi ready on http://%s:%s/ — sites %s, store %s",
            settings.host,
            settings.port,
            ", ".join(config.sites),
            settings.store,
        )
        try:
            yield
        finally:
            await notices.stop()
            await sessions.stop()
            await speech.stop()
            await printers.close()
            await hub.stop()
            auth.close()

    principal_of = ctx.principal

    async def landing(request: Request) -> Response:
        links = {
            site.id: [link for module in screen_modules for link in module.links(ctx, site)]
            for site in config.sites.values()
        }
        return templates.TemplateResponse(
            request,
            "landing.html",
            {"sites": list(config.sites.values()), "screens": links, "demo": config.deployment},
        )

    async def signin(request: Request) -> Response:
        return render(
            templates,
            request,
            "signin.html",
            hub.version,
            next=safe_next(request.query_params.get("next")),
            staff_id=request.query_params.get("id", ""),
        )

    async def catalog(request: Request) -> Response:
        try:
            site = hub.site_hub(request.path_params["site"]).site
        except Rejected as exc:
            return _error(exc)
        return catalog_response(config, site)

    async def healthz(request: Request) -> Response:
        sites = {
            sid: {
                "seq": s.state.seq,
                "stale": s.stale,
                "day": s.state.business_date,
                "following": s.following,
                "store_failing": s.store_failing,
            }
            for sid, s in hub.sites.items()
        }
        healthy = not any(s.stale or s.store_failing for s in hub.sites.values())
        return JSONResponse(
            {
                "status": "ok" if healthy else "degraded",
                "version": hub.version,
                "sites": sites,
                # A board language without a server voice is announced by chime and caption:
                # worth a look, not a reason to take the process out of service.
                "speech": speech.health(),
            },
            status_code=200 if healthy else 503,
        )

    async def metrics_endpoint(request: Request) -> Response:
        if not exposure.metrics_allowed(request, settings):
            return PlainTextResponse("forbidden", status_code=403)
        return PlainTextResponse(metrics.render(), media_type="text/plain; version=0.0.4")

    async def login(request: Request) -> Response:
        try:
            body = msgspec.json.decode(await request.body(), type=Login)
        except msgspec.DecodeError as exc:
            return _error(Rejected("invalid", str(exc)))
        address = client_address(request.scope.get("client"))
        try:
            async with sessions.attempt(address):
                wait = sessions.throttle.wait(body.id, address, time.time())
                if wait > 0:
                    message = f"too many wrong PINs; wait {wait:.0f} s"
                    response = _error(Rejected("rate_limited", message))
                    response.headers["Retry-After"] = str(math.ceil(wait))
                    return response
                staff = await auth.sign_in(body.id, body.pin)
                if staff is None:
                    await sessions.failed(body.id, address)
                    raise Rejected("not_authenticated", "unknown id or wrong PIN")
                session = await sessions.sign_in(staff, address)
        except Rejected as exc:
            return _error(exc)
        except LogError:
            return _error(Rejected("store_unavailable"))
        # A new session id and nothing carried over from before the sign-in.
        request.session.clear()
        request.session.update(session)
        return JSONResponse(_me(staff_principal(staff)))

    async def logout(request: Request) -> Response:
        principal = principal_of(request)
        if principal.actor is not None:
            try:
                await sessions.end(principal.actor.id, principal.actor, "logout")
            except LogError:
                return _error(Rejected("store_unavailable"))
        request.session.clear()
        return JSONResponse({"ok": True})

    async def end_sessions(request: Request) -> Response:
        """A supervisor ends every session of a colleague (a lost phone, a stolen tablet)."""
        principal = principal_of(request)
        target = auth.staff.get(request.path_params["staff"])
        try:
            if principal.actor is None:
                raise Rejected("not_authenticated")
            if principal.actor.role != "supervisor":
                raise Rejected("forbidden", "supervisors end colleagues' sessions")
            if target is None or not set(target.sites) & set(principal.sites):
                raise Rejected("forbidden", "no such colleague at your sites")
            await sessions.end(target.id, principal.actor, "ended by a supervisor")
        except Rejected as exc:
            return _error(exc)
        except LogError:
            return _error(Rejected("store_unavailable"))
        return JSONResponse({"ok": True})

    async def revoke_device(request: Request) -> Response:
        """A supervisor revokes a lobby board's or kiosk's token (stolen, moved): it is
        refused from the next request on; re-enrol with a new token in staff.toml."""
        principal = principal_of(request)
        device = next(
            (d for d in config.accounts.devices if d.id == request.path_params["device"]), None
        )
        try:
            if principal.actor is None:
                raise Rejected("not_authenticated")
            if principal.actor.role != "supervisor":
                raise Rejected("forbidden", "supervisors revoke device tokens")
            if device is None or device.site not in principal.sites:
                raise Rejected("forbidden", "no such device at your sites")
            await sessions.revoke(device, principal.actor, "revoked by a supervisor")
        except Rejected as exc:
            return _error(exc)
        except LogError:
            return _error(Rejected("store_unavailable"))
        return JSONResponse({"ok": True})

    async def me(request: Request) -> Response:
        principal = principal_of(request)
        if principal.actor is None:
            return _error(Rejected("not_authenticated"))
        return JSONResponse(_me(principal))

    def _me(principal: Principal) -> dict[str, Any]:
        assert principal.actor is not None
        staff = auth.staff[principal.actor.id]
        return {
            "id": staff.id,
            "name": staff.name,
            "role": staff.role,
            "department": staff.department,
            "sites": staff.sites,
        }

    async def command(request: Request) -> Response:
        site_id = request.path_params["site"]
        principal = principal_of(request)
        body = await request.body()
        if len(body) > settings.max_message_bytes:
            return _error(Rejected("too_large"))
        try:
            message = decode_command(body)
            site = hub.site_hub(site_id)
            actor = command_actor(principal, site_id)
            limits.check(
                limits.address(client_address(request.scope.get("client"))), actor, message.command
            )
            # An integration's ``at`` is read on the server's clock (it sends no pings).
            sent_at = ClockOffset().server_time(message.at)
            not_after = deadline(message.command, sent_at, settings.summon_max_age)
            ack = await site.execute(actor, message.id, message.command, sent_at, not_after)
        except Rejected as exc:
            return _error(exc)
        except LogError:
            return _error(Rejected("store_unavailable"))
        return JSONResponse(ack_message(message.id, ack))

    async def plan(request: Request) -> Response:
        """The guide's live preview: what an intake yields, with nothing written."""
        site_id = request.path_params["site"]
        try:
            site_hub = hub.site_hub(site_id)
            site = site_hub.site
            if principal_of(request).actor is None:
                raise Rejected("not_authenticated")
            try:
                body = msgspec.json.decode(await request.body(), type=PlanRequest)
            except msgspec.DecodeError as exc:
                raise Rejected("invalid", str(exc)) from None
            validate_intake(body.intake, config.life_events, config.procedures)
        except Rejected as exc:
            return _error(exc)
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

    async def websocket(ws: WebSocket, send: Send) -> None:
        if not exposure.origin_allowed(ws, origins):
            await ws.close(CLOSE_POLICY, "origin not allowed")
            return
        address = client_address(ws.scope.get("client"))
        if not admission.admit(address):
            await ws.close(CLOSE_POLICY, "too many connections waiting for hello")
            return
        released = False

        def release() -> None:  # once: at the first hello, or when the socket goes
            nonlocal released
            if not released:
                released = True
                admission.release(address)

        try:
            await _serve(ws, send, release)
        finally:
            release()

    async def _serve(ws: WebSocket, send: Send, hello_said: Callable[[], None]) -> None:
        staff, gen = sessions.check(ws.scope["session"]) if "session" in ws.scope else (None, 0)
        device = auth.device(ws.query_params.get("device", ""))
        await ws.accept()
        connection = Connection(
            ws,
            hub,
            auth,
            device or (staff_principal(staff) if staff is not None else ANONYMOUS),
            settings.outbox_size,
            settings.max_message_bytes,
            direct_writer(send),
            settings.summon_max_age,
            limits,
            settings.hello_seconds,
        )
        connection.on_hello = hello_said
        if staff is None or device is not None:
            await connection.run()
            return
        connection.audit = sessions.append
        connection.session_gen = gen
        connection.issued_at = ws.scope["session"]["iat"]
        sessions.register(staff.id, connection)
        try:
            await connection.run()
        finally:
            sessions.unregister(staff.id, connection)

    routes = [
        Route("/", landing),
        Route("/signin", signin),
        Route("/healthz", healthz),
        Route("/metrics", metrics_endpoint),
        Route("/api/login", login, methods=["POST"]),
        Route("/api/logout", logout, methods=["POST"]),
        Route("/api/me", me),
        Route("/api/staff/{staff}/end-sessions", end_sessions, methods=["POST"]),
        Route("/api/devices/{device}/revoke", revoke_device, methods=["POST"]),
        Route("/api/sites/{site}/commands", command, methods=["POST"]),
        Route("/api/sites/{site}/plan", plan, methods=["POST"]),
        Route("/api/sites/{site}/catalog", catalog),
        *(route for module in screen_modules for route in module.routes(ctx)),
        *(
            Mount(f"/{d}", StaticFiles(directory=ROOT / d, check_dir=False), name=d)
            for d in ASSET_DIRS
        ),
    ]
    cookie: dict[str, Any] = {
        "secret_key": settings.secret,
        "session_cookie": "madoguchi_session",
        "max_age": int(settings.session_absolute_seconds),
        "same_site": "lax",
        "https_only": settings.secure_cookies,
    }
    app = Starlette(
        routes=routes,
        middleware=[
            Middleware(SecurityHeaders, hsts=settings.secure_cookies),
            Middleware(
                SameOriginWrites, origin_allowed=lambda c: exposure.origin_allowed(c, origins)
            ),
            Middleware(SessionMiddleware, **cookie),
        ],
        lifespan=lifespan,
    )
    return WebSocketFastPath(app, websocket, SessionMiddleware(_no_app, **cookie))


def _watched_by_boards(hub: Hub) -> dict[str, SiteState]:
    """The sites a lobby board is watching now: only their next calls are worth rendering."""
    return {
        sid: site.state
        for sid, site in hub.sites.items()
        if site.following
        and any(key.kind == "board" and view.subscribers for key, view in site.views.items())
    }


async def _no_app(scope: Scope, receive: Receive, send: Send) -> None:
    """The end of the session reader: the session is in the scope, nothing else to do."""


class WebSocketFastPath:
    """Takes ``/ws`` around the HTTP middleware stack.

    A message fanned out to ten thousand boards would otherwise pass through two middleware
    send wrappers per board. The session cookie is still read by Starlette's own
    SessionMiddleware (run here only to fill ``scope["session"]``); every other request goes
    to the application as usual.
    """

    def __init__(
        self,
        app: ASGIApp,
        endpoint: Callable[[WebSocket, Send], Awaitable[None]],
        sessions: ASGIApp,
    ) -> None:
        self.app = app
        self.endpoint = endpoint
        self.sessions = sessions

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket" and scope["path"] == "/ws":
            await self.sessions(scope, receive, send)
            await self.endpoint(WebSocket(scope, receive, send), send)
        else:
            await self.app(scope, receive, send)
