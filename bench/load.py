"""The ingest load: staff connections sending commands back to back, each waiting for its ack.

picows calls back per frame, so a load process spends its CPU on the protocol rather than on
task switches: on a small machine the load shares the cores with the hub it measures.
"""

from __future__ import annotations

import asyncio
import json
import time
from multiprocessing import Queue
from typing import Any

import msgspec
from picows import WSFrame, WSListener, WSMsgType, WSTransport, ws_connect

SENDERS_PER_SITE = 4


class _Reply(msgspec.Struct):
    type: str
    id: str = ""


_decode_reply = msgspec.json.Decoder(_Reply).decode


class _Sender(WSListener):
    """One counter: opens and pauses itself, one command at a time, until ``stop``."""

    def __init__(self, site: str, k: int, go: asyncio.Event, done: asyncio.Future[int]) -> None:
        self.site, self.k, self.go, self.done = site, k, go, done
        self.transport: WSTransport | None = None
        self.sent = 0
        self.acked = 0
        self.end = 0.0
        self.synced = False

    def on_ws_connected(self, transport: WSTransport) -> None:
        self.transport = transport
        hello = {"type": "hello", "site": self.site, "view": {"kind": "board", "board": "lobby-1f"}}
        transport.send(WSMsgType.TEXT, json.dumps(hello).encode())

    def send_next(self) -> None:
        assert self.transport is not None
        if time.monotonic() >= self.end:
            if not self.done.done():
                self.done.set_result(self.acked)
            return
        kind = "OpenCounter" if self.sent % 2 == 0 else "PauseCounter"
        body = {
            "type": "command",
            "id": f"ingest-{self.site}-{self.k}-{self.sent}",
            "command": {"type": kind, "counter": f"c{self.k + 1}"},
        }
        self.sent += 1
        self.transport.send(WSMsgType.TEXT, json.dumps(body).encode())

    def on_ws_frame(self, transport: WSTransport, frame: WSFrame) -> None:
        if frame.msg_type != WSMsgType.TEXT:
            return
        reply = _decode_reply(frame.get_payload_as_bytes())
        if reply.type == "snapshot" and not self.synced:
            self.synced = True
            asyncio.get_running_loop().create_task(self._start())
        elif reply.type == "ack":
            self.acked += 1
            self.send_next()
        elif reply.type == "error" and reply.id:
            self.done.set_exception(RuntimeError(f"ingest command refused: {reply}"))

    async def _start(self) -> None:
        await self.go.wait()
        self.send_next()


def ingest_main(plan: list[tuple[str, str]], cookie: str, seconds: float, out: Queue[Any]) -> None:
    """Process entry point: ``SENDERS_PER_SITE`` senders per (url, site) of ``plan``; puts
    the number of acknowledged commands on ``out``."""
    try:
        import uvloop

        uvloop.install()
    except ImportError:  # pragma: no cover - uvloop is a dependency on Linux
        pass

    async def run() -> int:
        loop = asyncio.get_running_loop()
        go = asyncio.Event()
        senders: list[_Sender] = []
        for url, site in plan:
            for k in range(SENDERS_PER_SITE):
                sender = _Sender(site, k, go, loop.create_future())
                await ws_connect(
                    lambda s=sender: s, url, extra_headers={"Cookie": cookie}, max_frame_size=2**24
                )
                senders.append(sender)
        await asyncio.sleep(1.0)
        end = time.monotonic() + seconds
        for sender in senders:
            sender.end = end
        go.set()
        return sum(await asyncio.gather(*(s.done for s in senders)))

    out.put(asyncio.run(run()))
