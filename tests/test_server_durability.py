"""Durability and resumption: kill -9 after acks, restarts, resume from seq, epochs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from websockets.exceptions import ConnectionClosed

from tests.support.desk import INTAKE, SITE
from tests.support.live import Client, LiveServer, login


async def fresh_view(server: LiveServer, cookie: str, view: dict[str, Any]) -> dict[str, Any]:
    client = await Client.connect(server, cookie)
    await client.hello(SITE, view)
    entities = client.entities
    await client.close()
    return entities


@pytest.mark.parametrize(
    "snapshot_every", [pytest.param("7", id="snapshots"), pytest.param("100000", id="log-only")]
)
async def test_kill_9_after_acks_loses_nothing(tmp_path: Path, snapshot_every: str) -> None:
    server = LiveServer(tmp_path, MADOGUCHI_SNAPSHOT_EVERY=snapshot_every)
    server.start()
    try:
        guide_cookie = login(server, "guide01", "1111")
        clerk_cookie = login(server, "clerk-shimin", "2222")
        guide = await Client.connect(server, guide_cookie)
        clerk = await Client.connect(server, clerk_cookie)
        await guide.hello(SITE, {"kind": "floor"})
        await clerk.hello(SITE, {"kind": "counter", "department": "shimin"})
        acks = [await clerk.command("open", {"type": "OpenCounter", "counter": "c1"})]
        for i in range(20):
            acks.append(await guide.command(f"v-{i}", {"type": "CreateVisit", "intake": INTAKE}))
        for i in range(5):
            acks.append(await clerk.command(f"call-{i}", {"type": "CallNext", "counter": "c1"}))
            acks.append(await clerk.command(f"done-{i}", {"type": "CompleteStep", "counter": "c1"}))
        assert all(a["type"] == "ack" for a in acks)
        await guide.until(lambda m: m.get("seq") == acks[-1]["seq"])
        held_seq, held_epoch = guide.seq, guide.epoch
        before = guide.entities
        server.kill()
        server.start()

        # Every acknowledged command is there.
        after = await fresh_view(server, guide_cookie, {"kind": "floor"})
        where = {v["ticket"]: v["where"].get("queue") for v in after["visits"].values()}
        assert len(where) == 20
        # The first five went through reception and now wait for the children's counter.
        assert sorted(t for t, q in where.items() if q == "C") == [f"A{n:03d}" for n in range(1, 6)]
        assert sorted(t for t, q in where.items() if q == "A") == [
            f"A{n:03d}" for n in range(6, 21)
        ]
        assert after == before
        # Resuming from the last seq after the restart ends with the same view as a fresh one.
        resumed = await Client.connect(server, guide_cookie)
        resumed.entities = before
        await resumed.hello(SITE, {"kind": "floor"}, seq=held_seq, epoch=held_epoch)
        assert resumed.entities == after
        # Acked commands replayed by a phone's outbox are acknowledged, not applied again.
        again = await resumed.command("v-3", {"type": "CreateVisit", "intake": INTAKE})
        assert again["duplicate"] is True and again["ticket"] == acks[4]["ticket"]
        await resumed.close()
    finally:
        server.stop()


async def test_a_client_resumes_with_only_the_changes_it_missed(tmp_path: Path) -> None:
    server = LiveServer(tmp_path)
    server.start()
    try:
        cookie = login(server, "guide01", "1111")
        phone = await Client.connect(server, cookie)
        await phone.hello(SITE, {"kind": "floor"})
        ack = await phone.command("r-0", {"type": "CreateVisit", "intake": INTAKE})
        # The change reaches the view before the ack does: the ack finds the UI up to date.
        assert phone.seq == ack["seq"]
        held = (phone.seq, phone.epoch, phone.entities)
        await phone.close()

        other = await Client.connect(server, cookie)
        await other.hello(SITE, {"kind": "floor"})
        for i in range(1, 4):
            await other.command(f"r-{i}", {"type": "CreateVisit", "intake": INTAKE})
        await other.close()

        back = await Client.connect(server, cookie)
        back.seq, back.epoch, back.entities = held
        await back.hello(SITE, {"kind": "floor"}, seq=held[0], epoch=held[1])
        kinds = [m["type"] for m in back.received]
        assert "snapshot" not in kinds
        assert kinds.count("delta") == 3 and kinds[-1] == "synced"
        assert back.entities == await fresh_view(server, cookie, {"kind": "floor"})

        # A client from another incarnation of the log (another epoch) gets a snapshot.
        stranger = await Client.connect(server, cookie)
        await stranger.hello(SITE, {"kind": "floor"}, seq=2, epoch="0000000000000000")
        assert [m["type"] for m in stranger.received][-1] == "snapshot"
        await back.close()
        await stranger.close()
    finally:
        server.stop()


async def test_graceful_shutdown_tells_clients_to_reconnect_at_once(tmp_path: Path) -> None:
    server = LiveServer(tmp_path)
    server.start()
    board = await Client.connect(server, query="?device=demo-board-lobby-1f-token")
    await board.hello(SITE, {"kind": "board", "board": "lobby-1f"})
    server.stop()
    with pytest.raises(ConnectionClosed) as info:
        await board.recv(timeout=10)
    assert info.value.rcvd is not None and info.value.rcvd.code == 1012


async def test_a_retry_after_a_graceful_restart_is_acknowledged(tmp_path: Path) -> None:
    """A graceful stop snapshots the state at the log's head; the retry still gets its ack."""
    server = LiveServer(tmp_path)
    server.start()
    try:
        cookie = login(server, "guide01", "1111")
        phone = await Client.connect(server, cookie)
        await phone.hello(SITE, {"kind": "floor"})
        first = await phone.command("g-1", {"type": "CreateVisit", "intake": INTAKE})
        await phone.close()
        server.stop()
        server.start()
        phone = await Client.connect(server, cookie)
        await phone.hello(SITE, {"kind": "floor"})
        again = await phone.command("g-1", {"type": "CreateVisit", "intake": INTAKE})
        assert again["duplicate"] is True
        assert again["ticket"] == first["ticket"]
        await phone.close()
    finally:
        server.stop()
