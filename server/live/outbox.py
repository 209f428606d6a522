"""The write side of one WebSocket connection: written at once, corked, or a bounded backlog.

While the client keeps up, a message's frame (built once for every subscriber, see
``server/live/wire.py``) is written to the socket at once, so a fan-out to thousands of boards
costs no task switch per board. When the client's socket buffer is full the ASGI send
suspends: a writer task finishes it and drains a bounded backlog; when the backlog is full
``push`` returns False and the connection is cut off (it resynchronises when it reconnects).
Nobody else waits for it.

While a command of its own is out, the connection is corked: its view changes wait and leave
with the command's ack, so the counter that pressed "call next" gets the change and the ack
in one write (one wake-up of its client), and every other screen still gets the change at
once.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable

from starlette.websockets import WebSocket

from server.live.heartbeat import BEAT, BEAT_FRAME
from server.live.wire import DirectWriter, start_send, text_frame
from server.metrics import Metrics

CORK_LIMIT = 32  # changes held for a command's ack before they are written anyway


class Outbox:
    """Sends one connection's messages in order without ever making the sender wait. It is
    what the hub's views and the heartbeat hold (a ``Subscriber``, a ``Beating`` screen):
    a fan-out to ten thousand boards touches these few slots per board and nothing else.
    ``cut_off`` is the connection's: the outbox cannot close it by itself."""

    __slots__ = (
        "backlog",
        "closed",
        "corked",
        "cut_off",
        "direct",
        "limit",
        "metrics",
        "writer",
        "ws",
    )

    def __init__(
        self,
        ws: WebSocket,
        direct: DirectWriter | None,
        limit: int,
        metrics: Metrics,
        cut_off: Callable[[str], None],
    ) -> None:
        self.ws = ws
        self.direct = direct
        self.limit = limit
        self.metrics = metrics
        self.cut_off = cut_off
        self.backlog: deque[str] = deque()
        self.corked: list[tuple[str, bytes]] | None = None
        self.writer: asyncio.Task[None] | None = None
        self.closed = False

    def push(self, message: str) -> bool:
        """Send now if the socket takes it, else queue; False when the backlog is full.
        Once closed, messages are dropped."""
        if self.closed:
            return True
        if self.corked is not None:
            # Framed now: a fan-out hands the same message to every subscriber in a row.
            self.corked.append((message, text_frame(message)))
            if len(self.corked) >= CORK_LIMIT:
                return self._uncork(keep=True)
            return True
        return self._send(message)

    def cork(self) -> None:
        """Hold what is pushed from now until :meth:`uncork` (a command of this connection's
        own is out: its changes leave with its ack)."""
        self.corked = []

    def uncork(self) -> bool:
        """Write what was held, in one piece when the socket takes it; False when the
        backlog overflowed. True at once when nothing is corked."""
        if self.corked is None:
            return True
        return self._uncork()

    def beat(self) -> None:
        """The heartbeat: a prebuilt frame straight to the socket when it takes it now; an
        outbox with anything queued is not quiet, and needs no beat."""
        if self.closed or self.writer is not None or self.corked is not None:
            return
        if self.direct is not None:
            self.direct.write(BEAT_FRAME)
        else:
            self._send(BEAT)

    def close(self) -> None:
        """Take no more messages and drop what is queued: the client resynchronises on
        reconnect anyway."""
        self.closed = True
        self.backlog.clear()

    def stop(self) -> None:
        """Abandon a send that is waiting for the client (the connection is going)."""
        if self.writer is not None:
            self.writer.cancel()

    def _uncork(self, keep: bool = False) -> bool:
        held, self.corked = self.corked or [], [] if keep else None
        if not held or self.closed:
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
        self.metrics.frames_waited += 1
        try:
            pending = start_send(self.ws.send_text(message))
        except Exception:  # the client is gone; the read loop notices and cleans up
            return True
        if pending is not None:
            self.writer = asyncio.ensure_future(self._finish(pending))
        return True

    async def _finish(self, pending: Awaitable[None]) -> None:
        """The socket is full: finish the suspended send, then drain the backlog."""
        try:
            await pending
            while self.backlog and not self.closed:
                await self.ws.send_text(self.backlog.popleft())
        except Exception:
            self.backlog.clear()
        finally:
            self.writer = None
