"""Refusals as HTTP responses: the same JSON body as a WebSocket error, with the code's status.

Every JSON error an HTTP endpoint sends is made by :func:`error_response`; the status of each
code is in ``server.errors.CODES``. The application also answers any :class:`Rejected` an
endpoint raises with it (:func:`rejected`), so a check deep in a handler needs no
``try``/``except`` of its own.
"""

from __future__ import annotations

from collections.abc import Mapping

from starlette.requests import Request
from starlette.responses import Response

from server.errors import CODES, Rejected
from server.live.protocol import error_message


def error_response(exc: Rejected, headers: Mapping[str, str] | None = None) -> Response:
    """The WebSocket's error reply (code, message, path) with the code's HTTP status."""
    return Response(
        error_message(exc),
        status_code=CODES[exc.code].status,
        headers=headers,
        media_type="application/json",
    )


async def rejected(request: Request, exc: Exception) -> Response:
    """The application's handler of :class:`Rejected`: its error response."""
    if not isinstance(exc, Rejected):  # registered for Rejected only
        raise exc
    return error_response(exc)
