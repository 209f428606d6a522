"""Front-door limits for clients that connect and then dawdle.

- HTTP: uvicorn drops idle keep-alive connections, but waits for ever for a request that
  arrives a byte at a time (slowloris). :class:`RequestDeadline` gives each request
  (headers and body) ``REQUEST_SECONDS`` (``MADOGUCHI_REQUEST_SECONDS``) to arrive, from the
  moment the connection opens or the previous response ends.
- WebSocket: a connection must say hello within ``hello_seconds`` (see
  ``server.live.connection``), and one client address may hold at most ``per_address``
  connections that have not said hello yet (:class:`Admission`).
"""

from __future__ import annotations

import asyncio

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

REQUEST_SECONDS = 10.0


class RequestDeadline(HttpToolsProtocol):
    """uvicorn's httptools protocol with a deadline for each whole request."""

    _deadline: asyncio.TimerHandle | None = None
    request_seconds = REQUEST_SECONDS

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._arm()

    def on_message_complete(self) -> None:
        self._disarm()
        super().on_message_complete()

    def handle_websocket_upgrade(self) -> None:
        self._disarm()  # from here the WebSocket's own hello deadline applies
        super().handle_websocket_upgrade()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self) -> None:
        self._disarm()
        self._deadline = self.loop.call_later(self.request_seconds, self._expire)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _expire(self) -> None:
        self._deadline = None
        if not self.transport.is_closing():
            self.transport.close()


class Admission:
    """Counts WebSocket connections per client address that have not said hello yet."""

    def __init__(self, per_address: int) -> None:
        self.per_address = per_address
        self.waiting: dict[str, int] = {}

    def admit(self, address: str) -> bool:
        """Take a place for a new connection from ``address``; False when it has too many."""
        count = self.waiting.get(address, 0)
        if count >= self.per_address:
            return False
        self.waiting[address] = count + 1
        return True

    def release(self, address: str) -> None:
        """The connection said hello (or went away)."""
        count = self.waiting.get(address, 0) - 1
        if count > 0:
            self.waiting[address] = count
        else:
            self.waiting.pop(address, None)
