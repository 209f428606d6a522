"""What request handlers share: configuration, settings, hub, authentication, templates."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import HTTPConnection
from starlette.templating import Jinja2Templates

from server.auth import Authenticator, Principal
from server.config import Config
from server.hub import Hub
from server.printing.spooler import PrintRoom
from server.settings import Settings


@dataclass(frozen=True)
class AppContext:
    config: Config
    settings: Settings
    hub: Hub
    auth: Authenticator
    templates: Jinja2Templates
    printers: PrintRoom

    def principal(self, conn: HTTPConnection) -> Principal:
        """The signed-in staff member of a request, or the anonymous principal."""
        return self.auth.from_session(conn.session.get("staff"))
