"""The benchmark rows: each starts real services and real clients, and returns a Row."""

from __future__ import annotations

import asyncio
import json
import multiprocessing as mp
import os
import queue
import random
import resource
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import redis
import websockets

from bench.city import BOARDS, board_token, make_city
from bench.load import ingest_main
from bench.swarm import Spec, swarm_main
from tests.support.harness import MOVED_IN_WITH_CHILDREN
from tests.support.live import LiveServer, login
from tests.support.processes import free_port
from tests.support.redis_proc import RedisServer

ROOT = Path(__file__).resolve().parent.parent
SITE = "shimogyo"
BOARD_QUERY = "?device=demo-board-lobby-1f-token"
# A benchmark's handful of actors send thousands of commands a second, and its thousands of
# clients connect from one address: the per-actor rate limits (server/security/ratelimit.py) and the
# per-address limit on connections before hello are for people and attackers, not for load
# generators.
NO_LIMITS = {"MADOGUCHI_RATE_LIMITS": "0", "MADOGUCHI_WAITING_PER_ADDRESS": "1000000"}
INTAKE = {"events": MOVED_IN_WITH_CHILDREN.events, "answers": MOVED_IN_WITH_CHILDREN.answers}
# A busy-season ward office sees ~1,000 visitors a day over 8.75 h [REFERENCE §5]; the city
# peak row runs at ten times that rate in every ward.
VISITS_PER_SECOND = 10 * 1000 / (8.75 * 3600)
# What the raw baseline server broadcasts: a board delta of the size the hub's call makes.
RAW_DELTA = {
    "type": "delta",
    "site": SITE,
    "epoch": "raw",
    "upsert": {
        "calls": {
            "7": {
                "id": "7",
                "ticket": "A001",
                "counter": "1",
                "queue": "A",
                "at": 1764460800.123456,
                "recall": 1,
            }
        }
    },
    "remove": {},
}


@dataclass
class Row:
    name: str
    figure: str
    baseline: str = ""
    ratio: str = ""
    target: str = ""
    ok: bool | None = None


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


class Swarms:
    """Client processes holding ``specs`` between them; blocking helpers for the parent."""

    def __init__(self, urls: list[str], specs: list[Spec], processes: int, nice: int = 0) -> None:
        ctx = mp.get_context("spawn")
        self.out: Any = ctx.Queue()
        self.inboxes: list[Any] = []
        self.procs: list[Any] = []
        for i in range(processes):
            inbox = ctx.Queue()
            share = specs[i::processes]
            proc = ctx.Process(
                target=swarm_main,
                args=(i, urls[i % len(urls)], share, self.out, inbox, nice),
                daemon=True,
            )
            proc.start()
            self.procs.append(proc)
            self.inboxes.append(inbox)
        self.pending: list[tuple[Any, ...]] = []

    def wait(
        self, kind: str, count: int, timeout: float = 300.0, match: Any = None
    ) -> list[tuple[Any, ...]]:
        """Block until ``count`` events of ``kind`` (matching ``match``) have arrived."""
        found = [e for e in self.pending if e[0] == kind and (match is None or match(e))]
        self.pending = [e for e in self.pending if e not in found]
        deadline = time.monotonic() + timeout
        while len(found) < count:
            try:
                event = self.out.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                raise TimeoutError(f"waiting for {count} {kind!r}, got {len(found)}") from None
            if event[0] == kind and (match is None or match(event)):
                found.append(event)
            else:
                self.pending.append(event)
        return found

    def tallies(self) -> dict[tuple[str, int], float]:
        """Per (site, seq): when the last client of these swarms received it."""
        for inbox in self.inboxes:
            inbox.put("dump")
        merged: dict[tuple[str, int], float] = {}
        for _, _, _, last in self.wait("tally", len(self.inboxes)):
            for key, t in last.items():
                merged[key] = max(t, merged.get(key, 0.0))
        return merged

    def stop(self) -> None:
        for inbox in self.inboxes:
            inbox.put("stop")
        for proc in self.procs:
            proc.join(10)
            if proc.is_alive():
                proc.kill()


