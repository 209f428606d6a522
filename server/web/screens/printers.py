"""Thermal ticket printers: send a ticket to a site's printer, and the printers' status.

Routes:

- ``POST /api/sites/{site}/print`` ``{"visit": id or ticket, "printer": id}`` — a guide (or a
  supervisor, or a clerk of a department on the visit's itinerary) prints a ticket on a
  guide-station printer; answered at once with the printer's status, printing follows;
- ``GET /api/sites/{site}/printers`` — every printer's state, queue and last fault, for the
  supervisor view (also on ``/metrics``).

The browser's own print dialog (``/guide/{site}/ticket/{visit}``) stays for offices without one.
"""

from __future__ import annotations

import asyncio

import msgspec
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from server.config.schema import Site
from server.domain.commands import Actor
from server.domain.protection import may_open_ticket
from server.domain.state import Visit
from server.errors import Rejected
from server.printing.escpos import raster_job
from server.printing.spooler import PrinterStatus
from server.printing.ticket_image import render_ticket
from server.ticket_facts import ticket_facts
from server.web import exposure
from server.web.access import staff_member
from server.web.context import AppContext
from server.web.screens.guide import TICKET_ROLES, audit_ticket, find_visit, visitor_url

STATUS_ROLES = ("guide", "supervisor")


class PrintRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    visit: str
    printer: str


def ticket_bytes(ctx: AppContext, site: Site, visit: Visit, width: int) -> bytes:
    """The ESC/POS byte stream of a visit's ticket (a few tens of ms of Pillow work)."""
    facts = ticket_facts(ctx.config, site, visit, visitor_url(ctx.settings, site.id, visit.token))
    return raster_job(render_ticket(facts, width, ctx.config.texts))


async def print_ticket(ctx: AppContext, site: Site, visit: Visit, printer_id: str) -> PrinterStatus:
    """Render the ticket off the event loop and queue it; Rejected for an unknown printer or
    a full queue."""
    printer = site.printer(printer_id)
    if printer is None:
        raise Rejected("unknown_printer", f"no printer {printer_id!r}", "$.printer")
    data = await asyncio.to_thread(ticket_bytes, ctx, site, visit, printer.width)
    return ctx.printers.submit(site.id, printer.id, visit.shown_ticket, data)


def _json(value: object) -> Response:
    return Response(msgspec.json.encode(value), media_type="application/json")


def routes(ctx: AppContext) -> list[BaseRoute]:
    """The print endpoint and the status endpoint."""
    origins = exposure.allowed_origins(ctx.settings)

    def staff_at(request: Request, roles: tuple[str, ...]) -> tuple[Site, Actor]:
        site_id = request.path_params["site"]
        principal = staff_member(ctx, request, roles, site_id, "not your role or site")
        assert principal.actor is not None
        return ctx.config.site(site_id), principal.actor

    # A refusal (Rejected) raised here is answered by the application's handler.
    async def print_endpoint(request: Request) -> Response:
        if not exposure.origin_allowed(request, origins):
            raise Rejected("forbidden", "cross-site request refused")
        site, actor = staff_at(request, TICKET_ROLES)
        try:
            body = msgspec.json.decode(await request.body(), type=PrintRequest)
        except msgspec.DecodeError as exc:
            raise Rejected("invalid", str(exc)) from None
        visit = await find_visit(ctx, site.id, body.visit)
        if visit is None:
            raise Rejected("unknown_visit", path="$.visit")
        if not may_open_ticket(visit, actor, site, ctx.config.procedures):
            raise Rejected("forbidden", "this visitor has no business with your department")
        status = await print_ticket(ctx, site, visit, body.printer)
        await audit_ticket(ctx, site, visit, actor, "print")
        return _json({"ticket": visit.shown_ticket, "printer": status})

    async def status_endpoint(request: Request) -> Response:
        site, _ = staff_at(request, STATUS_ROLES)
        response = _json({"printers": ctx.printers.statuses(site.id)})
        response.headers["Cache-Control"] = "no-store"
        return response

    return [
        Route("/api/sites/{site}/print", print_endpoint, methods=["POST"]),
        Route("/api/sites/{site}/printers", status_endpoint),
    ]


def links(ctx: AppContext, site: Site) -> list[dict[str, str]]:
    """No page of its own: printers show in the supervisor view and the guide app."""
    return []
