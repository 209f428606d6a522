"""The subscription book: who asked to be told, kept apart from the event log.

Why not the log: a push subscription is personal data (its endpoint identifies the phone's
browser) and is useless after the day, while the log is append-only, kept for years as the
audit trail and read back into the daily figures. So the log keeps no trace of it; the book
keeps each subscription (sealed: AES-GCM with a key derived from ``MADOGUCHI_SECRET``) in the
same store as the log, so it survives a restart and is shared by every hub process, and it is
deleted as soon as the log says the visit is over (done, cancelled, no-show, day closed) —
the log stays the source of truth for *whether* a subscription may exist. Each entry also
expires by itself (``expires``) in case no process is there to see the day end.

Backends follow the log's URL: ``memory:`` (tests), ``sqlite:<db>`` (a ``push.sqlite`` file
next to the database), ``redis://`` (keys hash-tagged ``{site}`` like the log's):

    madoguchi:{site}:push                 Hash: visit id -> sealed entry
    madoguchi:{site}:push:sent:<visit>:<key>  once-only claim of one notice (SET NX EX)
    madoguchi:push:vapid                  the VAPID private key shared by every process
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Protocol

import redis.asyncio as aioredis
from redis.asyncio.cluster import RedisCluster

SCHEMA = """
CREATE TABLE IF NOT EXISTS subscriptions (
    site TEXT NOT NULL, visit TEXT NOT NULL, entry BLOB NOT NULL, expires REAL NOT NULL,
    PRIMARY KEY (site, visit));
CREATE TABLE IF NOT EXISTS sent (
    site TEXT NOT NULL, visit TEXT NOT NULL, key TEXT NOT NULL, expires REAL NOT NULL,
    PRIMARY KEY (site, visit, key));
CREATE TABLE IF NOT EXISTS settings (name TEXT PRIMARY KEY, value BLOB NOT NULL);
"""


class Book(Protocol):
    """Sealed entries per (site, visit), once-only claims, and shared settings. Every method
    may raise on a store fault; callers treat that as "try later"."""

    async def open(self) -> None: ...

    async def close(self) -> None: ...

    async def put(self, site_id: str, visit: str, entry: bytes, expires: float) -> None: ...

    async def get(self, site_id: str, visit: str) -> bytes | None: ...

    async def entries(self, site_id: str) -> dict[str, bytes]: ...

    async def delete(self, site_id: str, visit: str) -> None: ...

    async def claim(self, site_id: str, visit: str, key: str, expires: float) -> bool:
        """True for the first caller only (in every process) until ``expires``."""
        ...

    async def setting(self, name: str, default: bytes) -> bytes:
        """The stored value of ``name``, storing ``default`` first if there is none (the first
        process to start decides for all)."""
        ...


class MemoryBook:
    """One process, nothing kept: the tests' book and ``memory:`` stores'."""

    def __init__(self) -> None:
        self._entries: dict[str, dict[str, tuple[bytes, float]]] = {}
        self._sent: dict[tuple[str, str, str], float] = {}
        self._settings: dict[str, bytes] = {}

    async def open(self) -> None:
        return None

    async def close(self) -> None:
        return None

    async def put(self, site_id: str, visit: str, entry: bytes, expires: float) -> None:
        self._entries.setdefault(site_id, {})[visit] = (entry, expires)

    async def get(self, site_id: str, visit: str) -> bytes | None:
        return (await self.entries(site_id)).get(visit)

    async def entries(self, site_id: str) -> dict[str, bytes]:
        now = time.time()
        table = self._entries.get(site_id, {})
        for visit in [v for v, (_, exp) in table.items() if exp <= now]:
            del table[visit]
        return {v: entry for v, (entry, _) in table.items()}

    async def delete(self, site_id: str, visit: str) -> None:
        self._entries.get(site_id, {}).pop(visit, None)
        for key in [k for k in self._sent if k[0] == site_id and k[1] == visit]:
            del self._sent[key]

    async def claim(self, site_id: str, visit: str, key: str, expires: float) -> bool:
        now = time.time()
        if self._sent.get((site_id, visit, key), 0.0) > now:
            return False
        self._sent[(site_id, visit, key)] = expires
        return True

    async def setting(self, name: str, default: bytes) -> bytes:
        return self._settings.setdefault(name, default)


class SQLiteBook:
    """A small SQLite file of its own (the log's database stays the log's), one thread."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="push-book")
        self._db: sqlite3.Connection | None = None

    async def _call(self, fn: Any, *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self._executor, fn, *args)

    async def open(self) -> None:
        def go() -> None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(SCHEMA)
            self.path.chmod(0o600)
            self._db = db

        await self._call(go)

    async def close(self) -> None:
        def go() -> None:
            if self._db is not None:
                self._db.close()
                self._db = None

        await self._call(go)
        self._executor.shutdown(wait=True)

    def _sql(self, sql: str, *args: Any) -> list[Any]:
        assert self._db is not None
        return self._db.execute(sql, args).fetchall()

    async def put(self, site_id: str, visit: str, entry: bytes, expires: float) -> None:
        await self._call(
            self._sql, "INSERT OR REPLACE INTO subscriptions VALUES (?, ?, ?, ?)",
            site_id, visit, entry, expires,
        )  # fmt: skip

    async def get(self, site_id: str, visit: str) -> bytes | None:
        rows = await self._call(
            self._sql, "SELECT entry FROM subscriptions WHERE site=? AND visit=? AND expires>?",
            site_id, visit, time.time(),
        )  # fmt: skip
        return bytes(rows[0][0]) if rows else None

    async def entries(self, site_id: str) -> dict[str, bytes]:
        def go() -> list[Any]:
            now = time.time()
            self._sql("DELETE FROM subscriptions WHERE expires<=?", now)
            self._sql("DELETE FROM sent WHERE expires<=?", now)
            return self._sql("SELECT visit, entry FROM subscriptions WHERE site=?", site_id)

        return {visit: bytes(entry) for visit, entry in await self._call(go)}

    async def delete(self, site_id: str, visit: str) -> None:
        def go() -> None:
            self._sql("DELETE FROM subscriptions WHERE site=? AND visit=?", site_id, visit)
            self._sql("DELETE FROM sent WHERE site=? AND visit=?", site_id, visit)

        await self._call(go)

    async def claim(self, site_id: str, visit: str, key: str, expires: float) -> bool:
        def go() -> bool:
            self._sql("DELETE FROM sent WHERE expires<=?", time.time())
            self._sql(
                "INSERT OR IGNORE INTO sent VALUES (?, ?, ?, ?)", site_id, visit, key, expires
            )
            return bool(self._sql("SELECT changes()")[0][0])

        return bool(await self._call(go))

    async def setting(self, name: str, default: bytes) -> bytes:
        def go() -> bytes:
            self._sql("INSERT OR IGNORE INTO settings VALUES (?, ?)", name, default)
            return bytes(self._sql("SELECT value FROM settings WHERE name=?", name)[0][0])

        return bytes(await self._call(go))


