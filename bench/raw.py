"""The baseline: a minimal raw ``websockets`` server that broadcasts the same bytes.

Clients say hello and get an (empty) snapshot, like the hub's boards. A controller sends
``{"type": "go", "seq": n, "body": {...}}`` and the server broadcasts ``body`` with that ``seq``
to every other client with ``websockets.broadcast`` (no per-client await).
"""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Any

import websockets
from websockets.asyncio.server import ServerConnection, broadcast, serve

CLIENTS: set[ServerConnection] = set()


async def handler(ws: ServerConnection) -> None:
    try:
        await serve_client(ws)
    except websockets.exceptions.ConnectionClosed:
        pass
    finally:
        CLIENTS.discard(ws)


async def serve_client(ws: ServerConnection) -> None:
    async for raw in ws:
        message: dict[str, Any] = json.loads(raw)
        if message.get("type") == "hello":
            CLIENTS.add(ws)
            await ws.send(
                json.dumps({"type": "snapshot", "seq": 0, "epoch": "raw", "entities": {}})
            )
        elif message.get("type") == "go":
            body = {**message["body"], "seq": message["seq"]}
            broadcast(CLIENTS, json.dumps(body))
            await ws.send(json.dumps({"type": "ack", "id": message["seq"], "seq": message["seq"]}))


async def main(port: int) -> None:
    async with serve(
        handler, "127.0.0.1", port, max_size=2**20, ping_interval=None, compression=None
    ):
        await asyncio.Future()


if __name__ == "__main__":
    try:
        import uvloop

        uvloop.install()
    except ImportError:  # pragma: no cover
        pass
    asyncio.run(main(int(sys.argv[1])))
