"""Scale-out on Redis: several hub processes share each site's log (real redis-server)."""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import httpx
import pytest
import redis

from server.domain.commands import Actor
from server.domain.events import Called, Record
from server.domain.fold import fold
from server.errors import StoreUnavailable
from server.log.backends import open_log
from server.log.base import SharedLog
from tests.support.desk import INTAKE, SITE
from tests.support.live import Client, LiveServer, login
from tests.support.redis_proc import RedisServer, make_cluster
from tests.support.scaleout import pair, read_log, staff, start_two
from tests.support.scenario import supervisor_serves_the_childrens_step

__all__ = ["pair"]  # the two-process fixture (tests/support/scaleout.py)

BOARD = "?device=demo-board-lobby-1f-token"


@pytest.fixture
def killable(tmp_path: Path) -> Iterator[tuple[RedisServer, LiveServer, LiveServer]]:
    """Two hub processes on a Redis of their own (appendonly yes, appendfsync always) that
    the test may kill and start again."""
    store = RedisServer(tmp_path / "redis")
    store.start()
    a, b = start_two(tmp_path, store.url)
    yield store, a, b
    for stop in (a.stop, b.stop, store.stop):
        with contextlib.suppress(Exception):  # stop every process even if one fails
            stop()


async def test_a_command_on_one_process_reaches_a_board_on_the_other(
    pair: tuple[LiveServer, LiveServer],
) -> None:
    a, b = pair
    guide = await staff(a, "guide01", "1111", {"kind": "floor"})
    reception = await staff(b, "clerk-shimin", "2222", {"kind": "counter", "department": "shimin"})
    care = await staff(a, "clerk-choju", "3333", {"kind": "counter", "department": "choju"})
    board = await Client.connect(b, query=BOARD)
    await board.hello(SITE, {"kind": "board", "board": "lobby-1f"})

    await reception.command("open-1", {"type": "OpenCounter", "counter": "c1"})
    await care.command("open-50", {"type": "OpenCounter", "counter": "c50"})
    ack = await guide.command("g-1", {"type": "CreateVisit", "intake": INTAKE})
    visit = ack["visit"]
    await reception.until(lambda m: visit in m.get("upsert", {}).get("visits", {}))
    await reception.command("r-1", {"type": "CallNext", "counter": "c1"})
    call = await board.until(lambda m: m.get("upsert", {}).get("calls"))
    assert [(c["ticket"], c["counter"]) for c in call["upsert"]["calls"].values()] == [
        ("A001", "1")
    ]
    await reception.command(
        "r-2",
        {"type": "AddProcedure", "visit": visit, "procedure": "kaigo_sodan", "note": "介護の相談"},
    )
    handoff = await care.until(lambda m: visit in m.get("upsert", {}).get("visits", {}))
    steps = handoff["upsert"]["visits"][visit]["steps"]
    assert [s["note"] for s in steps if s["queue"] == "D"] == ["介護の相談"]
    # A retried command sent to the other process is acknowledged, not applied again.
    again = await reception.command("g-1", {"type": "CreateVisit", "intake": INTAKE})
    assert again["duplicate"] is True
    assert again["ticket"] == "A001"
    # The rest of the plan, spread over both processes: reception (B) finishes, the children's
    # counter (supervisor on A) serves step C, the care counter (A) serves D, the visit closes.
    await reception.command("r-3", {"type": "CompleteStep", "counter": "c1"})
    supervisor = await staff(a, "super01", "9999", {"kind": "floor"})
    await supervisor_serves_the_childrens_step(supervisor, care, visit)
    assert (await care.command("c-1", {"type": "CallNext", "counter": "c50"}))["type"] == "ack"
    assert (await care.command("c-2", {"type": "CompleteStep", "counter": "c50"}))["type"] == "ack"
    # Process B's guide view (fresh) sees the visit done.
    watcher = await staff(b, "guide01", "1111", {"kind": "floor"})

    def done() -> bool:
        return bool(watcher.entities["visits"][visit]["status"] == "done")

    await watcher.until_seen(done)  # B applies A's last record as its tail reads it
    for client in (guide, reception, care, board, supervisor, watcher):
        await client.close()


