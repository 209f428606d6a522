"""WebSocket frames written straight to the socket, framed once for all their readers.

A delta fanned out to ten thousand boards is the same bytes for every board (a server's
frames are not masked and compression is off), so it is framed once and handed to each
board's transport with one ``write``: no ASGI send, coroutine or frame serialisation per
board. This reaches past ASGI into uvicorn's Sans-I/O WebSocket protocol, the server
Madoguchi runs on (``server/__main__.py``); under any other server :func:`direct_writer`
returns None and messages take the ordinary ASGI send.
"""

from __future__ import annotations

from typing import Any

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
