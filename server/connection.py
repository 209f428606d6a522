"""One WebSocket connection: hello, snapshot/replay, commands, and a bounded outbox.

Writing: the hub pushes a message and, while the client keeps up, its frame (built once
for every subscriber, see ``server/wire.py``) is written to the socket at once, so a fan-out
to thousands of boards costs no task switch per board. When a client's socket buffer is
full the ASGI send suspends: a writer task finishes it and drains a bounded backlog;
a client whose backlog overflows is cut off (close code 4008) and resynchronises when it
reconnects. Nobody else waits for it.

While a command of its own is out, a connection's view changes wait and leave with the
command's ack: the counter that pressed "call next" gets the change and the ack in one write
(one wake-up of its client), and every other screen still gets the change at once.

Reading: a bad message gets an error reply and the connection carries on. A command whose
connection drops mid-way still completes (it is shielded): the client's retry with the same
id is then acknowledged as a duplicate.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import types
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine, Generator
from typing import Any, cast

from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from server.auth import Authenticator, Principal, command_actor, view_key
from server.client_clock import ClockOffset
from server.domain.commands import Actor
from server.domain.events import Event, VisitViewed
from server.domain.permissions import visitor_actor
from server.domain.protection import may_see
from server.domain.shelf_life import NEVER_LATE, deadline
from server.errors import LogError, Rejected
from server.heartbeat import BEAT
from server.hub import Hub, SiteHub, acknowledgement
from server.projections import ViewKey
from server.protocol import (
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
from server.ratelimit import CommandLimits
from server.sessions import CLOSE_SESSION_ENDED
from server.wire import DirectWriter, text_frame

log = logging.getLogger("madoguchi.ws")

CLOSE_TOO_SLOW = 4008
CLOSE_POLICY = 1008
CORK_LIMIT = 32  # changes held for a command's ack before they are written anyway
BEAT_FRAME = text_frame(BEAT)
STAFF_VIEWS = ("counter", "supervisor", "floor")
HELLO_SECONDS = 10.0  # a connection that has not said hello by then is closed


@types.coroutine
def _resume(coro: Coroutine[Any, Any, None], first: Any) -> Generator[Any, Any, None]:
    """Finish, inside a task, a coroutine that was started by hand and suspended."""
    value = first
    while True:
        try:
            sent = yield value
        except GeneratorExit:
            coro.close()
            raise
        except BaseException as exc:  # a cancellation (or other throw) goes to the coroutine
            try:
                value = coro.throw(exc)
            except StopIteration:
                return
        else:
            try:
                value = coro.send(sent)
            except StopIteration:
                return


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
        direct: DirectWriter | None = None,
        summon_max_age: float = 10.0,
        limits: CommandLimits | None = None,
        hello_seconds: float = HELLO_SECONDS,
    ) -> None:
        self.ws = ws
        self.direct = direct
        self.hub = hub
        self.auth = auth
        self.principal = principal
        self.max_bytes = max_bytes
        self.limit = outbox
        self.backlog: deque[str] = deque()
        self.corked: list[tuple[str, bytes]] | None = None
        self.writer: asyncio.Task[None] | None = None
        self.closer: asyncio.Task[None] | None = None
        self.site: SiteHub | None = None
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
        # The staff session behind this socket (see server.sessions): its generation, when
        # it was issued, and when its holder last did something.
        self.session_gen = 0
        self.issued_at = self.last_active = time.time()

    # Subscriber interface -------------------------------------------------------------------

    def push(self, message: str) -> bool:
        """Send now if the socket takes it, else queue; False when the backlog is full."""
        if self.closing is not None:
            return True
        if self.corked is not None:
            # Framed now: a fan-out hands the same message to every subscriber in a row.
            self.corked.append((message, text_frame(message)))
            if len(self.corked) >= CORK_LIMIT:
                return self._uncork(keep=True)
            return True
        return self._send(message)

    def _uncork(self, keep: bool = False) -> bool:
        """Write what waited for a command's ack, in one piece when the socket takes it."""
        held, self.corked = self.corked or [], [] if keep else None
        if not held or self.closing is not None:
            return True
        if (
            self.writer is None
            and self.direct is not None
            and self.direct.write(b"".join(frame for _, frame in held))
        ):
            return True
        return all([self._send(message) for message, _ in held])

    def _send(self, message: str) -> bool:
        if self.writer is not None:
            if len(self.backlog) >= self.limit:
                return False
            self.backlog.append(message)
            return True
        if self.direct is not None and self.direct.write(text_frame(message)):
            return True
        self.hub.metrics.frames_waited += 1
        send = self.ws.send_text(message)
        try:
            first = send.send(None)
        except StopIteration:
            return True  # written
        except Exception:  # the client is gone; the read loop notices and cleans up
            send.close()
            return True
        self.writer = asyncio.ensure_future(
            self._finish(cast(Awaitable[None], _resume(send, first)))
        )
        return True

    async def _finish(self, pending: Awaitable[None]) -> None:
        """The socket is full: finish the suspended send, then drain the backlog."""
        try:
            await pending
            while self.backlog and self.closing is None:
                await self.ws.send_text(self.backlog.popleft())
        except Exception:
            self.backlog.clear()
        finally:
            self.writer = None

    def beat(self) -> None:
        """The heartbeat: a prebuilt frame straight to the socket when it takes it now; a
        connection with anything queued is not quiet, and needs no beat."""
        if self.closing is not None or self.writer is not None or self.corked is not None:
            return
        if self.direct is not None:
            self.direct.write(BEAT_FRAME)
        else:
            self._send(BEAT)

    def cut_off(self, reason: str) -> None:
        self.hub.metrics.cut_off += 1
        self._close_soon(CLOSE_TOO_SLOW, reason)

    def end_session(self, reason: str) -> None:
        """The staff member's session ended (logout, idle, expired): close at once."""
        self._close_soon(CLOSE_SESSION_ENDED, reason)

    def _close_soon(self, code: int, reason: str) -> None:
        if self.closing is None:
            self.closing = (code, reason)
            # Drop what is queued: the client resynchronises on reconnect anyway.
            self.backlog.clear()
            self.closer = asyncio.ensure_future(self._close())

    async def _close(self) -> None:
        if self.writer is not None:
            self.writer.cancel()
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
            self.hub.heartbeat.discard(self)
            if self.site is not None and self.key is not None:
                self.site.views.unsubscribe(self.key, self)
            if self.closing is None:
                self.closing = (1000, "")
            if self.writer is not None:
                self.writer.cancel()

    async def _read_loop(self) -> None:
        deadline = asyncio.get_running_loop().time() + self.hello_seconds
        while self.closing is None:
            if self.site is None:
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
                    self.corked = []
                    await self._command(message)
                case Ping(clock=clock):
                    if clock is not None:
                        self.clock.sample(clock, time.time())
                    self.push(PONG)
                case Viewed():
                    await self._viewed(message)
        except Rejected as exc:
            self.push(error_message(exc, command_id))
        except LogError:
            log.warning("store unavailable for a command", exc_info=True)
            self.push(error_message(Rejected("store_unavailable"), command_id))
        finally:
            if self.corked is not None and not self._uncork():
                self.cut_off("too_slow")

    async def _hello(self, hello: Hello) -> None:
        if not self.hellos.take(self.limits.clock()):
            raise Rejected("rate_limited", "too many hellos on this connection")
        self.clock.sample(hello.clock, time.time())
        if hello.heartbeat:
            self.hub.heartbeat.add(self)
        site = self.hub.site(hello.site)
        await site.current()
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
            self.site.views.unsubscribe(self.key, self)
        role = principal.role if key.kind != "visitor" else "visitor"
        if role != self.role:
            self.hub.metrics.connected(self.role, -1)
            self.hub.metrics.connected(role, +1)
            self.role = role
        welcome = Welcome(
            PROTOCOL_VERSION,
            self.hub.version,
            site.site.id,
            site.epoch,
            role,
            site.stale,
            principal.actor.id if principal.actor else "",
        )
        if principal.actor is not None:
            # Staff screens keep these commands out of their outbox (see shelf_life).
            welcome.never_late = NEVER_LATE
            welcome.summon_max_age = self.summon_max_age
        self.push(encode(welcome))
        self.site, self.key = site, key
        for message in site.subscribe(key, self, hello.seq, hello.epoch):
            self.push(message)
        if self.on_hello is not None:
            self.on_hello()
            self.on_hello = None

    async def _viewed(self, message: Viewed) -> None:
        if self.site is None or self.key is None:
            raise Rejected("hello_required")
        actor = self.principal.actor
        if actor is None or self.audit is None or self.key.kind not in STAFF_VIEWS:
            raise Rejected("forbidden", "only staff screens open a visit's details")
        visit = self.site.state.visits.get(message.visit)
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
        await self.audit(actor, VisitViewed(self.site.site.id, message.visit, self.key.kind))

    async def _command(self, message: CommandMessage) -> None:
        if self.site is None:
            raise Rejected("hello_required")
        self.last_active = time.time()
        if self.key is not None and self.key.kind == "visitor" and self.principal.actor is None:
            # A visitor's own page: the token that opened it is the capability; it acts as
            # that visit (the domain lets it step out and back, nothing more).
            visit = self.site.visit_for_token(self.key.scope)
            if not visit:
                raise Rejected("unknown_visit", "this ticket link is not valid today")
            actor = visitor_actor(visit)
        else:
            actor = command_actor(self.principal, self.site.site.id)
        self.limits.check(self.bucket, actor, message.command)
        # Shielded: a dropped connection must not abandon a command half-way.
        sent_at = self.clock.server_time(message.at)
        not_after = deadline(message.command, sent_at, self.summon_max_age)
        ack = await asyncio.shield(
            self.site.execute(actor, message.id, message.command, sent_at, not_after)
        )
        self.push(encode(acknowledgement(message.id, ack)))
