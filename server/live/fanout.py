"""Views with history, and the subscribers they push to.

A :class:`View` keeps each entity's encoded bytes; ``refresh`` compares a freshly built view
with them and produces one delta message, encoded once and shared by every subscriber of
that view. Recent deltas are kept so a reconnecting client can resume from its last ``seq``.

Slow-client policy: each subscriber has a bounded outbox. ``push`` never waits; a subscriber
whose outbox is full is cut off (close code 4008) and must resynchronise on reconnect, so one
slow phone never delays a board.
"""

from __future__ import annotations

import time
from collections import deque
from typing import Protocol

import msgspec

from server.live.protocol import Delta, Snapshot, SnapshotView, encode
from server.projections.snapshot import Entities, Memo
from server.projections.views import ViewKey

HISTORY = 512

_encode = msgspec.json.Encoder().encode


class Subscriber(Protocol):
    """A connection as the hub sees it."""

    def push(self, message: str) -> bool:
        """Queue a message without waiting; return False when the outbox is full."""
        ...

    def cut_off(self, reason: str) -> None:
        """Close the connection because it cannot keep up (it will resync on reconnect)."""
        ...


class View:
    """One projection's current entities, its recent deltas and its subscribers."""

    def __init__(self, key: ViewKey, site_id: str) -> None:
        self.key = key
        self.site_id = site_id
        self.entities: dict[str, dict[str, bytes]] = {}
        self.sources: Entities = {}
        self.memo: Memo = {}
        self.seq = -1
        self.base_seq = -1
        self.history: deque[tuple[int, str]] = deque(maxlen=HISTORY)
        self.subscribers: set[Subscriber] = set()
        self.idle_since = time.monotonic()

    def refresh(self, entities: Entities, seq: int, epoch: str) -> str | None:
        """Adopt a newly built view; return the delta message, or None if nothing changed."""
        # An entity object the projection handed over last time too (see Memo in
        # server.projections) is unchanged: keep its bytes instead of encoding it again.
        encoded = {
            coll: {
                eid: held
                if (held := self.entities.get(coll, {}).get(eid)) is not None
                and self.sources.get(coll, {}).get(eid) is entity
                else _encode(entity)
                for eid, entity in items.items()
            }
            for coll, items in entities.items()
        }
        self.sources = entities
        first = self.seq < 0
        upsert: dict[str, dict[str, msgspec.Raw]] = {}
        remove: dict[str, list[str]] = {}
        for coll, items in encoded.items():
            old = self.entities.get(coll, {})
            changed = {eid: msgspec.Raw(b) for eid, b in items.items() if old.get(eid) != b}
            if changed:
                upsert[coll] = changed
            gone = [eid for eid in old if eid not in items]
            if gone:
                remove[coll] = gone
        for coll, old in self.entities.items():
            if coll not in encoded and old:
                remove[coll] = list(old)
        self.entities = encoded
        self.seq = seq
        if first:
            self.base_seq = seq
            return None
        if not upsert and not remove:
            return None
        # Encoded once: every subscriber of this view is handed the same str (see wire.py).
        message = encode(Delta(self.site_id, epoch, seq, upsert, remove))
        if len(self.history) == self.history.maxlen:
            self.base_seq = self.history[0][0]
        self.history.append((seq, message))
        return message

    def snapshot(self, epoch: str) -> str:
        """The whole view as a ``snapshot`` message, for a client that cannot resume."""
        entities = {
            coll: {eid: msgspec.Raw(b) for eid, b in items.items()}
            for coll, items in self.entities.items()
        }
        view = (
            SnapshotView(self.key.kind, self.key.scope)
            if self.key.kind != "visitor"
            else SnapshotView("visitor")  # its scope is the visitor's token
        )
        return encode(Snapshot(self.site_id, epoch, self.seq, view, entities))

    def replay(self, after_seq: int) -> list[str] | None:
        """Deltas after ``after_seq``, or None when they are no longer all held."""
        if after_seq < self.base_seq or after_seq > self.seq:
            return None
        return [message for seq, message in self.history if seq > after_seq]

    def publish(self, message: str) -> None:
        for subscriber in list(self.subscribers):
            if not subscriber.push(message):
                self.subscribers.discard(subscriber)
                subscriber.cut_off("too_slow")
        if not self.subscribers:
            self.idle_since = min(self.idle_since, time.monotonic())
