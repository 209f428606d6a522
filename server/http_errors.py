"""Refusals as HTTP responses: the same JSON body as a WebSocket error, with a fitting status."""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse

from server.errors import Rejected

HTTP_STATUS = {
    "malformed": 400,
    "invalid": 400,
    "unknown_type": 400,
    "too_large": 413,
    "rate_limited": 429,
    "not_authenticated": 401,
    "forbidden": 403,
    "store_unavailable": 503,
    "busy": 503,
    "printer_busy": 503,
}


def error_response(exc: Rejected, command_id: str = "") -> JSONResponse:
    """The error body (code, message, path, command id) with its HTTP status."""
    body: dict[str, Any] = {"type": "error", "code": exc.code, "message": exc.message}
    if exc.path:
        body["path"] = exc.path
    if command_id:
        body["id"] = command_id
    status = HTTP_STATUS.get(exc.code, 404 if exc.code.startswith("unknown_") else 409)
    return JSONResponse(body, status_code=status)
