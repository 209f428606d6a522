"""Heartbeats: a tiny frame to every screen that asked for it, once a second.

A screen must show "offline" within seconds of its link dying, also when the hub stops
answering without closing (a frozen process, a dead switch). It learns that from silence: the
hub writes ``{"type":"beat"}`` to each screen that said ``heartbeat`` in its hello, so a quiet
screen hears something every ``every`` seconds. Writing a prebuilt frame costs the hub a few
microseconds per screen, about a tenth of answering the same screen's pings (each ping is a
frame read, decoded and answered); see docs/protocol.md#liveness for the figures.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Protocol

from server.background import cancel_all
from server.live.protocol import Beat, encode
from server.live.wire import text_frame

log = logging.getLogger("madoguchi.heartbeat")

BEAT = encode(Beat())
BEAT_FRAME = text_frame(BEAT)


class Beating(Protocol):
    def beat(self) -> None: ...


class Heartbeat:
    """The screens that want a beat, and the task that beats them."""

    def __init__(self, every: float = 1.0) -> None:
        self.every = every
        self.screens: set[Beating] = set()
        self._task: asyncio.Task[None] | None = None

    def add(self, screen: Beating) -> None:
        self.screens.add(screen)

    def discard(self, screen: Beating) -> None:
        self.screens.discard(screen)

    def start(self) -> None:
        if self.every > 0:
            self._task = asyncio.get_running_loop().create_task(self._loop())

    async def stop(self) -> None:
        await cancel_all(self._task)

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(self.every)
            for screen in list(self.screens):
                try:
                    screen.beat()
                except Exception:  # one broken socket must not silence the others
                    log.debug("heartbeat: a screen could not be written to", exc_info=True)
