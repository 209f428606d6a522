"""What request handlers share: configuration, settings, hub, authentication, templates,
speech."""

from __future__ import annotations

from dataclasses import dataclass, field

from starlette.requests import HTTPConnection
from starlette.templating import Jinja2Templates

from server.config.schema import Config
from server.live.hub import Hub
from server.metrics import Metrics
from server.notify.service import Notices
from server.printing.spooler import PrintRoom
from server.reports.history import History
from server.security.auth import Authenticator, Principal
from server.security.ratelimit import CommandLimits
from server.security.sessions import SessionBook
from server.settings import Settings
from server.speech.renderer import Speech


@dataclass(frozen=True)
class AppContext:
    config: Config
    settings: Settings
    hub: Hub
    auth: Authenticator
    templates: Jinja2Templates
    speech: Speech
    sessions: SessionBook
    printers: PrintRoom
    limits: CommandLimits = field(default_factory=CommandLimits)
    history: History = field(default_factory=History)
    # What /metrics reports (the hub's own figures, and each section added at start-up).
    metrics: Metrics = field(default_factory=Metrics)
    # Notices to visitors who step out (None: this app was built without them).
    notices: Notices | None = None

    def principal(self, conn: HTTPConnection) -> Principal:
        """The signed-in staff member of a request, or the anonymous principal (also when
        the session has ended: logged out, idle, expired, PIN changed)."""
        return self.sessions.principal(conn.session, touch=conn.scope["type"] == "http")
