"""Refusals as HTTP responses: the same JSON body as a WebSocket error, with the code's status.

Every JSON error an HTTP endpoint sends is made by :func:`error_response`; the status of each
code is in ``server.errors.CODES``. The application also answers any :class:`Rejected` an
endpoint raises with it (:func:`rejected`), so a check deep in a handler needs no
``try``/``except`` of its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from server.errors import CODES, Rejected


def error_response(exc: Rejected, headers: Mapping[str, str] | None = None) -> JSONResponse:
    """The error body (code, message, path) with the code's HTTP status."""
    body: dict[str, Any] = {"type": "error", "code": exc.code, "message": exc.message}
    if exc.path:
        body["path"] = exc.path
    return JSONResponse(body, status_code=CODES[exc.code].status, headers=headers)


async def rejected(request: Request, exc: Exception) -> Response:
    """The application's handler of :class:`Rejected`: its error response."""
    if not isinstance(exc, Rejected):  # registered for Rejected only
        raise exc
    return error_response(exc)
