"""A swarm: one process holding many real WebSocket clients, as boards and panels would.

Each client says hello, keeps its view's ``seq``, and on a dropped connection reconnects the
way ``static/hub.js`` does (at once with a little jitter after 1012, with backoff otherwise)
and resumes. The swarm reports to its parent through a queue:

    ("ready", worker)                             every client holds its first snapshot
    ("seen", worker, site, seq, count, last_t)    ``count`` clients now hold ``seq`` of ``site``
    ("synced", worker, t)                         after a restart: every client is back in sync
    ("tally", worker, counts, last)               on ``dump``: per (site, seq) count, last time

Times are ``time.monotonic()``, which is one clock for every process on a Linux machine.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import time
from dataclasses import dataclass, field
from multiprocessing import Queue
from typing import Any

import msgspec
from picows import WSError, WSFrame, WSListener, WSMsgType, WSTransport, ws_connect

CONNECT_BATCH = 200


@dataclass
class Spec:
    """One client: where it connects and what it subscribes to."""

    site: str
    view: dict[str, Any]
    query: str = ""
    cookie: str = ""


@dataclass
class Tally:
    """Per (site, seq): how many clients hold it and when the last one got it."""

    counts: dict[tuple[str, int], int] = field(default_factory=dict)
    last: dict[tuple[str, int], float] = field(default_factory=dict)


class Swarm:
    def __init__(self, worker: int, ws_url: str, specs: list[Spec], out: Queue[Any]) -> None:
        self.worker = worker
        self.ws_url = ws_url
        self.specs = specs
        self.out = out
        self.tally = Tally()
        self.per_site = {s.site: sum(1 for x in specs if x.site == s.site) for s in specs}
        self.synced: set[int] = set()
        self.more_synced = asyncio.Event()
        self.restarting = False

    async def client(self, index: int, spec: Spec, ready: asyncio.Event) -> None:
        """One screen: connect, hello (resuming from its seq), count deltas, reconnect."""
        state = _ClientState()
        attempt = 0
        headers = {"Cookie": spec.cookie} if spec.cookie else {}
        while True:
            listener: WSListener | None = None
            try:
                transport, listener = await ws_connect(
                    lambda: _Listener(self, index, spec, state, ready),
                    self.ws_url + spec.query,
                    extra_headers=headers,
                    websocket_handshake_timeout=60,
                    max_frame_size=2**24,
                )
                await transport.wait_disconnected()
            except (OSError, WSError, TimeoutError):
                pass
            if state.synced_once:
                attempt = 0
                state.synced_once = False
            self.synced.discard(index)
            self.restarting = True
            code = listener.close_code if isinstance(listener, _Listener) else None
            attempt += 1
            ceiling = min(10.0, 0.25 * 2 ** min(attempt, 6))  # as static/hub.js
            await asyncio.sleep(random.random() * (0.25 if code == 1012 else ceiling))

    def on_message(
        self, index: int, spec: Spec, state: _ClientState, head: _Head, ready: asyncio.Event
    ) -> None:
        now = time.monotonic()
        if head.type not in ("snapshot", "synced", "delta"):
            return
        state.seq, state.epoch = head.seq, head.epoch
        if head.type == "delta":
            self.count(spec.site, head.seq, now)
            return
        state.synced_once = True
        self.synced.add(index)
        self.more_synced.set()
        if not ready.is_set() and len(self.synced) == len(self.specs):
            ready.set()
        if self.restarting and len(self.synced) == len(self.specs):
            self.restarting = False
            self.out.put(("synced", self.worker, now))

    def count(self, site: str, seq: int, now: float) -> None:
        key = (site, seq)
        n = self.tally.counts[key] = self.tally.counts.get(key, 0) + 1
        self.tally.last[key] = now
        if n == self.per_site[site]:
            self.out.put_nowait(("seen", self.worker, site, seq, n, now))

    async def obey(self, inbox: Queue[Any]) -> None:
        """Answer the parent: ``dump`` sends the whole tally, ``stop`` ends the swarm."""
        loop = asyncio.get_running_loop()
        while True:
            command = await loop.run_in_executor(None, inbox.get)
            if command == "dump":
                self.out.put(("tally", self.worker, self.tally.counts, self.tally.last))
            elif command == "stop":
                return

    async def run(self, inbox: Queue[Any]) -> None:
        ready = asyncio.Event()
        tasks = []
        for start in range(0, len(self.specs), CONNECT_BATCH):
            for i, spec in enumerate(self.specs[start : start + CONNECT_BATCH], start):
                tasks.append(asyncio.create_task(self.client(i, spec, ready)))
            # Connect in batches, as a real lobby's screens come up over a few seconds.
            while len(self.synced) < min(len(self.specs), start + CONNECT_BATCH):
                self.more_synced.clear()
                await self.more_synced.wait()
        await ready.wait()
        self.restarting = False
        self.out.put(("ready", self.worker))
        await self.obey(inbox)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


class _Head(msgspec.Struct):
    """The only fields a swarm reads; msgspec skips the rest of each message quickly."""

    type: str
    seq: int = -1
    epoch: str = ""


_decode_head = msgspec.json.Decoder(_Head).decode


@dataclass
class _ClientState:
    seq: int | None = None
    epoch: str | None = None
    synced_once: bool = False


class _Listener(WSListener):
    """picows calls back per frame, with no task switch per message (a fast client)."""

    def __init__(
        self, swarm: Swarm, index: int, spec: Spec, state: _ClientState, ready: asyncio.Event
    ) -> None:
        self.swarm, self.index, self.spec, self.state, self.ready = swarm, index, spec, state, ready
        self.close_code: int | None = None

    def on_ws_connected(self, transport: WSTransport) -> None:
        hello: dict[str, Any] = {"type": "hello", "site": self.spec.site, "view": self.spec.view}
        if self.state.seq is not None:
            hello.update(seq=self.state.seq, epoch=self.state.epoch)
        transport.send(WSMsgType.TEXT, json.dumps(hello).encode())

    def on_ws_frame(self, transport: WSTransport, frame: WSFrame) -> None:
        if frame.msg_type == WSMsgType.CLOSE:
            self.close_code = frame.get_close_code().value
            transport.disconnect()
        elif frame.msg_type == WSMsgType.TEXT:
            head = _decode_head(frame.get_payload_as_bytes())
            self.swarm.on_message(self.index, self.spec, self.state, head, self.ready)


def swarm_main(
    worker: int, ws_url: str, specs: list[Spec], out: Queue[Any], inbox: Queue[Any], nice: int = 0
) -> None:
    """Process entry point; ``nice`` lowers the priority of a swarm that is only load."""
    os.nice(nice)
    try:
        import uvloop

        uvloop.install()
    except ImportError:  # pragma: no cover - uvloop is a dependency on Linux
        pass
    asyncio.run(Swarm(worker, ws_url, specs, out).run(inbox))
