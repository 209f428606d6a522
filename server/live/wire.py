"""The fast paths past ASGI: every use of uvicorn's and websockets' internals is here.

- A delta fanned out to ten thousand boards is the same bytes for every board (a server's
  frames are not masked and compression is off), so it is framed once (:func:`text_frame`)
  and handed to each board's transport with one ``write`` (:class:`DirectWriter`): no ASGI
  send, coroutine or frame serialisation per board. This reaches past ASGI into uvicorn's
  Sans-I/O WebSocket protocol, the server Madoguchi runs on (``server/__main__.py``); under
  any other server :func:`direct_writer` returns None and messages take the ASGI send.
- An ASGI send that the socket takes at once needs no task: :func:`start_send` runs it by
  hand and hands back what is left only when it has to wait for the client.

``tests/test_wire.py`` checks, against the pinned uvicorn and websockets, that a real
connection gets a :class:`DirectWriter` and that every attribute used here is still there.
"""

from __future__ import annotations

import types
from collections.abc import Awaitable, Coroutine, Generator
from typing import Any, cast

from websockets.frames import Frame, Opcode
from websockets.protocol import State

_last: tuple[str, bytes] = ("", b"")


def text_frame(message: str) -> bytes:
    """The complete frame for ``message``. A fan-out passes the same ``str`` object to
    every subscriber in turn, so the last one framed is kept and reused."""
    global _last
    if message is _last[0]:
        return _last[1]
    frame = Frame(Opcode.TEXT, message.encode()).serialize(mask=False, extensions=[])
    _last = (message, frame)
    return frame


class DirectWriter:
    """Writes whole frames to one connection's transport, when it may take them now."""

    __slots__ = ("_protocol", "_transport")

    def __init__(self, protocol: Any) -> None:
        self._protocol = protocol
        self._transport = protocol.transport

    def write(self, frame: bytes) -> bool:
        """Write ``frame`` and return True; False when the connection is closing or its
        buffer is over the high-water mark (the caller then takes the ASGI send, which
        waits for the client to drain)."""
        protocol = self._protocol
        if (
            protocol.close_sent
            or protocol.disconnected
            or not protocol.writable.is_set()
            or protocol.conn.state is not State.OPEN
            or self._transport.is_closing()
        ):
            return False
        self._transport.write(frame)
        return True


def direct_writer(send: Any) -> DirectWriter | None:
    """A writer for the connection behind an ASGI ``send``, if it is uvicorn's Sans-I/O
    WebSocket protocol with no extension negotiated; otherwise None."""
    protocol = getattr(send, "__self__", None)
    conn = getattr(protocol, "conn", None)
    needed = ("transport", "writable", "close_sent", "disconnected")
    if conn is None or not all(hasattr(protocol, name) for name in needed):
        return None
    if getattr(conn, "extensions", None):
        return None
    return DirectWriter(protocol)


def start_send(send: Coroutine[Any, Any, None]) -> Awaitable[None] | None:
    """Run an ASGI send coroutine (``websocket.send_text(...)``) as far as it goes without
    waiting. None: it finished, the frame is written. Otherwise it is waiting for the client
    to drain its socket, and the awaitable returned finishes it: await it in a task. Raises
    what the send raises (the client is gone)."""
    try:
        first = send.send(None)
    except StopIteration:
        return None
    except BaseException:
        send.close()
        raise
    return cast(Awaitable[None], _resume(send, first))


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
