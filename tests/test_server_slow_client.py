"""A client that stops reading is cut off; the others are not slowed down."""

from __future__ import annotations

import asyncio
import json
import socket
from pathlib import Path

import httpx
import pytest
import websockets
from websockets.client import ClientProtocol
from websockets.exceptions import ConnectionClosed
from websockets.frames import Frame, Opcode
from websockets.uri import parse_uri

from tests.support.desk import INTAKE, SITE
from tests.support.live import Client, LiveServer, login


def metric(server: LiveServer, name: str) -> int:
    for line in httpx.get(server.url + "/metrics").text.splitlines():
        if line.startswith(name + " "):
            return int(line.split()[1])
    raise AssertionError(f"metric {name} missing")


def slow_consumers(server: LiveServer) -> int:
    return metric(server, "madoguchi_slow_consumers_total")


async def test_clients_that_keep_up_get_every_frame_straight_to_the_socket(
    live: LiveServer,
) -> None:
    """The fan-out's fast path (server/live/wire.py) is really taken under the server we ship:
    no frame to a reading client waits for the ASGI send."""
    cookie = login(live, "guide01", "1111")
    boards = [
        await Client.connect(live, query="?device=demo-board-lobby-1f-token") for _ in range(5)
    ]
    for board in boards:
        await board.hello(SITE, {"kind": "board", "board": "lobby-1f"})
    sender = await Client.connect(live, cookie)
    await sender.hello(SITE, {"kind": "floor"})
    for i in range(20):
        command = {"type": "CreateVisit", "intake": INTAKE}
        await sender.send({"type": "command", "id": f"fast-{i}", "command": command})
    last = await sender.until(lambda m: m.get("id") == "fast-19")
    for board in boards:
        await board.until(lambda m: m.get("seq", 0) >= last["seq"], timeout=10)
        await board.close()
    await sender.close()
    assert metric(live, "madoguchi_frames_waited_total") == 0


class RawClient:
    """A WebSocket client on a plain socket that shows what each read of it brings."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer
        self.protocol = ClientProtocol(parse_uri("ws://127.0.0.1/ws"))

    @classmethod
    async def connect(cls, server: LiveServer, cookie: str) -> RawClient:
        client = cls(*await asyncio.open_connection("127.0.0.1", server.port))
        request = client.protocol.connect()
        request.headers["Cookie"] = cookie
        client.protocol.send_request(request)
        client.flush()
        assert await client.read() == []  # the handshake's response, no frame yet
        return client

    def flush(self) -> None:
        self.writer.write(b"".join(self.protocol.data_to_send()))

    def send(self, message: dict[str, object]) -> None:
        self.protocol.send_text(json.dumps(message).encode())
        self.flush()

    async def read(self) -> list[str]:
        """The types of the messages one read of the socket brought."""
        data = await asyncio.wait_for(self.reader.read(2**20), 5)
        self.protocol.receive_data(data)
        return [
            json.loads(bytes(event.data))["type"]
            for event in self.protocol.events_received()
            if isinstance(event, Frame) and event.opcode is Opcode.TEXT
        ]


async def test_a_command_s_own_change_leaves_with_its_ack_in_one_write(live: LiveServer) -> None:
    """While its command is out, the sender's view changes wait and leave with its ack: one
    write and one wake-up of the phone per command (one read of its socket holds both);
    the lobby board gets each change as well."""
    cookie = login(live, "guide01", "1111")
    board = await Client.connect(live, query="?device=demo-board-lobby-1f-token")
    await board.hello(SITE, {"kind": "board", "board": "lobby-1f"})
    phone = await RawClient.connect(live, cookie)
    phone.send({"type": "hello", "site": SITE, "view": {"kind": "floor"}})
    while "snapshot" not in await phone.read():
        pass
    for i in range(5):
        phone.send(
            {
                "type": "command",
                "id": f"one-{i}",
                "command": {"type": "CreateVisit", "intake": INTAKE},
            }
        )
        assert await phone.read() == ["delta", "ack"]
        await board.until(lambda m: m["type"] == "delta")
    phone.writer.close()
    await board.close()


async def test_a_client_that_stops_reading_is_cut_off_and_others_keep_up(
    tmp_path: Path,
) -> None:
    # Thousands of visits from one guide to fill a socket: past any rate limit of a person.
    server = LiveServer(tmp_path, MADOGUCHI_OUTBOX="8", MADOGUCHI_RATE_LIMITS="0")
    server.start()
    try:
        cookie = login(server, "guide01", "1111")
        # A tiny receive buffer and no reading: the server's socket fills up quickly.
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.connect(("127.0.0.1", server.port))
        stalled = await websockets.connect(
            server.ws_url, sock=sock, additional_headers={"Cookie": cookie}, max_queue=1
        )
        hello = {"type": "hello", "site": SITE, "view": {"kind": "floor"}}
        await stalled.send(json.dumps(hello))
        healthy = await Client.connect(server, cookie)
        await healthy.hello(SITE, {"kind": "floor"})
        sender = await Client.connect(server, cookie)
        await sender.hello(SITE, {"kind": "board", "board": "lobby-1f"})
        created = 0
        for batch in range(60):
            for i in range(50):
                command = {"type": "CreateVisit", "intake": INTAKE}
                await sender.send({"type": "command", "id": f"b{batch}-{i}", "command": command})
            last = await sender.until(lambda m, b=batch: m.get("id") == f"b{b}-49")
            created += 50
            # The reading client is never held back by the stalled one.
            await healthy.until(lambda m, s=last["seq"]: m.get("seq", 0) >= s, timeout=10)
            if slow_consumers(server):
                break
        assert slow_consumers(server) == 1
        assert metric(server, "madoguchi_frames_waited_total") > 0
        assert len(healthy.entities["visits"]) == created
        with pytest.raises(ConnectionClosed) as info:
            while True:
                await asyncio.wait_for(stalled.recv(), 10)
        assert info.value.rcvd is not None
        assert info.value.rcvd.code == 4008
        await healthy.close()
        await sender.close()
    finally:
        server.stop()