def following(server: LiveServer) -> bool:
    return bool(httpx.get(server.url + "/healthz").json()["sites"][SITE]["following"])


async def test_a_process_takes_up_a_site_with_everything_it_missed(
    pair: tuple[LiveServer, LiveServer],
) -> None:
    """A process follows a site's log only while the site is in use on it; a screen that
    comes to it later still sees every change made meanwhile on another process, then each
    new change as it happens, and its commands are decided on the whole log."""
    a, b = pair
    guide = await staff(a, "guide01", "1111", {"kind": "floor"})
    made = [
        await guide.command(f"m{i}", {"type": "CreateVisit", "intake": INTAKE}) for i in range(5)
    ]
    assert following(a) and not following(b)
    late = await staff(b, "super01", "9999", {"kind": "floor"})
    assert following(b)
    tickets = {v["ticket"] for v in late.entities["visits"].values()}
    assert tickets == {ack["ticket"] for ack in made}
    more = await guide.command("m5", {"type": "CreateVisit", "intake": INTAKE})
    await late.until(lambda m: more["visit"] in late.entities.get("visits", {}))
    own = await late.command("m6", {"type": "CreateVisit", "intake": INTAKE})
    assert own["seq"] == more["seq"] + 1 and own["ticket"] not in tickets | {more["ticket"]}
    for client in (guide, late):
        await client.close()


async def test_concurrent_calls_from_two_processes_never_call_anyone_twice(
    pair: tuple[LiveServer, LiveServer], redis_server: RedisServer
) -> None:
    a, b = pair
    guide = await staff(a, "guide01", "1111", {"kind": "floor"})
    one = await staff(a, "clerk-shimin", "2222", {"kind": "counter", "department": "shimin"})
    two = await staff(b, "clerk-shimin", "2222", {"kind": "counter", "department": "shimin"})
    await one.command("o1", {"type": "OpenCounter", "counter": "c1"})
    await two.command("o2", {"type": "OpenCounter", "counter": "c2"})
    for i in range(50):
        await guide.command(f"v{i}", {"type": "CreateVisit", "intake": INTAKE})
    for round_ in range(20):
        replies = await asyncio.gather(
            one.command(f"a{round_}", {"type": "CallNext", "counter": "c1"}),
            two.command(f"b{round_}", {"type": "CallNext", "counter": "c2"}),
        )
        assert all(r["type"] == "ack" for r in replies), replies
        for client, counter in ((one, "c1"), (two, "c2")):
            done = await client.command(
                f"d{counter}{round_}", {"type": "CompleteStep", "counter": counter}
            )
            assert done["type"] == "ack"
    records = await read_log(redis_server.url)
    called = [e.visit for r in records for e in r.events if isinstance(e, Called)]
    assert len(called) == 40
    assert len(set(called)) == 40
    # Both processes hold the fold of the log.
    state = fold(SITE, records)
    fresh_a = await staff(a, "super01", "9999", {"kind": "floor"})
    fresh_b = await staff(b, "super01", "9999", {"kind": "floor"})
    assert fresh_a.entities == fresh_b.entities
    waiting = {
        v["ticket"] for v in fresh_a.entities["visits"].values() if v["where"].get("queue") == "A"
    }
    assert waiting == {
        v.ticket for v in state.visits.values() if v.step is not None and v.step.queue == "A"
    }
    assert len(waiting) == 10
    for client in (guide, one, two, fresh_a, fresh_b):
        await client.close()


