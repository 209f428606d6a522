"""The event-log backend named by a URL, in the manner of ``broadcaster``: ``memory:`` (the
test double), ``sqlite:<path>`` (the embedded default) and ``redis://…`` (many processes).

The interface they share is in ``base``; this module is the only one that knows them all.
"""

from __future__ import annotations

from server.log.base import EventLog
from server.log.memory import MemoryLog
from server.log.redis import RedisLog
from server.log.sqlite import SQLiteLog


def open_log(url: str) -> EventLog:
    """Make a backend from its URL: ``memory:``, ``sqlite:<path>``, ``redis://…``,
    ``redis+cluster://…``. Nothing is connected until its ``open()``. Raises ``ValueError``
    for any other URL."""
    if url == "memory:" or url.startswith("memory://"):
        return MemoryLog()
    if url.startswith("sqlite:"):
        path = url.removeprefix("sqlite:").removeprefix("//")
        return SQLiteLog(path)
    if url.startswith(("redis://", "rediss://", "redis+cluster://", "unix://")):
        return RedisLog(url)
    raise ValueError(
        f"unknown event store URL {url!r} (expected memory:, sqlite:<path> or redis://host:port)"
    )
