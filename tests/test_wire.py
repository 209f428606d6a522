"""The fast paths past ASGI (server/live/wire.py) against the pinned uvicorn and websockets.

They use attributes no public API promises; when an upgrade renames or retypes one, these
tests fail here, by name, instead of the fan-out quietly falling back to the ASGI send (or
the request deadline quietly never firing).
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import uvicorn
import websockets
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.protocol import State
from websockets.server import ServerProtocol

from server.live.slow_clients import RequestDeadline
from server.live.wire import DirectWriter, direct_writer, start_send, text_frame


@dataclass
class Seen:
    """What the server side of one connection found."""

    send: Any = None
    writer: DirectWriter | None = None
    written_at_once: bool = False
    wrote_directly: bool = False
    done: asyncio.Event = field(default_factory=asyncio.Event)


@pytest.fixture
async def served() -> AsyncIterator[tuple[int, Seen]]:
    """uvicorn in this process, on a free port, configured as ``server/__main__.py`` runs it
    (Sans-I/O websockets, no compression, the request deadline), with an app that takes
    both fast paths on its one WebSocket."""
    seen = Seen()

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        assert scope["type"] == "websocket"
        ws = WebSocket(scope, receive, send)
        await ws.accept()
        seen.send = send
        seen.writer = direct_writer(send)
        seen.written_at_once = start_send(ws.send_text("by the ASGI send")) is None
        if seen.writer is not None:
            seen.wrote_directly = seen.writer.write(text_frame("straight to the socket"))
        seen.done.set()
        await ws.receive()  # until the client closes

    config = uvicorn.Config(
        app,
        ws="websockets-sansio",
        ws_per_message_deflate=False,
        http=RequestDeadline,
        lifespan="off",
        log_level="warning",
    )
    server = uvicorn.Server(config)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()  # a client connecting before uvicorn accepts waits in the backlog
        serving = asyncio.create_task(server.serve(sockets=[sock]))
        yield sock.getsockname()[1], seen
        server.should_exit = True
        await serving


async def test_a_real_connection_gets_a_direct_writer_and_both_fast_paths_work(
    served: tuple[int, Seen],
) -> None:
    port, seen = served
    async with websockets.connect(f"ws://127.0.0.1:{port}/ws") as client:
        assert await asyncio.wait_for(client.recv(), 5) == "by the ASGI send"
        assert await asyncio.wait_for(client.recv(), 5) == "straight to the socket"
        await asyncio.wait_for(seen.done.wait(), 5)
    assert isinstance(seen.writer, DirectWriter), "the fan-out would take the ASGI send"
    assert seen.wrote_directly
    assert seen.written_at_once, "an ASGI send that the socket takes no longer ends at once"


async def test_the_protocol_attributes_wire_relies_on(served: tuple[int, Seen]) -> None:
    port, seen = served
    async with websockets.connect(f"ws://127.0.0.1:{port}/ws") as client:
        await asyncio.wait_for(seen.done.wait(), 5)
        protocol = seen.send.__self__
        assert isinstance(protocol, WebSocketsSansIOProtocol)
        assert isinstance(protocol.transport, asyncio.Transport)
        assert isinstance(protocol.writable, asyncio.Event)
        assert protocol.writable.is_set()
        assert protocol.close_sent is False
        assert protocol.disconnected is False
        assert isinstance(protocol.conn, ServerProtocol)
        assert protocol.conn.state is State.OPEN
        assert protocol.conn.extensions == []  # framed once for all: no compression
        await client.recv()


def test_anything_but_uvicorns_sansio_protocol_takes_the_asgi_send() -> None:
    async def send(message: Any) -> None:
        pass

    assert direct_writer(send) is None


def test_the_request_deadline_overrides_methods_uvicorn_still_calls() -> None:
    for name in (
        "connection_made",
        "on_message_begin",
        "on_message_complete",
        "handle_websocket_upgrade",
        "connection_lost",
    ):
        assert callable(getattr(HttpToolsProtocol, name, None)), name
