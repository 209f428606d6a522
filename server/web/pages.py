"""HTML screens and the catalogue they render from.

Every screen is a Jinja2 page plus plain ES modules; the page gets the site id, the asset
version and what it shows, and reads texts from ``/api/sites/{site}/catalog`` so that labels,
questions and rules live only in ``config/``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import msgspec
from starlette.requests import Request
from starlette.responses import Response
from starlette.templating import Jinja2Templates

from server.config.schema import Config, Site
from server.domain.intake import MAX_NOTE, MAX_PARTY
from server.domain.shelf_life import NEVER_LATE

if TYPE_CHECKING:
    from server.web.context import AppContext


def catalog(config: Config, site: Site) -> dict[str, Any]:
    """What screens need to render a site: names, questions, procedures, layout. No secrets."""
    return {
        "site": {
            "id": site.id,
            "name": site.name,
            "timezone": site.timezone,
            "hours": site.hours,
            "languages": site.languages,
            "notices": site.notices,
            "wait_bands": site.wait_bands,
            "step_out": site.step_out,
        },
        "departments": site.departments,
        "queues": site.queues,
        "counters": site.counters,
        "boards": site.boards,
        # Guide-station printers (those beside a kiosk print the kiosk's tickets): no address.
        "printers": [
            {"id": p.id, "name": p.name}
            for p in site.printers
            if not any(k.printer == p.id for k in site.kiosks)
        ],
        "life_events": config.life_events.events,
        "questions": config.life_events.questions,
        "procedures": config.procedures.procedures,
        "documents": config.procedures.documents,
        "forms": config.procedures.forms,
        "self_service": config.procedures.self_service,
        "needs": config.life_events.needs,
        "languages": config.life_events.languages,
        "limits": {"party_size": MAX_PARTY, "note": MAX_NOTE},
        # Commands a screen must never keep for later (known before the first connection).
        "never_late": NEVER_LATE,
        # The bereavement corner (booth mode, issue 22b); null when the site runs none.
        "bereavement": site.bereavement,
    }


def catalog_response(config: Config, site: Site) -> Response:
    return Response(
        msgspec.json.encode(catalog(config, site)),
        media_type="application/json",
        headers={"Cache-Control": "no-cache"},
    )


def enrolment_url(ctx: AppContext, site_id: str, *, board: str = "", kiosk: str = "") -> str:
    """A lobby board's or kiosk's address; on a demo deployment with the demo token of a
    device enrolled for it, carrying it (``?device=``) so the landing page link just works."""
    url = f"/board/{site_id}/{board}" if board else f"/kiosk/{site_id}/{kiosk}"
    tokens = {s.device: s.token for s in ctx.config.deployment.demo_sign_ins if s.device}
    token = next(
        (
            tokens[d.id]
            for d in ctx.config.accounts.devices
            if d.site == site_id and (d.board, d.kiosk) == (board, kiosk) and d.id in tokens
        ),
        "",
    )
    return f"{url}?device={token}" if token else url


def render(
    templates: Jinja2Templates, request: Request, name: str, version: str, **context: Any
) -> Response:
    """Render a screen with the context every screen gets."""
    return templates.TemplateResponse(request, name, {"version": version, **context})
