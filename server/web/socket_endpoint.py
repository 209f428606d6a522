"""The WebSocket endpoint, ``/ws``: admission, the signed-in staff member or enrolled device,
and the connection that serves it (``server.live.connection``).

``/ws`` is taken around the HTTP middleware stack (:class:`WebSocketFastPath`): a message
fanned out to ten thousand boards passes through no middleware send wrapper.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.middleware.sessions import SessionMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.websockets import WebSocket

from server.live.connection import CLOSE_POLICY, Connection
from server.live.slow_clients import Admission
from server.live.wire import direct_writer
from server.security.auth import ANONYMOUS, staff_principal
from server.security.sessions import client_address
from server.web import exposure
from server.web.context import AppContext


def around(app: ASGIApp, ctx: AppContext, cookie: dict[str, Any]) -> WebSocketFastPath:
    """``app`` with ``/ws`` served by this module's endpoint; ``cookie`` is the session
    cookie's settings (the same as the application's SessionMiddleware)."""
    return WebSocketFastPath(app, endpoint(ctx), SessionMiddleware(_no_app, **cookie))


def endpoint(ctx: AppContext) -> Callable[[WebSocket, Send], Awaitable[None]]:
    """The ``/ws`` handler: checks the origin and admits at most a few sockets per address
    waiting for their hello, then serves the connection."""
    hub, auth, sessions = ctx.hub, ctx.auth, ctx.sessions
    settings, limits = ctx.settings, ctx.limits
    origins = exposure.allowed_origins(settings)
    admission = Admission(settings.waiting_per_address)

    async def websocket(ws: WebSocket, send: Send) -> None:
        if not exposure.origin_allowed(ws, origins):
            await ws.close(CLOSE_POLICY, "origin not allowed")
            return
        address = client_address(ws.scope.get("client"))
        if not admission.admit(address):
            await ws.close(CLOSE_POLICY, "too many connections waiting for hello")
            return
        released = False

        def release() -> None:  # once: at the first hello, or when the socket goes
            nonlocal released
            if not released:
                released = True
                admission.release(address)

        try:
            await _serve(ws, send, release)
        finally:
            release()

    async def _serve(ws: WebSocket, send: Send, hello_said: Callable[[], None]) -> None:
        staff, gen = sessions.check(ws.scope["session"]) if "session" in ws.scope else (None, 0)
        device = auth.device(ws.query_params.get("device", ""))
        await ws.accept()
        connection = Connection(
            ws,
            hub,
            auth,
            device or (staff_principal(staff) if staff is not None else ANONYMOUS),
            settings.outbox_size,
            settings.max_message_bytes,
            direct_writer(send),
            settings.summon_max_age,
            limits,
            settings.hello_seconds,
        )
        connection.on_hello = hello_said
        if device is not None:
            sessions.register_device(device.token_key, connection)
            try:
                await connection.run()
            finally:
                sessions.unregister_device(device.token_key, connection)
            return
        if staff is None:
            await connection.run()
            return
        connection.audit = sessions.append
        connection.session_gen = gen
        connection.issued_at = ws.scope["session"]["iat"]
        sessions.register(staff.id, connection)
        try:
            await connection.run()
        finally:
            sessions.unregister(staff.id, connection)

    return websocket


async def _no_app(scope: Scope, receive: Receive, send: Send) -> None:
    """The end of the session reader: the session is in the scope, nothing else to do."""


class WebSocketFastPath:
    """Takes ``/ws`` around the HTTP middleware stack.

    A message fanned out to ten thousand boards would otherwise pass through two middleware
    send wrappers per board. The session cookie is still read by Starlette's own
    SessionMiddleware (run here only to fill ``scope["session"]``); every other request goes
    to the application as usual.
    """

    def __init__(
        self,
        app: ASGIApp,
        endpoint: Callable[[WebSocket, Send], Awaitable[None]],
        sessions: ASGIApp,
    ) -> None:
        self.app = app
        self.endpoint = endpoint
        self.sessions = sessions

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket" and scope["path"] == "/ws":
            await self.sessions(scope, receive, send)
            await self.endpoint(WebSocket(scope, receive, send), send)
        else:
            await self.app(scope, receive, send)
