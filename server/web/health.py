"""Health and metrics: ``/healthz`` for the load balancer, ``/metrics`` for Prometheus."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from server.web import exposure
from server.web.context import AppContext


def routes(ctx: AppContext) -> list[BaseRoute]:
    """``/healthz`` (503 while a site is stale or its store failing) and ``/metrics``."""
    hub, settings = ctx.hub, ctx.settings

    async def healthz(request: Request) -> Response:
        sites = {
            site_id: {
                "seq": site_hub.state.seq,
                "stale": site_hub.stale,
                "day": site_hub.state.business_date,
                "following": site_hub.following,
                "store_failing": site_hub.store_failing,
            }
            for site_id, site_hub in hub.sites.items()
        }
        healthy = not any(s.stale or s.store_failing for s in hub.sites.values())
        return JSONResponse(
            {
                "status": "ok" if healthy else "degraded",
                "version": hub.version,
                "sites": sites,
                # A board language without a server voice is announced by chime and caption:
                # worth a look, not a reason to take the process out of service.
                "speech": ctx.speech.health(),
            },
            status_code=200 if healthy else 503,
        )

    async def metrics_endpoint(request: Request) -> Response:
        if not exposure.metrics_allowed(request, settings):
            return PlainTextResponse("forbidden", status_code=403)
        return PlainTextResponse(ctx.metrics.render(), media_type="text/plain; version=0.0.4")

    return [Route("/healthz", healthz), Route("/metrics", metrics_endpoint)]