class RedisBook:
    """The book in the log's Redis: shared by every process, so a notice is claimed once."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.client: Any = None

    async def open(self) -> None:
        options: dict[str, Any] = {"socket_timeout": 5, "socket_connect_timeout": 3}
        if self.url.startswith("redis+cluster://"):
            url = self.url.replace("redis+cluster://", "redis://")
            self.client = RedisCluster.from_url(url, **options)
        else:
            self.client = aioredis.from_url(self.url, **options)

    async def close(self) -> None:
        if self.client is not None:
            await self.client.aclose()

    @staticmethod
    def _key(site_id: str) -> str:
        return f"madoguchi:{{{site_id}}}:push"

    async def put(self, site_id: str, visit: str, entry: bytes, expires: float) -> None:
        # Field expiry needs Redis 7.4: the whole hash expires with the latest entry instead,
        # and entries carry their own expiry (checked when read).
        key = self._key(site_id)
        await self.client.hset(key, visit, int(expires).to_bytes(8, "big") + entry)
        await self.client.expireat(key, int(expires) + 1, gt=True)
        await self.client.expireat(key, int(expires) + 1, nx=True)

    async def get(self, site_id: str, visit: str) -> bytes | None:
        raw = await self.client.hget(self._key(site_id), visit)
        return _live(raw)

    async def entries(self, site_id: str) -> dict[str, bytes]:
        raw = await self.client.hgetall(self._key(site_id))
        out = {k.decode(): _live(v) for k, v in raw.items()}
        return {k: v for k, v in out.items() if v is not None}

    async def delete(self, site_id: str, visit: str) -> None:
        await self.client.hdel(self._key(site_id), visit)

    async def claim(self, site_id: str, visit: str, key: str, expires: float) -> bool:
        ttl = max(1, int(expires - time.time()))
        name = f"{self._key(site_id)}:sent:{visit}:{key}"
        return bool(await self.client.set(name, b"1", nx=True, ex=ttl))

    async def setting(self, name: str, default: bytes) -> bytes:
        key = f"madoguchi:push:{name}"
        await self.client.set(key, default, nx=True)
        return bytes(await self.client.get(key))


def _live(raw: bytes | None) -> bytes | None:
    if raw is None or len(raw) < 8 or int.from_bytes(raw[:8], "big") <= time.time():
        return None
    return raw[8:]


def open_book(store_url: str) -> Book:
    """The book that goes with the event store at ``store_url``."""
    if store_url.startswith("sqlite:"):
        path = Path(store_url.removeprefix("sqlite:").removeprefix("//"))
        return SQLiteBook(path.parent / "push.sqlite")
    if store_url.startswith(("redis://", "rediss://", "redis+cluster://", "unix://")):
        return RedisBook(store_url)
    return MemoryBook()