async def test_kill_9_redis_loses_no_acked_command_and_clients_converge(
    killable: tuple[RedisServer, LiveServer, LiveServer],
) -> None:
    store, a, b = killable
    guide = await staff(a, "guide01", "1111", {"kind": "floor"})
    board = await Client.connect(b, query=BOARD)
    await board.hello(SITE, {"kind": "board", "board": "lobby-1f"})
    acked: list[str] = []
    refused: list[str] = []
    some_acked = asyncio.Event()
    create = {"type": "CreateVisit", "intake": INTAKE}

    async def stream() -> None:
        for i in range(60):
            reply = await guide.command(f"s{i}", create)
            if reply["type"] == "ack":
                acked.append(reply["ticket"])
                if len(acked) == 15:
                    some_acked.set()
            else:
                assert reply["code"] == "store_unavailable", reply
                refused.append(f"s{i}")

    writer = asyncio.create_task(stream())
    await asyncio.wait_for(some_acked.wait(), 30)
    store.kill()
    stale = await board.until(lambda m: m["type"] == "status", timeout=20)
    assert stale["stale"] is True
    health = httpx.get(b.url + "/healthz")
    assert health.status_code == 503
    await asyncio.sleep(0.5)
    store.start()
    await writer
    assert refused
    failures = re.search(
        r"^madoguchi_store_failures_total (\d+)$", httpx.get(a.url + "/metrics").text, re.M
    )
    assert failures is not None and int(failures.group(1)) >= 1
    await board.until(lambda m: m["type"] == "status" and not m["stale"], timeout=20)

    # A refused command may still have reached Redis just before it died (its reply lost):
    # the phone's outbox sends it again with the same id, and it is applied exactly once.
    for command_id in refused:
        reply = await guide.command(command_id, create)
        assert reply["type"] == "ack", reply
        acked.append(reply["ticket"])
    records = await read_log(store.url)
    state = fold(SITE, records)
    tickets = {v.ticket for v in state.visits.values()}
    assert len(acked) == len(set(acked)) == 60
    assert tickets == set(acked)  # every command once: none lost, none applied twice
    views = []
    for server in (a, b):
        fresh = await staff(server, "super01", "9999", {"kind": "floor"})
        views.append(fresh.entities)
        await fresh.close()
    assert views[0] == views[1]
    assert {v["ticket"] for v in views[0]["visits"].values()} == tickets
    await guide.close()
    await board.close()


async def test_sites_spread_over_a_three_node_cluster(tmp_path: Path) -> None:
    nodes = make_cluster(tmp_path)
    url = f"redis+cluster://127.0.0.1:{nodes[0].port}/0"
    a = LiveServer(tmp_path / "a", store=url)
    b = LiveServer(tmp_path / "b", store=url)
    for server in (a, b):
        server.log_path.parent.mkdir(parents=True, exist_ok=True)
        server.start()
    try:
        for site in (SITE, "nakagyo"):
            guide = await Client.connect(a, login(a, "guide01", "1111"))
            await guide.hello(site, {"kind": "floor"})
            ack = await guide.command(f"{site}-1", {"type": "CreateVisit", "intake": INTAKE})
            assert ack["ticket"] == "A001"
            other = await Client.connect(b, login(b, "super01", "9999"))
            await other.hello(site, {"kind": "floor"})
            assert [v["ticket"] for v in other.entities["visits"].values()] == ["A001"]
            await guide.close()
            await other.close()
        owners = set()
        for site in (SITE, "nakagyo"):
            key = f"madoguchi:{{{site}}}:log"
            with redis.Redis(port=nodes[0].port) as first:
                slot = first.cluster("keyslot", key)
            holders = []
            for n in nodes:
                with redis.Redis(port=n.port) as node:
                    if node.cluster("countkeysinslot", slot) > 0:
                        holders.append(n.port)
            assert len(holders) == 1
            owners.add(holders[0])
        assert len(owners) == 2  # the two sites live on different shards
    finally:
        stops = [a.stop, b.stop, *(node.stop for node in nodes)]
        for stop in stops:
            with contextlib.suppress(Exception):  # stop every process even if one fails
                stop()


