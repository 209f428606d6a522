"""Screens: one module per kind of screen, each with ``routes(ctx)`` and ``links(ctx, site)``.

``routes`` returns the Starlette routes the screen needs (its page, any JSON endpoints);
``links`` returns the landing-page entries for a site (``{"url", "ja", "en"}``), so a newcomer
is one click from every screen. Add a new module to ``SCREENS``; the order is the landing
page's.
"""

from __future__ import annotations

from typing import Protocol

from starlette.routing import BaseRoute

from server.config.schema import Site
from server.web.context import AppContext
from server.web.screens import (
    audit,
    board,
    counter,
    guide,
    kiosk,
    notices,
    printers,
    public,
    selfservice,
    speech,
    staffing,
    supervisor,
    visitor,
)


class Screen(Protocol):
    """What a screen module provides (mypy checks each module in ``SCREENS`` against it)."""

    def routes(self, ctx: AppContext) -> list[BaseRoute]: ...

    def links(self, ctx: AppContext, site: Site) -> list[dict[str, str]]: ...


SCREENS: tuple[Screen, ...] = (
    counter,
    board,
    visitor,
    notices,
    guide,
    supervisor,
    speech,
    selfservice,
    audit,
    public,
    staffing,
    kiosk,
    printers,
)
