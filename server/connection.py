"""One WebSocket connection: hello, snapshot/replay, commands, and a bounded outbox.

Reading and writing are separate tasks. The hub pushes into the outbox without waiting; the
writer task drains it. A bad message gets an error reply and the connection carries on.
A command whose connection drops mid-way still completes (it is shielded): the client's
retry with the same id is then acknowledged as a duplicate.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from server.auth import Authenticator, Principal, view_key
from server.errors import LogError, Rejected
from server.hub import Hub, SiteHub, ack_message
from server.projections import ViewKey
from server.protocol import (
    PROTOCOL_VERSION,
    CommandMessage,
    Hello,
    Ping,
    command_id_of,
    decode_message,
    encode,
    error_message,
)

log = logging.getLogger("madoguchi.ws")

CLOSE_TOO_SLOW = 4008
CLOSE_POLICY = 1008


class Connection:
    """Adapts a Starlette WebSocket to the hub's Subscriber interface."""

    def __init__(
        self,
        ws: WebSocket,
        hub: Hub,
        auth: Authenticator,
        principal: Principal,
        outbox: int,
        max_bytes: int,
    ) -> None:
        self.ws = ws
        self.hub = hub
        self.auth = auth
        self.principal = principal
        self.max_bytes = max_bytes
        self.outbox: asyncio.Queue[str | None] = asyncio.Queue(maxsize=outbox)
        self.site: SiteHub | None = None
        self.key: ViewKey | None = None
        self.closing: tuple[int, str] | None = None
        self.role = principal.role

    # Subscriber interface -------------------------------------------------------------------

    def push(self, message: str) -> bool:
        if self.closing is not None:
            return True
        try:
            self.outbox.put_nowait(message)
        except asyncio.QueueFull:
            return False
        return True

    def cut_off(self, reason: str) -> None:
        self.hub.metrics.cut_off += 1
        self._close_soon(CLOSE_TOO_SLOW, reason)

    def _close_soon(self, code: int, reason: str) -> None:
        if self.closing is None:
            self.closing = (code, reason)
            # Drop what is queued: the client resynchronises on reconnect anyway.
            while not self.outbox.empty():
                self.outbox.get_nowait()
            self.outbox.put_nowait(None)

    # Tasks ----------------------------------------------------------------------------------

    async def run(self) -> None:
        writer = asyncio.get_running_loop().create_task(self._write_loop())
        self.hub.metrics.connected(self.role, +1)
        try:
            await self._read_loop()
        except WebSocketDisconnect:
            pass
        finally:
            self.hub.metrics.connected(self.role, -1)
            if self.site is not None and self.key is not None:
                self.site.unsubscribe(self.key, self)
            if self.closing is None:
                self.closing = (1000, "")
                self.outbox.put_nowait(None) if not self.outbox.full() else None
            try:
                async with asyncio.timeout(5):
                    await writer
            except TimeoutError:
                writer.cancel()

    async def _write_loop(self) -> None:
        try:
            while True:
                message = await self.outbox.get()
                if message is None:
                    break
                await self.ws.send_text(message)
        except (WebSocketDisconnect, RuntimeError, OSError):
            return
        if self.closing is not None and self.ws.application_state == WebSocketState.CONNECTED:
            code, reason = self.closing
            with contextlib.suppress(WebSocketDisconnect, RuntimeError, OSError):
                await self.ws.close(code, reason)

    async def _read_loop(self) -> None:
        while self.closing is None:
            frame = await self.ws.receive()
            if frame["type"] == "websocket.disconnect":
                return
            data = frame.get("text")
            if data is None:
                data = frame.get("bytes") or b""
            await self._handle(data)

    async def _handle(self, data: str | bytes) -> None:
        command_id = ""
        try:
            if len(data) > self.max_bytes:
                raise Rejected("too_large", f"messages are limited to {self.max_bytes} bytes")
            try:
                message = decode_message(data)
            except Rejected:
                command_id = command_id_of(data)
                raise
            match message:
                case Hello():
                    self._hello(message)
                case CommandMessage(id=command_id):
                    await self._command(message)
                case Ping():
                    self.push(encode({"type": "pong"}))
        except Rejected as exc:
            self.push(error_message(exc, command_id))
        except LogError:
            log.warning("store unavailable for a command", exc_info=True)
            self.push(error_message(Rejected("store_unavailable"), command_id))

    def _hello(self, hello: Hello) -> None:
        site = self.hub.site(hello.site)
        principal = self.principal
        if hello.device_token and principal.kind == "anonymous":
            device = self.auth.device(hello.device_token)
            if device is None:
                raise Rejected("not_authenticated", "unknown display token")
            principal = self.principal = device
        key = view_key(principal, hello.site, hello.view, self.hub.config)
        if key.kind == "visitor" and not site.find_token(key.scope):
            raise Rejected("unknown_visit", "this ticket link is not valid today")
        if self.site is not None and self.key is not None:
            self.site.unsubscribe(self.key, self)
        role = principal.role if key.kind != "visitor" else "visitor"
        if role != self.role:
            self.hub.metrics.connected(self.role, -1)
            self.hub.metrics.connected(role, +1)
            self.role = role
        self.push(
            encode(
                {
                    "type": "welcome",
                    "protocol": PROTOCOL_VERSION,
                    "version": self.hub.version,
                    "site": site.site.id,
                    "epoch": site.epoch,
                    "role": role,
                    "stale": site.stale,
                    "actor": principal.actor.id if principal.actor else "",
                }
            )
        )
        self.site, self.key = site, key
        for message in site.subscribe(key, self, hello.seq, hello.epoch):
            self.push(message)

    async def _command(self, message: CommandMessage) -> None:
        if self.site is None:
            raise Rejected("hello_required")
        actor = self.principal.actor
        if actor is None:
            raise Rejected("forbidden", "only signed-in staff send commands")
        if self.site.site.id not in self.principal.sites:
            raise Rejected("forbidden", "not staffed at this site")
        # Shielded: a dropped connection must not abandon a command half-way.
        ack = await asyncio.shield(self.site.execute(actor, message.id, message.command))
        self.push(encode(ack_message(message.id, ack)))
