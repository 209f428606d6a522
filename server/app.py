"""The Starlette application: pages, JSON API, WebSocket endpoint, health and metrics."""

from __future__ import annotations

import contextlib
import gc
import hashlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

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
from server.auth import ANONYMOUS, Authenticator, Principal, command_actor
from server.config import Config, load_config
from server.connection import CLOSE_POLICY, Connection
from server.context import AppContext
from server.domain.hours import office_phase
from server.domain.intake import Intake, plan_visit, validate_intake
from server.errors import LogError, Rejected
from server.http_errors import error_response as _error
from server.hub import Hub, ack_message
from server.log.base import open_log
from server.metrics import Metrics
from server.pages import catalog_response, render
from server.printing.spooler import PrintRoom
from server.protocol import decode_command
from server.redirects import safe_next
from server.settings import ROOT, Settings
from server.wire import direct_writer

log = logging.getLogger("madoguchi.app")

SESSION_SECONDS = 12 * 3600
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
    )
    auth = Authenticator(config)
    templates = Jinja2Templates(
        directory=[ROOT / "server" / "templates", *(ROOT / d for d in ASSET_DIRS[1:])]
    )
    printers = PrintRoom(config)
    metrics.sources.append(printers.metric_lines)
    ctx = AppContext(config, settings, hub, auth, templates, printers)
    screen_modules = screens.modules()

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await hub.start()
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
            site = hub.site(request.path_params["site"]).site
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
            {"status": "ok" if healthy else "degraded", "version": hub.version, "sites": sites},
            status_code=200 if healthy else 503,
        )

    async def metrics_endpoint(request: Request) -> Response:
        if not exposure.metrics_allowed(request, settings):
            return PlainTextResponse("forbidden", status_code=403)
        return PlainTextResponse(metrics.render(), media_type="text/plain; version=0.0.4")

    async def login(request: Request) -> Response:
        if not exposure.origin_allowed(request, origins):
            return _error(Rejected("forbidden", "cross-site request refused"))
        try:
            body = msgspec.json.decode(await request.body(), type=Login)
        except msgspec.DecodeError as exc:
            return _error(Rejected("invalid", str(exc)))
        try:
            staff = await auth.sign_in(body.id, body.pin)
        except Rejected as exc:
            return _error(exc)
        request.session.clear()
        request.session["staff"] = staff.id
        return JSONResponse(_me(auth.from_session(staff.id)))

    async def logout(request: Request) -> Response:
        request.session.clear()
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
        if not exposure.origin_allowed(request, origins):
            return _error(Rejected("forbidden", "cross-site request refused"))
        principal = principal_of(request)
        body = await request.body()
        if len(body) > settings.max_message_bytes:
            return _error(Rejected("too_large"))
        try:
            message = decode_command(body)
            site = hub.site(site_id)
            actor = command_actor(principal, site_id)
            ack = await site.execute(actor, message.id, message.command)
        except Rejected as exc:
            return _error(exc)
        except LogError:
            return _error(Rejected("store_unavailable"))
        return JSONResponse(ack_message(message.id, ack))

    async def plan(request: Request) -> Response:
        """The guide's live preview: what an intake yields, with nothing written."""
        site_id = request.path_params["site"]
        try:
            site_hub = hub.site(site_id)
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
        office = {"phase": office_phase(site, site_hub.clock()), **msgspec.to_builtins(site.hours)}
        return Response(
            msgspec.json.encode(
                {
                    **msgspec.structs.asdict(result),
                    "self_service_only": result.self_service_only,
                    "office": office,
                }
            ),
            media_type="application/json",
        )

    async def websocket(ws: WebSocket, send: Send) -> None:
        if not exposure.origin_allowed(ws, origins):
            await ws.close(CLOSE_POLICY, "origin not allowed")
            return
        principal = principal_of(ws) if "session" in ws.scope else ANONYMOUS
        device = auth.device(ws.query_params.get("device", ""))
        await ws.accept()
        connection = Connection(
            ws,
            hub,
            auth,
            device or principal,
            settings.outbox_size,
            settings.max_message_bytes,
            direct_writer(send),
        )
        await connection.run()

    routes = [
        Route("/", landing),
        Route("/signin", signin),
        Route("/healthz", healthz),
        Route("/metrics", metrics_endpoint),
        Route("/api/login", login, methods=["POST"]),
        Route("/api/logout", logout, methods=["POST"]),
        Route("/api/me", me),
        Route("/api/sites/{site}/commands", command, methods=["POST"]),
        Route("/api/sites/{site}/plan", plan, methods=["POST"]),
        Route("/api/sites/{site}/catalog", catalog),
        *(route for module in screen_modules for route in module.routes(ctx)),
        *(
            Mount(f"/{d}", StaticFiles(directory=ROOT / d, check_dir=False), name=d)
            for d in ASSET_DIRS
        ),
    ]
    sessions: dict[str, Any] = {
        "secret_key": settings.secret,
        "session_cookie": "madoguchi_session",
        "max_age": SESSION_SECONDS,
        "same_site": "lax",
        "https_only": settings.secure_cookies,
    }
    app = Starlette(
        routes=routes, middleware=[Middleware(SessionMiddleware, **sessions)], lifespan=lifespan
    )
    return WebSocketFastPath(app, websocket, SessionMiddleware(_no_app, **sessions))


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
