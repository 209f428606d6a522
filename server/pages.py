"""HTML screens and the catalogue they render from.

Every screen is a Jinja2 page plus plain ES modules; the page gets the site id, the asset
version and what it shows, and reads texts from ``/api/sites/{site}/catalog`` so that labels,
questions and rules live only in ``config/``.
"""

from __future__ import annotations

from typing import Any

import msgspec
from starlette.requests import Request
from starlette.responses import Response
from starlette.templating import Jinja2Templates

from server.config import Config, Site


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
        },
        "departments": site.departments,
        "queues": site.queues,
        "counters": site.counters,
        "boards": site.boards,
        "life_events": config.life_events.events,
        "questions": config.life_events.questions,
        "procedures": config.procedures.procedures,
        "documents": config.procedures.documents,
        "forms": config.procedures.forms,
        "self_service": config.procedures.self_service,
    }


def catalog_response(config: Config, site: Site) -> Response:
    return Response(
        msgspec.json.encode(catalog(config, site)),
        media_type="application/json",
        headers={"Cache-Control": "no-cache"},
    )


def render(
    templates: Jinja2Templates, request: Request, name: str, version: str, **context: Any
) -> Response:
    """Render a screen with the context every screen gets."""
    return templates.TemplateResponse(request, name, {"version": version, **context})
