"""Rate limits on commands: per connection (or client address over HTTP) and per actor.

Token buckets: a burst of ``BURST`` commands, then ``PER_SECOND`` a second; a guide's new
visits have a bucket of their own (``VISITS_BURST``, then ``VISITS_PER_MINUTE``) so that a
stolen or runaway phone cannot use up a ticket series or grow the log without bound, and so
do a visitor page's commands (``VISITOR_BURST``, then ``VISITOR_PER_MINUTE``, per visit). A command
over the limit is refused with ``rate_limited`` before it is decided: nothing changes, nothing
is written, and the screens' outbox (``static/hub.js``) sends it again a few seconds later, so
a guide's phone flushing what it queued offline loses nothing.

Checked when a command arrives (and a hello, which builds a snapshot); nothing on the
fan-out path. Buckets live in the process: with several processes each enforces its own.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from server.domain import commands as c
from server.errors import Rejected

BURST = 20
PER_SECOND = 5.0
VISITS_BURST = 20
VISITS_PER_MINUTE = 10.0
# A visitor's own page (stepping out and back) needs a handful of commands an hour: a small
# bucket per visit, so a leaked ticket link cannot flood the log.
VISITOR_BURST = 4
VISITOR_PER_MINUTE = 2.0
HELLO_BURST = 5
HELLOS_PER_SECOND = 1.0
MAX_ADDRESSES = 10_000  # HTTP clients tracked before full buckets are forgotten


@dataclass
class Bucket:
    """``capacity`` tokens, refilled at ``rate`` a second; each command takes one."""

    capacity: float
    rate: float
    tokens: float
    stamp: float

    def refill(self, now: float) -> float:
        """Bring the tokens up to ``now``; return how many there are."""
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        return self.tokens

    def take(self, now: float) -> bool:
        if self.capacity == float("inf"):
            return True
        if self.refill(now) < 1.0:
            return False
        self.tokens -= 1.0
        return True

    def full(self, now: float) -> bool:
        return self.tokens + (now - self.stamp) * self.rate >= self.capacity


class CommandLimits:
    """The buckets of one process: one per connection (made here), actor and HTTP address."""

    def __init__(self, enabled: bool = True, clock: Callable[[], float] = time.monotonic) -> None:
        self.enabled = enabled
        self.clock = clock
        self.actors: dict[str, Bucket] = {}
        self.visits: dict[str, Bucket] = {}
        self.addresses: dict[str, Bucket] = {}

    def bucket(self) -> Bucket:
        """A new connection's own bucket for commands (bottomless with the limits off)."""
        capacity = BURST if self.enabled else float("inf")
        return Bucket(capacity, PER_SECOND, capacity, self.clock())

    def hello_bucket(self) -> Bucket:
        """A new connection's bucket for hellos (each one builds a snapshot)."""
        capacity = HELLO_BURST if self.enabled else float("inf")
        return Bucket(capacity, HELLOS_PER_SECOND, capacity, self.clock())

    def address(self, address: str) -> Bucket:
        """The bucket of an HTTP client address (HTTP has no connection to hang it on)."""
        bucket = self.addresses.get(address)
        if bucket is None:
            if len(self.addresses) >= MAX_ADDRESSES:
                now = self.clock()
                self.addresses = {a: b for a, b in self.addresses.items() if not b.full(now)}
            bucket = self.addresses[address] = self.bucket()
        return bucket

    def check(self, own: Bucket, actor: c.Actor, command: c.Command) -> None:
        """Take a token from the connection's, the actor's (and for a new visit the actor's
        visit) bucket, or raise ``rate_limited`` having taken none."""
        if not self.enabled:
            return
        now = self.clock()
        buckets = [own, _get(self.actors, actor.id, BURST, PER_SECOND, now)]
        if isinstance(command, c.CreateVisit):
            buckets.append(_get(self.visits, actor.id, VISITS_BURST, VISITS_PER_MINUTE / 60.0, now))
        if actor.role == "visitor":
            buckets.append(
                _get(self.visits, actor.id, VISITOR_BURST, VISITOR_PER_MINUTE / 60.0, now)
            )
        if min([bucket.refill(now) for bucket in buckets]) < 1.0:
            raise Rejected("rate_limited", "too many commands; this one was not applied")
        for bucket in buckets:
            bucket.tokens -= 1.0


def _get(table: dict[str, Bucket], key: str, capacity: float, rate: float, now: float) -> Bucket:
    bucket = table.get(key)
    if bucket is None:
        bucket = table[key] = Bucket(capacity, rate, capacity, now)
    return bucket
