"""The front door against clients that connect and dawdle: a WebSocket must say hello in
time, one address may hold only so many connections that have not, and an HTTP request sent a
byte at a time (slowloris) is cut off (real server, real sockets)."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import websockets
from websockets.exceptions import ConnectionClosed, InvalidStatus

from tests.support.live import Client, LiveServer

SITE = "shimogyo"
BOARD = "?device=demo-board-lobby-1f-token"


@pytest.fixture
def strict(tmp_path: Path) -> Iterator[LiveServer]:
    """Hello within 1 s, at most 5 connections per address before hello, requests in 2 s."""
    server = LiveServer(
        tmp_path,
        MADOGUCHI_HELLO_SECONDS="1",
        MADOGUCHI_WAITING_PER_ADDRESS="5",
        MADOGUCHI_REQUEST_SECONDS="2",
    )
    server.start()
    yield server
    server.stop()


async def test_a_websocket_without_hello_is_closed(strict: LiveServer) -> None:
    silent = await websockets.connect(strict.ws_url)
    board = await Client.connect(strict, query=BOARD)
    await board.hello(SITE, {"kind": "board", "board": "lobby-1f"})
    started = time.monotonic()
    with pytest.raises(ConnectionClosed) as closed:
        await asyncio.wait_for(silent.recv(), 5)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1008
    assert 0.8 < time.monotonic() - started < 3
    # The board that said hello stays.
    await board.send({"type": "ping"})
    assert (await board.until(lambda m: m["type"] == "pong"))["type"] == "pong"
    await board.close()


async def test_one_address_holds_only_a_few_connections_before_hello(strict: LiveServer) -> None:
    waiting = [await websockets.connect(strict.ws_url) for _ in range(5)]
    with pytest.raises(InvalidStatus) as refused:
        await websockets.connect(strict.ws_url)
    assert refused.value.response.status_code == 403
    # One of them says hello: its place is free again.
    first = Client(waiting[0])
    hello = await first.hello(
        SITE, {"kind": "board", "board": "lobby-1f"}, device_token="demo-board-lobby-1f-token"
    )
    assert hello["type"] == "snapshot"
    board = await Client.connect(strict, query=BOARD)
    for ws in waiting:
        await ws.close()
    await board.close()


def test_a_request_sent_a_byte_at_a_time_is_cut_off(strict: LiveServer) -> None:
    with socket.create_connection(("127.0.0.1", strict.port), timeout=10) as conn:
        conn.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        started = time.monotonic()
        cut = False
        for ch in b"X-Slow: " + b"a" * 20:
            try:
                conn.sendall(bytes([ch]))
                time.sleep(0.5)
                if conn.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) == b"":
                    cut = True
                    break
            except BlockingIOError:
                continue
            except OSError:
                cut = True
                break
        assert cut
        assert time.monotonic() - started < 4
