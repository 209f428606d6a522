"""The event-log interface: one append-only, numbered log per site.

Backends are chosen by URL (``memory:``, ``sqlite:path``, ``redis://``), in the manner
of ``broadcaster``: ``backends.open_log``. The memory backend is the test double; SQLite is the
embedded default. Every backend stores records in the form ``codec`` gives them.

Contract:
- ``append(site, expected_seq, previous, record)`` stores ``record`` (whose ``seq`` must be
  ``expected_seq + 1``) only if the log's head is ``expected_seq`` and the head record's
  command id is ``previous``; otherwise it raises :class:`~server.errors.Conflict`. Checking
  the predecessor, not just its number, keeps a chain of records decided ahead of their
  predecessors' durability from landing on top of another writer's record of the same seq.
  When its awaitable (a future or a coroutine: a future spares the hub a task per command)
  completes, the record is durable. Appends to one site take effect in the order they were
  called (the hub sends a burst of records without waiting for each one).
- ``read(site, after_seq)`` returns records with ``seq > after_seq`` in order.
- ``follow(site, after_seq, timeout)`` (shared logs only) returns the records after
  ``after_seq`` as soon as there are any, or ``[]`` after ``timeout``.
- ``scrub(site, before, fn)`` rewrites records older than ``before`` (epoch seconds) through
  ``fn`` (retention of personal notes); sequence numbers and everything else stay.
- ``epoch(site)`` names this incarnation of the site's log; it changes if the data is lost,
  so clients holding an older epoch resynchronise instead of silently diverging.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol

from server.domain.events import Record


class EventLog(Protocol):
    """What the hub needs from a backend. ``shared`` is True when other processes may
    append to the same logs (the hub then tails them)."""

    shared: bool

    async def open(self) -> None: ...

    async def close(self) -> None: ...

    async def epoch(self, site_id: str) -> str: ...

    def append(
        self, site_id: str, expected_seq: int, previous: str, record: Record
    ) -> Awaitable[None]: ...

    async def read(self, site_id: str, after_seq: int, limit: int = 10_000) -> list[Record]: ...

    async def scrub(self, site_id: str, before: float, fn: Callable[[Record], Record]) -> int: ...

    async def save_snapshot(self, site_id: str, seq: int, data: bytes) -> None: ...

    async def load_snapshot(self, site_id: str) -> tuple[int, bytes] | None: ...


class SharedLog(EventLog, Protocol):
    """A log other processes append to as well; the hub follows it for their records."""

    async def follow(self, site_id: str, after_seq: int, timeout: float) -> list[Record]: ...