async def test_one_process_follows_many_sites_written_by_another(
    tmp_path: Path, redis_server: RedisServer
) -> None:
    """Followers of many sites share XREAD rounds: a site that asks again while a round is
    out (it just got its records) is still handed the next ones, every site gets exactly
    its own records in order, and a Redis that goes away fails the waiting followers with
    store_unavailable instead of leaving them hanging."""
    redis_server.flush()
    writer, reader = open_log(redis_server.url), cast(SharedLog, open_log(redis_server.url))
    await writer.open()
    await reader.open()
    sites = [f"site{i}" for i in range(12)]
    rounds = 6

    async def follow(site: str) -> list[int]:
        seen: list[int] = []
        while len(seen) < rounds:
            records = await reader.follow(site, len(seen), timeout=5)
            assert records, f"{site}: nothing within 5 s after seq {len(seen)}"
            assert all(r.command_id.startswith(site + "-") for r in records)
            seen += [r.seq for r in records]
        return seen

    async def write() -> None:
        for seq in range(1, rounds + 1):
            for site in sites:
                actor = Actor("super01", "supervisor")
                record = Record(seq, 1774828800.0 + seq, actor, f"{site}-{seq}", [])
                await writer.append(site, seq - 1, f"{site}-{seq - 1}" if seq > 1 else "", record)
            await asyncio.sleep(0.01)

    try:
        followed, _ = await asyncio.gather(asyncio.gather(*map(follow, sites)), write())
        assert all(seen == list(range(1, rounds + 1)) for seen in followed)

        waiting = asyncio.ensure_future(reader.follow(sites[0], rounds, timeout=30))
        await asyncio.sleep(0.2)
        redis_server.kill()
        with pytest.raises(StoreUnavailable):
            await asyncio.wait_for(waiting, 15)
    finally:
        redis_server.start()
        await writer.close()
        await reader.close()


async def test_appends_recover_from_a_dropped_connection_and_a_lost_script_cache(
    redis_server: RedisServer,
) -> None:
    """Appends and follows use their own lean connections: when Redis drops them and forgets
    the append script (as after a restart), an append in flight fails as store_unavailable
    and the next one reconnects, runs the script again and lands in order."""
    admin = redis.Redis(port=redis_server.port)
    admin.flushall()
    writer, reader = open_log(redis_server.url), cast(SharedLog, open_log(redis_server.url))
    await writer.open()
    await reader.open()
    actor = Actor("super01", "supervisor")

    def record(seq: int) -> Record:
        return Record(seq, 1774828800.0 + seq, actor, f"c{seq}", [])

    try:
        await writer.append("s", 0, "", record(1))
        assert [r.seq for r in await reader.follow("s", 0, timeout=5)] == [1]
        admin.script_flush()
        admin.client_kill_filter(_type="normal", skipme=True)
        await asyncio.sleep(0.2)  # both sides see the connections closed
        await writer.append("s", 1, "c1", record(2))
        assert [r.seq for r in await reader.follow("s", 1, timeout=5)] == [2]
        assert [r.command_id for r in await reader.read("s", 0)] == ["c1", "c2"]
    finally:
        await writer.close()
        await reader.close()
        admin.close()


async def test_the_store_url_signs_in_and_selects_its_database(redis_server: RedisServer) -> None:
    """A password and a database number in the URL are honoured by every connection: the
    log lands in that database, and a wrong password is a clear store_unavailable."""
    admin = redis.Redis(port=redis_server.port)
    admin.flushall()
    admin.config_set("requirepass", "s3cret")
    secured = redis.Redis(port=redis_server.port, password="s3cret", db=3)
    url = f"redis://:s3cret@127.0.0.1:{redis_server.port}/3"
    log, follower = open_log(url), cast(SharedLog, open_log(url))
    wrong = open_log(f"redis://:nope@127.0.0.1:{redis_server.port}/3")
    try:
        await log.open()
        await follower.open()
        await wrong.open()
        await log.append("s", 0, "", Record(1, 1774828800.0, Actor("a", "supervisor"), "c1", []))
        assert [r.seq for r in await follower.follow("s", 0, timeout=5)] == [1]
        assert secured.xlen("madoguchi:{s}:log") == 1
        with redis.Redis(port=redis_server.port, password="s3cret", db=0) as db0:
            assert db0.dbsize() == 0
        with pytest.raises(StoreUnavailable, match=r"(?i)pass|auth"):
            await wrong.append(
                "s", 1, "c1", Record(2, 1774828801.0, Actor("a", "supervisor"), "c2", [])
            )
    finally:
        secured.config_set("requirepass", "")
        secured.close()
        admin.close()
        for backend in (log, follower, wrong):
            await backend.close()


