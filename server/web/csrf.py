"""Cross-site request forgery: a state-changing request must come from this site's own pages.

Browsers send ``Origin`` with every POST (and ``Sec-Fetch-Site``); a form on another site
posting to ``/api/logout`` or ``/api/sites/…/commands`` carries that site's origin, and is
refused before any handler runs. A request without ``Origin`` is refused too unless the browser
vouches for it with ``Sec-Fetch-Site: same-origin``: integrations send the ``Origin`` of this
service (or one listed in ``MADOGUCHI_ORIGINS``). Which origins are this service's own is
decided by one function (``origin_allowed`` in ``server.web.exposure``), shared with the WebSocket.
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Receive, Scope, Send

from server.errors import Rejected
from server.web.http_errors import error_response

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def same_origin(conn: HTTPConnection, origin_allowed: Callable[[HTTPConnection], bool]) -> bool:
    """Whether a state-changing request provably comes from one of this service's origins."""
    if conn.headers.get("origin") is None:
        return conn.headers.get("sec-fetch-site") == "same-origin"
    return origin_allowed(conn)


class SameOriginWrites:
    """Refuses POST/PUT/PATCH/DELETE that are not same-origin (403, code ``forbidden``)."""

    def __init__(self, app: ASGIApp, origin_allowed: Callable[[HTTPConnection], bool]) -> None:
        self.app = app
        self.origin_allowed = origin_allowed

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope["method"] not in SAFE_METHODS
            and not same_origin(HTTPConnection(scope), self.origin_allowed)
        ):
            refusal = error_response(Rejected("forbidden", "cross-site request refused"))
            await refusal(scope, receive, send)
            return
        await self.app(scope, receive, send)
