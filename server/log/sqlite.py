"""SQLite event log: the embedded default. WAL mode, ``synchronous=FULL``.

All SQLite work runs on one dedicated thread. Appends that arrive while a transaction is
being written are gathered into the next transaction (group commit), each in its own
savepoint, so one fsync acknowledges many commands and a conflict fails only its own append.
One process owns a database file; several processes share a site through Redis instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

from server.domain.events import Record
from server.errors import Conflict, StoreUnavailable
from server.log.codec import decode_record, encode_record

SCHEMA = """
CREATE TABLE IF NOT EXISTS sites (
    site TEXT PRIMARY KEY,
    epoch TEXT NOT NULL,
    scrubbed_until REAL NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS records (
    site TEXT NOT NULL,
    seq INTEGER NOT NULL,
    at REAL NOT NULL,
    actor TEXT NOT NULL,
    command_id TEXT NOT NULL,
    body BLOB NOT NULL,
    PRIMARY KEY (site, seq)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS snapshots (site TEXT PRIMARY KEY, seq INTEGER NOT NULL, body BLOB);
"""

T = TypeVar("T")
_Pending = tuple[str, int, str, Record, "asyncio.Future[None]"]


class SQLiteLog:
    shared = False

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite-log")
        self._db: sqlite3.Connection | None = None
        self._pending: list[_Pending] = []
        self._flushing = False
        self._idle = asyncio.Event()
        self._idle.set()
        self._heads: dict[str, tuple[int, str]] = {}

    def _call(self, fn: Callable[..., T], *args: object) -> asyncio.Future[T]:
        return asyncio.get_running_loop().run_in_executor(self._executor, fn, *args)

    async def open(self) -> None:
        await self._call(self._open)

    def _open(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=FULL")
        db.executescript(SCHEMA)
        self._db = db

    async def close(self) -> None:
        await self._idle.wait()
        await self._call(self._close)
        self._executor.shutdown(wait=True)

    def _close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    @property
    def db(self) -> sqlite3.Connection:
        if self._db is None:
            raise RuntimeError("the SQLite log is not open")
        return self._db

    async def epoch(self, site_id: str) -> str:
        result: str = await self._call(self._epoch, site_id)
        return result

    def _epoch(self, site_id: str) -> str:
        row = self.db.execute("SELECT epoch FROM sites WHERE site = ?", (site_id,)).fetchone()
        if row is not None:
            return str(row[0])
        epoch = secrets.token_hex(8)
        self.db.execute("INSERT INTO sites (site, epoch) VALUES (?, ?)", (site_id, epoch))
        return epoch

    def append(
        self, site_id: str, expected_seq: int, previous: str, record: Record
    ) -> asyncio.Future[None]:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._pending.append((site_id, expected_seq, previous, record, future))
        if not self._flushing:
            self._flushing = True
            self._idle.clear()
            asyncio.get_running_loop().create_task(self._flush())
        return future

    async def _flush(self) -> None:
        try:
            while self._pending:
                batch, self._pending = self._pending, []
                try:
                    outcomes: list[Exception | None] = await self._call(self._write, batch)
                except Exception as exc:  # the whole transaction failed: nothing is durable
                    outcomes = [exc] * len(batch)
                for (*_, future), outcome in zip(batch, outcomes, strict=True):
                    if future.done():
                        continue
                    if outcome is None:
                        future.set_result(None)
                    else:
                        future.set_exception(outcome)
        finally:
            self._flushing = False
            self._idle.set()

    def _write(self, batch: list[_Pending]) -> list[Exception | None]:
        """One transaction for the batch. A failure anywhere (disk full at COMMIT, a read-only
        file, a lock held too long) leaves neither the file nor the cached heads changed:
        heads move only after COMMIT, so the next batch starts from what the file holds."""
        db = self.db
        outcomes: list[Exception | None] = []
        heads: dict[str, tuple[int, str]] = {}
        try:
            db.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise StoreUnavailable(f"sqlite: {exc}") from exc
        try:
            for site, expected, previous, record, _ in batch:
                head, last = heads.get(site) or self._head(site)
                if head != expected or last != previous or record.seq != expected + 1:
                    outcomes.append(Conflict(site, expected, head))
                    continue
                db.execute(
                    "INSERT INTO records (site, seq, at, actor, command_id, body)"
                    " VALUES (?, ?, ?, ?, ?, ?)",
                    (
                        site,
                        record.seq,
                        record.at,
                        record.actor.id,
                        record.command_id,
                        encode_record(record),
                    ),
                )
                heads[site] = (record.seq, record.command_id)
                outcomes.append(None)
            db.execute("COMMIT")
        except BaseException as exc:
            self._heads.clear()
            # SQLite may already have rolled back (SQLITE_FULL at COMMIT does): a ROLLBACK
            # then fails too, and must not hide the first error.
            if db.in_transaction:
                with contextlib.suppress(sqlite3.Error):
                    db.execute("ROLLBACK")
            if isinstance(exc, sqlite3.Error):
                raise StoreUnavailable(f"sqlite: {exc}") from exc
            raise
        self._heads.update(heads)
        return outcomes

    def _head(self, site_id: str) -> tuple[int, str]:
        """The last record's seq and command id (0 and "" for an empty log)."""
        head = self._heads.get(site_id)
        if head is None:
            row = self.db.execute(
                "SELECT seq, command_id FROM records WHERE site = ? ORDER BY seq DESC LIMIT 1",
                (site_id,),
            ).fetchone()
            head = self._heads[site_id] = (int(row[0]), str(row[1])) if row else (0, "")
        return head

    async def read(self, site_id: str, after_seq: int, limit: int = 10_000) -> list[Record]:
        rows: list[tuple[bytes]] = await self._call(self._read, site_id, after_seq, limit)
        return [decode_record(body) for (body,) in rows]

    def _read(self, site_id: str, after_seq: int, limit: int) -> list[tuple[bytes]]:
        return self.db.execute(
            "SELECT body FROM records WHERE site = ? AND seq > ? ORDER BY seq LIMIT ?",
            (site_id, after_seq, limit),
        ).fetchall()

    async def scrub(self, site_id: str, before: float, fn: Callable[[Record], Record]) -> int:
        changed: int = await self._call(self._scrub, site_id, before, fn)
        return changed

    def _scrub(self, site_id: str, before: float, fn: Callable[[Record], Record]) -> int:
        db = self.db
        row = db.execute("SELECT scrubbed_until FROM sites WHERE site = ?", (site_id,)).fetchone()
        since = float(row[0]) if row else 0.0
        changed = 0
        db.execute("BEGIN IMMEDIATE")
        try:
            rows = db.execute(
                "SELECT seq, body FROM records WHERE site = ? AND at >= ? AND at < ?",
                (site_id, since, before),
            ).fetchall()
            for seq, body in rows:
                record = decode_record(body)
                new = fn(record)
                if new is not record:
                    db.execute(
                        "UPDATE records SET body = ? WHERE site = ? AND seq = ?",
                        (encode_record(new), site_id, seq),
                    )
                    changed += 1
            db.execute(
                "UPDATE sites SET scrubbed_until = MAX(scrubbed_until, ?) WHERE site = ?",
                (before, site_id),
            )
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        return changed

    async def save_snapshot(self, site_id: str, seq: int, data: bytes) -> None:
        await self._call(self._save_snapshot, site_id, seq, data)

    def _save_snapshot(self, site_id: str, seq: int, data: bytes) -> None:
        self.db.execute(
            "INSERT INTO snapshots (site, seq, body) VALUES (?, ?, ?)"
            " ON CONFLICT (site) DO UPDATE SET seq = excluded.seq, body = excluded.body",
            (site_id, seq, data),
        )

    async def load_snapshot(self, site_id: str) -> tuple[int, bytes] | None:
        row: tuple[int, bytes] | None = await self._call(self._load_snapshot, site_id)
        return row

    def _load_snapshot(self, site_id: str) -> tuple[int, bytes] | None:
        row = self.db.execute(
            "SELECT seq, body FROM snapshots WHERE site = ?", (site_id,)
        ).fetchone()
        return None if row is None else (int(row[0]), bytes(row[1]))