class Controller:
    """A staff client that sends commands and waits for their acks."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.n = 0

    @classmethod
    async def open(
        cls, server: LiveServer, cookie: str, site: str = SITE, view: dict[str, Any] | None = None
    ) -> Controller:
        ws = await websockets.connect(
            server.ws_url, additional_headers={"Cookie": cookie}, max_size=2**24, ping_interval=None
        )
        await ws.send(
            json.dumps(
                {
                    "type": "hello",
                    "site": site,
                    "view": view or {"kind": "board", "board": "lobby-1f"},
                }
            )
        )
        while json.loads(await ws.recv())["type"] not in ("snapshot", "synced"):
            pass
        return cls(ws)

    async def command(self, command: dict[str, Any]) -> dict[str, Any]:
        self.n += 1
        cid = f"bench-{id(self)}-{self.n}"
        await self.ws.send(json.dumps({"type": "command", "id": cid, "command": command}))
        while True:
            reply: dict[str, Any] = json.loads(await self.ws.recv())
            if reply.get("id") == cid:
                return reply

    async def close(self) -> None:
        await self.ws.close()


class Bench:
    def __init__(self, tmp: Path, quick: bool) -> None:
        self.tmp = tmp
        self.quick = quick

    def run_all(self, only: set[str]) -> list[Row]:
        rows: list[Row] = []
        if not only or "fanout" in only:
            rows += self.fanout()
        if not only or "city" in only:
            rows += self.city("sqlite") + self.city("redis")
        if not only or "ingest" in only:
            rows += self.ingest_sqlite() + self.ingest_redis()
        if not only or "speech" in only:
            from bench.speech import speech_rows

            rows += speech_rows(self.tmp, self.quick)
        return rows

    # --- fan-out, memory, reconnect storm ---------------------------------------------------

    def fanout(self) -> list[Row]:
        sizes = [10, 30] if self.quick else [100, 1000, 10000]
        server = LiveServer(self.tmp / "fanout", **NO_LIMITS)
        server.start()
        raw_port = free_port()
        raw = subprocess.Popen([sys.executable, "-m", "bench.raw", str(raw_port)], cwd=ROOT)
        rows: list[Row] = []
        try:
            cookie = login(server, "super01", "9999")
            for n in sizes:
                # p99 of 100 rounds is their second-worst, not a single outlier.
                rounds = 3 if self.quick else (100 if n <= 1000 else 40)
                specs = [Spec(SITE, {"kind": "board", "board": "lobby-1f"}, BOARD_QUERY)] * n
                # More client processes than CPUs only adds scheduling noise to both sides.
                processes = max(1, min(os.cpu_count() or 1, n // 1000))
                before = rss_kib(server.proc.pid if server.proc else 0)
                swarms = Swarms([server.ws_url], specs, processes)
                swarms.wait("ready", processes)
                after = rss_kib(server.proc.pid if server.proc else 0)
                raw_swarms = Swarms([f"ws://127.0.0.1:{raw_port}"], specs, processes)
                raw_swarms.wait("ready", processes)
                hub, base = asyncio.run(
                    self._rounds(server, cookie, raw_port, (swarms, raw_swarms), processes, rounds)
                )
                raw_swarms.stop()
                storm = None
                if n == sizes[-1]:
                    storm = self._storm(server, swarms, processes)
                swarms.stop()
                rows.append(self._fanout_row(n, hub, base))
                if n == sizes[-1]:
                    per_conn = (after - before) / n
                    rows.append(
                        Row(
                            f"memory per idle board ({n})",
                            f"{per_conn:.1f} KiB",
                            target="≤ 30 KB",
                            ok=per_conn * 1.024 <= 30,
                        )
                    )
                    assert storm is not None
                    rows.append(
                        Row(
                            f"reconnect storm ({n} boards)",
                            f"{storm:.1f} s",
                            target="≤ 15 s",
                            ok=storm <= 15,
                        )
                    )
        finally:
            raw.terminate()
            raw.wait(10)
            server.stop()
        return rows

    def _fanout_row(self, n: int, hub: list[float], base: list[float]) -> Row:
        ratio = pct(hub, 99) / pct(base, 99)
        targets = {1000: (0.030, "p99 ≤ 30 ms, ≤ 1.25× raw"), 10000: (0.300, "p99 ≤ 300 ms")}
        limit, text = targets.get(n, (None, ""))
        ok = None
        if limit is not None:
            ok = pct(hub, 99) <= limit and (n != 1000 or ratio <= 1.25)
        return Row(
            f"fan-out to {n} boards",
            f"p50 {ms(pct(hub, 50))}, p99 {ms(pct(hub, 99))}",
            f"raw websockets p50 {ms(pct(base, 50))}, p99 {ms(pct(base, 99))}",
            f"{ratio:.2f}×",
            text,
            ok,
        )

    async def _rounds(
        self,
        server: LiveServer,
        cookie: str,
        raw_port: int,
        swarms: tuple[Swarms, Swarms],
        processes: int,
        rounds: int,
    ) -> tuple[list[float], list[float]]:
        """Rounds of the hub and of the raw server in alternating blocks of ten, so a machine
        that slows down for a while slows both sides alike."""
        hub_swarms, raw_swarms = swarms
        control = await Controller.open(server, cookie, view={"kind": "board", "board": "lobby-1f"})
        for command in (
            {"type": "OpenCounter", "counter": "c1"},
            {"type": "CreateVisit", "intake": INTAKE},
            {"type": "CallNext", "counter": "c1"},
        ):
            await control.command(command)
        raw = await websockets.connect(f"ws://127.0.0.1:{raw_port}", ping_interval=None)
        hub: list[float] = []
        base: list[float] = []

        async def seen_by_all(swarms: Swarms, seq: int, t0: float) -> float:
            seen = await asyncio.to_thread(
                swarms.wait, "seen", processes, 60, lambda e: e[3] == seq
            )
            return float(max(e[5] for e in seen)) - t0

        while len(hub) < rounds:
            for _ in range(min(10, rounds - len(hub))):
                t0 = time.monotonic()
                ack = await control.command({"type": "Recall", "counter": "c1"})
                hub.append(await seen_by_all(hub_swarms, ack["seq"], t0))
            while len(base) < len(hub):
                t0 = time.monotonic()
                await raw.send(json.dumps({"type": "go", "seq": len(base) + 1, "body": RAW_DELTA}))
                await raw.recv()
                base.append(await seen_by_all(raw_swarms, len(base) + 1, t0))
        await control.command({"type": "CompleteStep", "counter": "c1"})
        await control.close()
        await raw.close()
        return hub, base

    def _storm(self, server: LiveServer, swarms: Swarms, processes: int) -> float:
        """Restart the hub under every board; seconds until all hold the current state."""
        started = time.monotonic()
        server.stop()
        server.start()
        synced = swarms.wait("synced", processes, timeout=120)
        return float(max(e[2] for e in synced)) - started

    # --- city peak -------------------------------------------------------------------------

    def city(self, store: str) -> list[Row]:
        sites_n = 2 if self.quick else 14
        seconds = 3 if self.quick else 30
        folder = self.tmp / f"city-{store}"
        names = make_city(ROOT / "config", folder / "config", sites_n)
        redis_server = None
        if store == "redis":
            redis_server = RedisServer(folder / "redis")
            redis_server.start()
            servers = [
                LiveServer(
                    folder / n,
                    store=redis_server.url,
                    MADOGUCHI_CONFIG=str(folder / "config"),
                    **NO_LIMITS,
                )
                for n in ("a", "b")
            ]
        else:
            servers = [LiveServer(folder, MADOGUCHI_CONFIG=str(folder / "config"), **NO_LIMITS)]
        for server in servers:
            (folder / server.log_path.parent.name).mkdir(parents=True, exist_ok=True)
            server.start()
        try:
            cookies = {
                who: login(servers[0], who, pin)
                for who, pin in (
                    ("guide01", "1111"),
                    ("super01", "9999"),
                    ("clerk-shimin", "2222"),
                    ("clerk-hoken", "2223"),
                    ("clerk-choju", "3333"),
                    ("clerk-hagukumi", "4444"),
                    ("clerk-shogai", "5555"),
                    ("clerk-seikatsu", "6666"),
                )
            }
            departments = ["shimin", "hoken", "choju", "hagukumi", "shogai", "seikatsu"]
            panels: list[Spec] = []
            boards: list[Spec] = []
            for site in names:
                panels += [Spec(site, {"kind": "floor"}, cookie=cookies["guide01"])] * 10
                for i in range(40):
                    dept = departments[i % len(departments)]
                    panels.append(
                        Spec(
                            site,
                            {"kind": "counter", "department": dept},
                            cookie=cookies[f"clerk-{dept}"],
                        )
                    )
                for board in [*BOARDS[:2], *BOARDS[:2], BOARDS[2]]:
                    boards.append(
                        Spec(
                            site,
                            {"kind": "board", "board": board},
                            f"?device={board_token(site, board)}",
                        )
                    )
            urls = [s.ws_url for s in servers]
            # On a real floor the screens run on their own machines; here they share the hub's
            # cores, so they yield the CPU to it: the panels (only load) most, the boards
            # (they take the measurement) less.
            panel_swarms = Swarms(urls, panels, 2, nice=10)
            board_swarms = Swarms(urls, boards, 2, nice=5)
            panel_swarms.wait("ready", 2)
            board_swarms.wait("ready", 2)
            sent = asyncio.run(self._city_load(servers, cookies, names, seconds))
            last = board_swarms.tallies()
            panel_swarms.stop()
            board_swarms.stop()
        finally:
            for server in servers:
                server.stop()
            if redis_server is not None:
                redis_server.stop()
        latencies = [last[key] - t0 for key, t0 in sent.items() if key in last]
        label = "SQLite, 1 process" if store == "sqlite" else "Redis, 2 processes"
        conns = len(panels) + len(boards) + 2 * len(names)
        return [
            Row(
                f"city peak, {len(names)} sites, {conns} clients ({label})",
                f"phone → board p50 {ms(pct(latencies, 50))}, p99 {ms(pct(latencies, 99))} "
                f"({len(latencies)} commands)",
                target="p99 ≤ 10 ms",
                ok=pct(latencies, 99) <= 0.010 if not self.quick else None,
            )
        ]

    async def _city_load(
        self, servers: list[LiveServer], cookies: dict[str, str], names: list[str], seconds: float
    ) -> dict[tuple[str, int], float]:
        """Visitors arrive (Poisson) in every ward; counters call and finish them."""
        sent: dict[tuple[str, int], float] = {}
        end = time.monotonic() + seconds

        async def ward(i: int, site: str) -> None:
            server = servers[i % len(servers)]
            phone = await Controller.open(server, cookies["guide01"], site)
            desk = await Controller.open(servers[(i + 1) % len(servers)], cookies["super01"], site)
            for counter in ("c1", "c2"):
                await desk.command({"type": "OpenCounter", "counter": counter})
            rng = random.Random(i)
            turn = 0
            while time.monotonic() < end:
                await asyncio.sleep(rng.expovariate(VISITS_PER_SECOND))
                for control, command in (
                    (phone, {"type": "CreateVisit", "intake": INTAKE}),
                    (desk, {"type": "CallNext", "counter": f"c{turn % 2 + 1}"}),
                    (desk, {"type": "CompleteStep", "counter": f"c{turn % 2 + 1}"}),
                ):
                    t0 = time.monotonic()
                    ack = await control.command(command)
                    if ack["type"] == "ack":
                        sent[(site, ack["seq"])] = t0
                turn += 1
            await phone.close()
            await desk.close()

        await asyncio.gather(*(ward(i, site) for i, site in enumerate(names)))
        await asyncio.sleep(0.5)  # let the last deltas land before the tallies are read
        return sent

    # --- ingest ----------------------------------------------------------------------------

    def ingest_sqlite(self) -> list[Row]:
        seconds = 1 if self.quick else 10
        folder = self.tmp / "ingest-sqlite"
        names = make_city(ROOT / "config", folder / "config", 14)
        server = LiveServer(folder, MADOGUCHI_CONFIG=str(folder / "config"), **NO_LIMITS)
        server.start()
        try:
            rate, cpu = self._ingest([server], names, seconds)
        finally:
            server.stop()
        base = raw_sqlite_commits(folder / "raw.db", seconds / 2)
        return [
            Row(
                "ingest, SQLite durable (1 process, 14 sites)",
                f"{rate:,.0f} commands/s (CPU a command: {cpu})",
                f"raw sqlite3 commit per insert {base:,.0f}/s",
                f"{rate / base:.2f}×",
                "≥ 2,000/s",
                rate >= 2000 if not self.quick else None,
            )
        ]

    def ingest_redis(self) -> list[Row]:
        seconds = 1 if self.quick else 10
        folder = self.tmp / "ingest-redis"
        names = make_city(ROOT / "config", folder / "config", 14)
        store = RedisServer(folder / "redis")
        store.start()
        servers = [
            LiveServer(
                folder / n, store=store.url, MADOGUCHI_CONFIG=str(folder / "config"), **NO_LIMITS
            )
            for n in ("a", "b")
        ]
        for server in servers:
            server.log_path.parent.mkdir(parents=True, exist_ok=True)
            server.start()
        try:
            rate, cpu = self._ingest(servers, names, seconds, store.proc)
            base = raw_redis_appends(store.port, seconds / 2)
        finally:
            for server in servers:
                server.stop()
            store.stop()
        return [
            Row(
                "ingest, Redis AOF always (2 processes, 14 sites)",
                f"{rate:,.0f} commands/s (CPU a command: {cpu})",
                f"raw redis-py EVALSHA of the append script {base:,.0f}/s",
                f"{rate / base:.2f}×",
                "≥ 10,000/s",
                rate >= 10000 if not self.quick else None,
            )
        ]

    def _ingest(
        self, servers: list[LiveServer], names: list[str], seconds: float, store: Any = None
    ) -> tuple[float, str]:
        """Acked commands a second, and the CPU time each command took of the hubs, of Redis
        and of the load clients (on this machine they share the cores; the hubs' share is
        what a machine whose clients and store have cores of their own would scale with)."""
        cookie = login(servers[0], "super01", "9999")
        pids = [server.proc.pid for server in servers if server.proc is not None]
        cpu_before = sum(map(cpu_seconds, pids))
        store_before = cpu_seconds(store.pid) if store is not None else 0.0
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        ctx = mp.get_context("spawn")
        out = ctx.Queue()
        plan = [(servers[i % len(servers)].ws_url, site) for i, site in enumerate(names)]
        procs = [
            ctx.Process(target=ingest_main, args=(plan[i::2], cookie, seconds, out))
            for i in range(2)
        ]
        for proc in procs:
            proc.start()
        total = sum(int(out.get(timeout=seconds + 120)) for _ in procs)
        for proc in procs:
            proc.join(10)
        # The load processes have been joined (reaped): their CPU is in RUSAGE_CHILDREN.
        reaped = resource.getrusage(resource.RUSAGE_CHILDREN)
        shares = {
            "hubs" if len(pids) > 1 else "hub": sum(map(cpu_seconds, pids)) - cpu_before,
            "Redis": cpu_seconds(store.pid) - store_before if store is not None else None,
            "load clients": reaped.ru_utime
            + reaped.ru_stime
            - children.ru_utime
            - children.ru_stime,
        }
        per = {k: v / max(total, 1) * 1e6 for k, v in shares.items() if v is not None}
        return total / seconds, ", ".join(f"{k} {v:.0f} µs" for k, v in per.items())


def raw_sqlite_commits(path: Path, seconds: float) -> float:
    """Baseline: one INSERT + COMMIT at a time, WAL, synchronous=FULL (no group commit)."""
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    db.execute("CREATE TABLE t (seq INTEGER PRIMARY KEY, body BLOB)")
    body = b"x" * 600
    n, end = 0, time.monotonic() + seconds
    while time.monotonic() < end:
        db.execute("BEGIN IMMEDIATE")
        db.execute("INSERT INTO t (body) VALUES (?)", (body,))
        db.execute("COMMIT")
        n += 1
    db.close()
    return n / seconds


def raw_redis_appends(port: int, seconds: float) -> float:
    """Baseline: the append Lua script alone, 56 concurrent callers on one asyncio client."""
    from server.log.redis import APPEND

    async def run() -> int:
        import redis.asyncio as aioredis

        client = aioredis.Redis(port=port)
        sha = await client.script_load(APPEND)
        end = time.monotonic() + seconds

        async def caller(k: int) -> int:
            n = 0
            while time.monotonic() < end:
                keys = [f"raw:{{{k}}}:log", f"raw:{{{k}}}:meta", f"raw:{{{k}}}:c", f"raw:{{{k}}}:d"]
                await client.evalsha(
                    sha, 4, *keys, n, b"x" * 600, f"c{n + 1}", 60, f"c{n}" if n else ""
                )
                n += 1
            return n

        total = sum(await asyncio.gather(*(caller(k) for k in range(56))))
        await client.aclose()
        return total

    redis.Redis(port=port).flushall()
    return asyncio.run(run()) / seconds
