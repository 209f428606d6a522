"""Two hub processes sharing one Redis, staff signed in on either, and the event log read
straight from the store."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from server.domain.events import Record
from server.log.backends import open_log
from tests.support.desk import SITE
from tests.support.live import Client, LiveServer, login
from tests.support.redis_proc import RedisServer


def start_two(folder: Path, store: str) -> tuple[LiveServer, LiveServer]:
    """Two hub processes on different ports sharing ``store``, started."""
    servers = (
        LiveServer(folder / "a", store=store, **MACHINE_SPEED),
        LiveServer(folder / "b", store=store, **MACHINE_SPEED),
    )
    for server in servers:
        server.log_path.parent.mkdir(parents=True, exist_ok=True)
        server.start()
    return servers


@pytest.fixture
def pair(tmp_path: Path, redis_server: RedisServer) -> Iterator[tuple[LiveServer, LiveServer]]:
    """Two hub processes on different ports sharing the session's Redis."""
    redis_server.flush()
    a, b = start_two(tmp_path, redis_server.url)
    yield a, b
    a.stop()
    b.stop()


async def read_log(url: str, site: str = SITE) -> list[Record]:
    backend = open_log(url)
    await backend.open()
    try:
        return await backend.read(site, 0)
    finally:
        await backend.close()


async def staff(server: LiveServer, who: str, pin: str, view: dict[str, Any]) -> Client:
    client = await Client.connect(server, login(server, who, pin))
    await client.hello(SITE, view)
    return client


# One guide and one clerk id drive these races at machine speed (and retry through outages):
# far past the rate limits of a person (server/security/ratelimit.py), which are not what is tested.
MACHINE_SPEED = {"MADOGUCHI_RATE_LIMITS": "0"}
