"""One WebSocket connection: hello, snapshot/replay, commands; its writes are an Outbox.

Writing (``server/live/outbox.py``): never waits. A client whose bounded backlog overflows is cut
off (close code 4008) and resynchronises when it reconnects. While a command of its own is
out, the connection's view changes wait and leave with the command's ack.

Reading: a bad message gets an error reply and the connection carries on. A command whose
connection drops mid-way still completes (it is shielded): the client's retry with the same
id is then acknowledged as a duplicate.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable

from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from server.domain.commands import Actor
from server.domain.events import Event, VisitViewed
from server.domain.permissions import visitor_actor
from server.domain.protection import may_see
from server.domain.shelf_life import NEVER_LATE, deadline
from server.errors import LogError, Rejected
from server.live.client_clock import ClockOffset
from server.live.hub import Hub
from server.live.outbox import Outbox
from server.live.protocol import (
    PONG,
    PROTOCOL_VERSION,
    CommandMessage,
    Hello,
    Ping,
    Viewed,
    Welcome,
    command_id_of,
    decode_message,
    encode,
    error_message,
)
from server.live.site_hub import SiteHub, acknowledgement
from server.live.wire import DirectWriter
from server.projections.views import ViewKey
from server.security.auth import Authenticator, Principal, command_actor, view_key
from server.security.ratelimit import CommandLimits
from server.security.sessions import CLOSE_SESSION_ENDED

log = logging.getLogger("madoguchi.ws")

CLOSE_TOO_SLOW = 4008
CLOSE_TOKEN_REVOKED = 4403  # a supervisor revoked this board's or kiosk's token
CLOSE_POLICY = 1008
STAFF_VIEWS = ("counter", "supervisor", "floor")
HELLO_SECONDS = 10.0  # a connection that has not said hello by then is closed


class Connection:
    """One client's WebSocket: reads its messages and answers them; its ``outbox`` is what
    the hub's views push to."""

    def __init__(
        self,
        ws: WebSocket,
        hub: Hub,
        auth: Authenticator,
        principal: Principal,
        outbox_size: int,
        max_bytes: int,
        direct: DirectWriter | None = None,
        summon_max_age: float = 10.0,
        limits: CommandLimits | None = None,
        hello_seconds: float = HELLO_SECONDS,
    ) -> None:
        self.ws = ws
        self.hub = hub
        self.auth = auth
        self.principal = principal
        self.max_bytes = max_bytes
        # What the views and the heartbeat hold: the fan-out reaches the outbox directly.
        self.outbox = Outbox(ws, direct, outbox_size, hub.metrics, self.cut_off)
        self.closer: asyncio.Task[None] | None = None
        self.site_hub: SiteHub | None = None
        self.key: ViewKey | None = None
        self.closing: tuple[int, str] | None = None
        self.role = principal.role
        self.summon_max_age = summon_max_age
        self.clock = ClockOffset()
        self.limits = limits or CommandLimits()
        self.bucket = self.limits.bucket()
        self.hellos = self.limits.hello_bucket()
        self.hello_seconds = hello_seconds
        self.on_hello: Callable[[], None] | None = None
        # Records who read which visit's details (the security log), once per visit here.
        self.audit: Callable[[Actor, Event], Awaitable[object]] | None = None
        self.viewed: set[str] = set()
        # The staff session behind this socket (see server.security.sessions): its generation, when
        # it was issued, and when its holder last did something.
        self.session_gen = 0
        self.issued_at = self.last_active = time.time()

    # Closing --------------------------------------------------------------------------------

    def cut_off(self, reason: str) -> None:
        """The client cannot keep up (or must resynchronise): close, it will reconnect."""
        self.hub.metrics.cut_off += 1
        self._close_soon(CLOSE_TOO_SLOW, reason)

    def end_session(self, reason: str) -> None:
        """The staff member's session ended (logout, idle, expired): close at once."""
        self._close_soon(CLOSE_SESSION_ENDED, reason)

    def token_revoked(self, reason: str) -> None:
        """This device's token was revoked: close at once. The screen comes back, is
        refused and says it is not enrolled, instead of showing the lobby until it restarts."""
        self._close_soon(CLOSE_TOKEN_REVOKED, reason)

    def _close_soon(self, code: int, reason: str) -> None:
        if self.closing is None:
            self.closing = (code, reason)
            self.outbox.close()
            self.closer = asyncio.ensure_future(self._close())

    async def _close(self) -> None:
        self.outbox.stop()
        if self.closing is not None and self.ws.application_state == WebSocketState.CONNECTED:
            code, reason = self.closing
            with contextlib.suppress(Exception):
                await self.ws.close(code, reason)

    # Reading --------------------------------------------------------------------------------

    async def run(self) -> None:
        self.hub.metrics.connected(self.role, +1)
        try:
            await self._read_loop()
        except WebSocketDisconnect:
            pass
        finally:
            self.hub.metrics.connected(self.role, -1)
            self.hub.heartbeat.discard(self.outbox)
            if self.site_hub is not None and self.key is not None:
                self.site_hub.views.unsubscribe(self.key, self.outbox)
            if self.closing is None:
                self.closing = (1000, "")
                self.outbox.close()
            self.outbox.stop()

    async def _read_loop(self) -> None:
        deadline = asyncio.get_running_loop().time() + self.hello_seconds
        while self.closing is None:
            if self.site_hub is None:
                # Before hello: the connection is nobody yet and may not linger.
                try:
                    async with asyncio.timeout_at(deadline):
                        frame = await self.ws.receive()
                except TimeoutError:
                    with contextlib.suppress(Exception):
                        await self.ws.close(CLOSE_POLICY, "no hello")
                    return
            else:
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
                    await self._hello(message)
                case CommandMessage(id=command_id):
                    self.outbox.cork()
                    await self._command(message)
                case Ping(clock=clock):
                    if clock is not None:
                        self.clock.sample(clock, time.time())
                    self.outbox.push(PONG)
                case Viewed():
                    await self._viewed(message)
        except Rejected as exc:
            self.outbox.push(error_message(exc, command_id))
        except LogError:
            log.warning("store unavailable for a command", exc_info=True)
            self.outbox.push(error_message(Rejected("store_unavailable"), command_id))
        finally:
            if not self.outbox.uncork():
                self.cut_off("too_slow")

    async def _hello(self, hello: Hello) -> None:
        if not self.hellos.take(self.limits.clock()):
            raise Rejected("rate_limited", "too many hellos on this connection")
        self.clock.sample(hello.clock, time.time())
        if hello.heartbeat:
            self.hub.heartbeat.add(self.outbox)
        site_hub = self.hub.site_hub(hello.site)
        await site_hub.current()
        principal = self.principal
        if hello.device_token and principal.kind == "anonymous":
            device = self.auth.device(hello.device_token)
            if device is None:
                raise Rejected("not_authenticated", "unknown display token")
            principal = self.principal = device
        key = view_key(principal, hello.site, hello.view, self.hub.config)
        if key.kind == "visitor" and not site_hub.find_token(key.scope):
            raise Rejected("unknown_visit", "this ticket link is not valid today")
        if self.site_hub is not None and self.key is not None:
            self.site_hub.views.unsubscribe(self.key, self.outbox)
        role = principal.role if key.kind != "visitor" else "visitor"
        if role != self.role:
            self.hub.metrics.connected(self.role, -1)
            self.hub.metrics.connected(role, +1)
            self.role = role
        welcome = Welcome(
            PROTOCOL_VERSION,
            self.hub.version,
            site_hub.site.id,
            site_hub.epoch,
            role,
            site_hub.stale,
            principal.actor.id if principal.actor else "",
        )
        if principal.actor is not None:
            # Staff screens keep these commands out of their outbox (see shelf_life).
            welcome.never_late = NEVER_LATE
            welcome.summon_max_age = self.summon_max_age
        self.outbox.push(encode(welcome))
        self.site_hub, self.key = site_hub, key
        for message in site_hub.subscribe(key, self.outbox, hello.seq, hello.epoch):
            self.outbox.push(message)
        if self.on_hello is not None:
            self.on_hello()
            self.on_hello = None

    async def _viewed(self, message: Viewed) -> None:
        if self.site_hub is None or self.key is None:
            raise Rejected("hello_required")
        actor = self.principal.actor
        if actor is None or self.audit is None or self.key.kind not in STAFF_VIEWS:
            raise Rejected("forbidden", "only staff screens open a visit's details")
        visit = self.site_hub.state.visits.get(message.visit)
        if visit is None:
            raise Rejected("unknown_visit")
        if visit.protected:
            # A protected visit: only who has a need to know, and every opening is on record.
            if not may_see(visit, actor):
                raise Rejected("forbidden", "this visit is protected")
        elif message.visit in self.viewed:
            return
        if not self.bucket.take(self.limits.clock()):
            raise Rejected("rate_limited")
        self.viewed.add(message.visit)
        await self.audit(actor, VisitViewed(self.site_hub.site.id, message.visit, self.key.kind))

    async def _command(self, message: CommandMessage) -> None:
        if self.site_hub is None:
            raise Rejected("hello_required")
        self.last_active = time.time()
        if self.key is not None and self.key.kind == "visitor" and self.principal.actor is None:
            # A visitor's own page: the token that opened it is the capability; it acts as
            # that visit (the domain lets it step out and back, nothing more).
            visit = self.site_hub.visit_for_token(self.key.scope)
            if not visit:
                raise Rejected("unknown_visit", "this ticket link is not valid today")
            actor = visitor_actor(visit)
        else:
            actor = command_actor(self.principal, self.site_hub.site.id)
        self.limits.check(self.bucket, actor, message.command)
        # Shielded: a dropped connection must not abandon a command half-way.
        sent_at = self.clock.server_time(message.at)
        not_after = deadline(message.command, sent_at, self.summon_max_age)
        ack = await asyncio.shield(
            self.site_hub.execute(actor, message.id, message.command, sent_at, not_after)
        )
        self.outbox.push(encode(acknowledgement(message.id, ack)))