async def test_a_site_taken_up_while_redis_is_away_is_served_stale_then_catches_up(
    killable: tuple[RedisServer, LiveServer, LiveServer],
) -> None:
    """A screen that comes to a process not following its site while Redis is down still
    gets the view (marked stale, not an error), and everything made meanwhile arrives as
    soon as Redis is back."""
    store, a, b = killable
    guide = await staff(a, "guide01", "1111", {"kind": "floor"})
    made = [
        await guide.command(f"w{i}", {"type": "CreateVisit", "intake": INTAKE}) for i in range(3)
    ]
    assert not following(b)
    # Signed in before: a sign-in is recorded in the store, so it waits for the store.
    cookie = login(b, "super01", "9999")
    store.kill()
    late = await Client.connect(b, cookie)
    snapshot = await late.hello(SITE, {"kind": "floor"})
    assert snapshot["type"] == "snapshot"
    assert next(m for m in late.received if m["type"] == "welcome")["stale"] is True
    store.start()
    await late.until(lambda m: m["type"] == "status" and not m["stale"], timeout=20)
    tickets = {v["ticket"] for v in late.entities.get("visits", {}).values()}
    assert tickets == {ack["ticket"] for ack in made}
    for client in (guide, late):
        await client.close()


async def test_two_phones_leased_by_two_processes_never_share_a_number(
    pair: tuple[LiveServer, LiveServer],
) -> None:
    """Each phone is leased numbers by a different hub process at the same moment; offline,
    each issues three; back online (each on the other process), with online issuing going on
    on both, exactly those six visits appear, and no number is ever on two tickets."""
    a, b = pair
    floor = {"kind": "floor"}
    phones = [await staff(a, "guide01", "1111", floor), await staff(b, "guide01", "1111", floor)]
    acks = await asyncio.gather(
        *(
            p.command(f"lease-{i}", {"type": "LeaseNumbers", "device": f"phone-{i}"})
            for i, p in enumerate(phones)
        )
    )
    assert all(ack["type"] == "ack" for ack in acks), acks
    # Each process's floor view shows both phones' numbers (each lease came through the other).
    for phone in phones:
        await phone.until_seen(lambda phone=phone: len(phone.entities.get("leases", {})) == 2)
    views = [phone.entities["leases"] for phone in phones]
    assert views[0] == views[1]
    mine = [views[0][f"phone-{i}"]["numbers"]["A"][:3] for i in range(2)]
    assert not set(mine[0]) & set(mine[1])

    # Offline, the phones issue in turns, 0.2 s apart (each command's `at`); the commands
    # reach the hubs later, each phone now on the other process.
    start = time.time() * 1000
    issued = {(i, k): start + (2 * k + i) * 200 for i in range(2) for k in range(3)}
    await asyncio.sleep(1.5)
    for phone in phones:
        await phone.close()
    back = [await staff(b, "guide01", "1111", floor), await staff(a, "guide01", "1111", floor)]
    online = [await staff(s, "guide01", "1111", floor) for s in (a, b)]

    def leased(i: int, k: int) -> dict[str, Any]:
        ticket = {"device": f"phone-{i}", "series": "A", "number": mine[i][k]}
        command = {"type": "CreateVisit", "intake": INTAKE, "leased": ticket}
        return {"type": "command", "id": f"offline-{i}-{k}", "command": command, "at": issued[i, k]}

    async def issue_online(client: Client, j: int) -> None:
        for n in range(3):
            ack = await client.command(f"online-{j}-{n}", {"type": "CreateVisit", "intake": INTAKE})
            assert ack["type"] == "ack", ack

    await asyncio.gather(
        *(back[i].send(leased(i, k)) for i, k in issued),
        *(issue_online(o, j) for j, o in enumerate(online)),
    )
    leased_ids = set()
    for i, k in issued:
        ack = await back[i].until(lambda m, i=i, k=k: m.get("id") == f"offline-{i}-{k}")
        assert ack["type"] == "ack" and ack["ticket"] == f"A{mine[i][k]:03d}", ack
        leased_ids.add(ack["visit"])

    state = fold(SITE, await read_log(a.store))
    tickets = [v.ticket for v in state.visits.values()]
    assert len(tickets) == len(set(tickets)) == 12
    # Exactly the six leased numbers, placed in line in the order they were issued.
    leased_visits = sorted(
        (v for v in state.visits.values() if v.id in leased_ids),
        key=lambda v: v.steps[0].place,
    )
    assert [v.number for v in leased_visits] == [
        mine[i][k] for i, k in sorted(issued, key=issued.__getitem__)
    ]
    for client in (*back, *online):
        await client.close()
