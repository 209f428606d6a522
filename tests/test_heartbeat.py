"""The hub's heartbeat: a screen that asks for it hears from the hub every second even when
nothing happens (so its silence means a dead link); one that does not ask gets nothing extra."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from tests.support.live import Client, LiveServer

BOARD = "?device=demo-board-lobby-1f-token"
VIEW = {"kind": "board", "board": "lobby-1f"}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    live = LiveServer(tmp_path_factory.mktemp("heartbeat"))
    live.start()
    yield live
    live.stop()


async def test_a_screen_that_asks_hears_a_beat_every_second(server: LiveServer) -> None:
    client = await Client.connect(server, query=BOARD)
    await client.hello("shimogyo", VIEW, heartbeat=True)
    loop = asyncio.get_running_loop()
    started = loop.time()
    for _ in range(3):
        await client.until(lambda m: m["type"] == "beat", timeout=1.6)
    assert loop.time() - started < 3.6
    await client.close()


async def test_a_screen_that_does_not_ask_gets_no_beat(server: LiveServer) -> None:
    client = await Client.connect(server, query=BOARD)
    await client.hello("shimogyo", VIEW)
    with pytest.raises(TimeoutError):
        await client.until(lambda m: m["type"] == "beat", timeout=2.5)
    # A ping still gets its pong (clients of a hub without beats rely on it).
    await client.send({"type": "ping", "clock": 0})
    await client.until(lambda m: m["type"] == "pong")
    await client.close()
