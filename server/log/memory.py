"""In-memory event log: the test double, with the same contract as the durable ones."""

from __future__ import annotations

import secrets
from collections.abc import Callable

from server.domain.events import Record
from server.errors import Conflict
from server.log.codec import decode_record, encode_record


class MemoryLog:
    """Keeps encoded records per site, so readers never share objects with the writer."""

    shared = False

    def __init__(self) -> None:
        self._records: dict[str, list[bytes]] = {}
        self._last: dict[str, str] = {}
        self._epochs: dict[str, str] = {}
        self._snapshots: dict[str, tuple[int, bytes]] = {}

    async def open(self) -> None:
        return None

    async def close(self) -> None:
        return None

    async def epoch(self, site_id: str) -> str:
        return self._epochs.setdefault(site_id, secrets.token_hex(8))

    async def append(self, site_id: str, expected_seq: int, previous: str, record: Record) -> None:
        records = self._records.setdefault(site_id, [])
        last = self._last.get(site_id, "")
        if len(records) != expected_seq or last != previous or record.seq != expected_seq + 1:
            raise Conflict(site_id, expected_seq, len(records))
        records.append(encode_record(record))
        self._last[site_id] = record.command_id

    async def read(self, site_id: str, after_seq: int, limit: int = 10_000) -> list[Record]:
        chunk = self._records.get(site_id, [])[after_seq : after_seq + limit]
        return [decode_record(data) for data in chunk]

    async def scrub(self, site_id: str, before: float, fn: Callable[[Record], Record]) -> int:
        changed = 0
        records = self._records.get(site_id, [])
        for i, data in enumerate(records):
            record = decode_record(data)
            if record.at >= before:
                break
            new = fn(record)
            if new is not record:
                records[i] = encode_record(new)
                changed += 1
        return changed

    async def save_snapshot(self, site_id: str, seq: int, data: bytes) -> None:
        self._snapshots[site_id] = (seq, data)

    async def load_snapshot(self, site_id: str) -> tuple[int, bytes] | None:
        return self._snapshots.get(site_id)
