"""The Starlette application: builds what the handlers share and wires their routes.

Routes come from their own modules: the landing and sign-in pages (``server.web.landing``), health
and metrics (``server.web.health``), the JSON API (``server.web.api``), each screen
(``server.web.screens``) and the static assets; ``/ws`` from ``server.web.socket_endpoint``.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates
from starlette.types import ASGIApp

from server.config.loading import load_config
from server.config.schema import Config
from server.domain.state import SiteState
from server.errors import PageRefused, Rejected
from server.live.hub import Hub
from server.log.backends import open_log
from server.metrics import Metrics
from server.notify.book import open_book
from server.notify.service import Notices
from server.printing.spooler import PrintRoom
from server.security.auth import Authenticator
from server.security.ratelimit import CommandLimits
from server.security.sessions import SessionBook
from server.settings import ROOT, Settings
from server.speech.renderer import Speech
from server.web import api, exposure, health, landing, socket_endpoint
from server.web.access import refused
from server.web.context import AppContext
from server.web.csrf import SameOriginWrites
from server.web.http_errors import rejected
from server.web.screens import SCREENS
from server.web.security_headers import SecurityHeaders

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


def create_app(settings: Settings | None = None, config: Config | None = None) -> ASGIApp:
    """Build the application; the hub starts and stops with the app's lifespan."""
    settings = settings or Settings.from_env()
    try:
        exposure.check(settings)
    except ValueError as exc:
        raise SystemExit(f"madoguchi: bad setting in the environment: {exc}") from None
    origins = exposure.allowed_origins(settings)
    ctx = context(settings, config or load_config(settings.config_dir))
    cookie: dict[str, Any] = {
        "secret_key": settings.secret,
        "session_cookie": "madoguchi_session",
        "max_age": int(settings.session_absolute_seconds),
        "same_site": "lax",
        "https_only": settings.secure_cookies,
    }
    app = Starlette(
        routes=routes(ctx),
        middleware=[
            Middleware(SecurityHeaders, hsts=settings.secure_cookies),
            Middleware(
                SameOriginWrites, origin_allowed=lambda c: exposure.origin_allowed(c, origins)
            ),
            Middleware(SessionMiddleware, **cookie),
        ],
        # Checks raise their refusal; these turn it into the answer (server.web.access).
        exception_handlers={Rejected: rejected, PageRefused: refused},
        lifespan=lifespan(ctx),
    )
    return socket_endpoint.around(app, ctx, cookie)


def context(settings: Settings, config: Config) -> AppContext:
    """Everything the handlers share, built (not started) from settings and configuration."""
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
    printers = PrintRoom(config)
    metrics.sections.append(printers.metric_lines)
    notices = Notices(
        config, settings, hub, open_book(settings.store), exposure.public_origin(settings)
    )
    metrics.sections.append(notices.metrics)
    return AppContext(
        config,
        settings,
        hub,
        auth,
        templates,
        speech,
        sessions,
        printers,
        CommandLimits(settings.rate_limits),
        notices=notices,
        metrics=metrics,
    )


def routes(ctx: AppContext) -> list[BaseRoute]:
    """Every HTTP route, in the order they are matched."""
    return [
        *landing.routes(ctx),
        *health.routes(ctx),
        *api.routes(ctx),
        *(route for module in SCREENS for route in module.routes(ctx)),
        *(
            Mount(f"/{d}", StaticFiles(directory=ROOT / d, check_dir=False), name=d)
            for d in ASSET_DIRS
        ),
    ]


def lifespan(ctx: AppContext) -> Callable[[Starlette], AbstractAsyncContextManager[None]]:
    """Start the hub, speech, sessions and notices with the app; stop them in reverse."""
    settings, config = ctx.settings, ctx.config
    notices = ctx.notices
    assert notices is not None  # create_app always builds them

    @contextlib.asynccontextmanager
    async def run(app: Starlette) -> AsyncIterator[None]:
        await ctx.hub.start()
        await ctx.speech.start()
        await ctx.sessions.start()
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
            await ctx.sessions.stop()
            await ctx.speech.stop()
            await ctx.printers.close()
            await ctx.hub.stop()
            ctx.auth.close()

    return run


def _watched_by_boards(hub: Hub) -> dict[str, SiteState]:
    """The sites a lobby board is watching now: only their next calls are worth rendering."""
    return {
        site_id: site_hub.state
        for site_id, site_hub in hub.sites.items()
        if site_hub.following
        and any(key.kind == "board" and view.subscribers for key, view in site_hub.views.items())
    }
