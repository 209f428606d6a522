"""Screens: one module per kind of screen, each with ``routes(ctx)`` and ``links(ctx, site)``.

``routes`` returns the Starlette routes the screen needs (its page, any JSON endpoints);
``links`` returns the landing-page entries for a site (``{"url", "ja", "en"}``), so a newcomer
is one click from every screen. Register a new module in ``SCREEN_MODULES``.
"""

from __future__ import annotations

import importlib
from types import ModuleType

SCREEN_MODULES: tuple[str, ...] = (
    "server.screens.counter",
    "server.screens.board",
    "server.screens.visitor",
    "server.screens.notices",
    "server.screens.guide",
    "server.screens.supervisor",
    "server.screens.speech",
    "server.screens.selfservice",
    "server.screens.audit",
    "server.screens.public",
    "server.screens.staffing",
    "server.screens.kiosk",
    "server.screens.printers",
)


def modules() -> list[ModuleType]:
    return [importlib.import_module(name) for name in SCREEN_MODULES]
