"""One site's hub: its live state, its commands decided one at a time, and fan-out to views.

Each site holds two states folded from its log:

- ``head``: every record this process has decided, including those still being written.
  Commands are decided against it one at a time (under ``lock``), so a burst of commands for a
  site goes to the log together (one fsync for all of them with SQLite's group commit)
  instead of each waiting for the previous one's fsync.
- ``state``: only records the log has made durable. Views are built from it, so no screen
  ever shows a change that could still be lost, and a command is acknowledged only once its
  record is in ``state`` (its delta is queued before its ack).

Appends are compare-and-append. When one fails (another process wrote first, or the store is
away), every speculative record after ``state`` is dropped, ``head`` restarts from ``state``
plus what the log holds, and the command is decided again (or refused). Records written by
other processes arrive through the tail loop and are folded the same way.

On a shared log a process follows a site only while it is in use here (a screen watches it, or
a command or page asked for it within ``FOLLOW_IDLE``): with sites routed to groups of
processes, no process folds the records of every site. A site taken up again first reads what
it missed (:meth:`SiteHub.current`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from collections.abc import Callable
from typing import cast

import msgspec

from server.background import cancel_all
from server.config.schema import Config
from server.domain import commands as c
from server.domain.decide import Context, Rules, decide
from server.domain.events import Record, VisitCreated, VisitProtected
from server.domain.fold import apply
from server.domain.state import SiteState
from server.domain.state_codec import copy_state, decode_state, encode_state
from server.errors import Conflict, DuplicateCommand, LogError, Rejected, StoreUnavailable
from server.live.fanout import Subscriber
from server.live.protocol import Acknowledgement, Status, encode
from server.live.view_registry import ViewRegistry
from server.log.base import EventLog, SharedLog
from server.metrics import Metrics
from server.projections.views import ViewKey

log = logging.getLogger("madoguchi.hub")

SNAPSHOT_VERSION = b"madoguchi-state-1:"
MAX_ATTEMPTS = 8
TAIL_WAIT = 2.0
FOLLOW_IDLE = 60.0


class Ack(msgspec.Struct, frozen=True):
    """What a client gets back for an applied command (again, for a repeated one)."""

    seq: int
    duplicate: bool = False
    visit: str = ""
    ticket: str = ""
    token: str = ""


class SiteHub:
    """One site: state folded from its log, and command execution; its open views and their
    subscribers are ``views`` (a :class:`ViewRegistry`), published after each durable
    change."""

    def __init__(
        self,
        config: Config,
        site_id: str,
        log_backend: EventLog,
        metrics: Metrics,
        clock: Callable[[], float] = time.time,
        snapshot_every: int = 500,
    ) -> None:
        self.config = config
        self.snapshot_every = snapshot_every
        self.site = config.site(site_id)
        self.rules = Rules(self.site, config.procedures, config.life_events)
        self.log = log_backend
        self.metrics = metrics
        self.clock = clock
        self.state = SiteState(site_id)
        self.head = SiteState(site_id)
        self.epoch = ""
        self.views = ViewRegistry(config, self.site)
        self.lock = asyncio.Lock()
        self.stale = False
        self.store_failing = False
        self._tail: asyncio.Task[None] | None = None
        self._stopping = False
        self._snapshot_seq = 0
        self._inflight: dict[int, Record] = {}
        self._durable: set[int] = set()
        self._waiters: list[asyncio.Future[None]] = []
        self._generation = 0
        self._publish_soon = False
        self._published_seq = 0
        self._used = -FOLLOW_IDLE
        # Told after each publish (durable changes only); must return at once (notices).
        self.listeners: list[Callable[[SiteHub], None]] = []

    # --- life cycle ------------------------------------------------------------------------

    async def start(self) -> None:
        """Load the latest snapshot, fold the rest of the log and start tailing it."""
        self.epoch = await self.log.epoch(self.site.id)
        snapshot = await self.log.load_snapshot(self.site.id)
        if snapshot is not None and snapshot[1].startswith(SNAPSHOT_VERSION):
            try:
                self.state = decode_state(snapshot[1][len(SNAPSHOT_VERSION) :])
                self._snapshot_seq = snapshot[0]
            except msgspec.DecodeError:
                log.warning("%s: snapshot unreadable, folding the whole log", self.site.id)
                self.state = SiteState(self.site.id)
        self.head = copy_state(self.state)
        await self._catch_up()
        self._published_seq = self.state.seq

    async def current(self) -> None:
        """Bring ``state`` up to the log's head and follow the log while this site is in use
        here; every reader of the state calls it first. Never raises: with the store away
        the site keeps serving what it has, marked stale, and the tail retries."""
        self._used = time.monotonic()
        if self.following or self._stopping:
            return
        async with self.lock:
            if self.following:
                return
            try:
                epoch = await self.log.epoch(self.site.id)
                if epoch != self.epoch:
                    await self._reset(epoch)
                await self._catch_up()
            except LogError as exc:
                log.warning("%s: catching up failed (%s)", self.site.id, exc)
                self.set_stale(True)
            self._tail = asyncio.get_running_loop().create_task(self._tail_loop())

    @property
    def following(self) -> bool:
        """Whether ``state`` keeps up with the log by itself: always on a private log (this
        process is its only writer), on a shared one while this process tails it."""
        return not self.log.shared or (self._tail is not None and not self._tail.done())

    def _in_use(self) -> bool:
        return time.monotonic() - self._used < FOLLOW_IDLE or self.views.watched()

    async def stop(self) -> None:
        """Stop tailing and save a snapshot. Bounded: a store client that swallows the
        cancellation (redis-py may retry a blocked read) is abandoned after one wait period."""
        self._stopping = True
        await cancel_all(self._tail, wait=TAIL_WAIT + 1)
        async with self.lock:
            with contextlib.suppress(LogError):
                await self._save_snapshot()

    async def _save_snapshot(self) -> None:
        if self.state.seq == self._snapshot_seq:
            return
        data = SNAPSHOT_VERSION + encode_state(self.state)
        await self.log.save_snapshot(self.site.id, self.state.seq, data)
        self._snapshot_seq = self.state.seq

    async def _catch_up(self) -> None:
        while True:
            records = await self.log.read(self.site.id, self.state.seq)
            if not records or not self._apply(records):
                return

    async def _tail_loop(self) -> None:
        """Apply records other processes append; back off and retry on any failure.

        While the store is unreachable the site keeps serving its last state, marked stale.
        Only shared stores (Redis) have other writers; a private one needs no tail.
        """
        if not self.log.shared:
            return
        shared = cast(SharedLog, self.log)
        delay = 0.1
        while not self._stopping and self._in_use():
            try:
                # Beyond our own head: our own records come back through their appends.
                records = await shared.follow(self.site.id, self.head.seq, timeout=TAIL_WAIT)
                if self._stopping:
                    return
                async with self.lock:
                    if not records and self.head.seq == self.state.seq:
                        # Quiet: make sure the store still holds this log.
                        epoch = await self.log.epoch(self.site.id)
                        if epoch != self.epoch:
                            await self._reset(epoch)
                    self._apply(records)
                    if not records or self.state.seq < records[-1].seq:
                        # A gap (our own records still in flight) or a quiet spell: read on
                        # from what is folded.
                        await self._catch_up()
                self.set_stale(False)
                delay = 0.1
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if self._stopping:
                    return  # a cancellation the store client turned into an error
                self.set_stale(True)
                log.warning(
                    "%s: tailing the log failed (%s); retry in %.1fs", self.site.id, exc, delay
                )
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)

    async def _reset(self, epoch: str) -> None:
        """The store lost this site's log: start again from what it holds now, and make every
        client resynchronise (they hold the old epoch, so they get fresh snapshots)."""
        log.error(
            "%s: the event log was replaced (epoch %s -> %s)", self.site.id, self.epoch, epoch
        )
        self.epoch = epoch
        self.state = SiteState(self.site.id)
        self.head = SiteState(self.site.id)
        self._published_seq = 0
        self._generation += 1
        self._inflight.clear()
        self._durable.clear()
        self._snapshot_seq = 0
        self.views.close_all("epoch_changed")

    def set_stale(self, stale: bool) -> None:
        """Mark the site's live state as possibly out of date (store unreachable) or fresh."""
        if stale == self.stale:
            return
        self.stale = stale
        self.views.broadcast(encode(Status(self.site.id, stale)))

    # --- commands --------------------------------------------------------------------------

    async def execute(
        self,
        actor: c.Actor,
        command_id: str,
        command: c.Command,
        sent_at: float | None = None,
        not_after: float | None = None,
    ) -> Ack:
        """Decide, append durably, apply, publish; return the ack. Raises Rejected.
        ``sent_at``: when the client first sent it (this clock). A command not yet applied
        is refused (``expired``) after ``not_after``; a repeat of one that was applied is
        acknowledged again whatever its age."""
        name = type(command).__name__
        try:
            ack = await self._execute(actor, command_id, command, sent_at, not_after)
        except Rejected as exc:
            self.metrics.command(name, exc.code)
            raise
        self.metrics.command(name, "duplicate" if ack.duplicate else "ok")
        return ack

    async def _execute(
        self,
        actor: c.Actor,
        command_id: str,
        command: c.Command,
        sent_at: float | None,
        not_after: float | None,
    ) -> Ack:
        await self.current()
        for _ in range(MAX_ATTEMPTS):
            async with self.lock:
                seen = self.head.commands.get(command_id)
                if seen is None:
                    now = self.clock()
                    ctx = Context(now=now, actor=actor, not_after=not_after, sent_at=sent_at)
                    if isinstance(command, c.MINTS_IDS):
                        ctx = msgspec.structs.replace(
                            ctx,
                            visit_id="v" + secrets.token_hex(6),
                            token=secrets.token_urlsafe(16),
                        )
                    events = decide(self.head, command, ctx, self.rules)
                    record = Record(self.head.seq + 1, now, actor, command_id, events)
                    previous = self.head.last_command
                    apply(self.head, record)
                    durable = self._submit(record, previous)
            if seen is not None:
                # A repeat: acknowledge the original once it is durable (it may be in flight).
                if await self._published(seen):
                    return await self._ack_seq(seen)
                continue
            try:
                await durable
            except DuplicateCommand as duplicate:
                await self._resync()
                return await self._ack_seq(duplicate.actual_seq)
            except Conflict:
                await self._resync()
                continue
            except Exception as exc:
                # Nothing of this append is durable: count it, report the site degraded
                # until an append succeeds again, and restart head from what is.
                self.metrics.store_failures += 1
                self.store_failing = True
                await self._resync()
                if isinstance(exc, LogError):
                    log.warning("%s: append failed (%s)", self.site.id, exc)
                    raise
                log.exception("%s: append failed", self.site.id)
                raise StoreUnavailable(str(exc)) from exc
            self.store_failing = False
            if not await self._published(record.seq):
                raise StoreUnavailable("the record was written but could not be read back")
            if self.state.seq - self._snapshot_seq >= self.snapshot_every:
                async with self.lock:
                    await self._save_snapshot()
            return _ack_for(record)
        raise Rejected("busy")

    def _submit(self, record: Record, previous: str) -> asyncio.Future[None]:
        """Start appending ``record``; fold it into ``state`` once durable. Holds the lock:
        tasks start in creation order, so a site's appends reach the log in seq order."""
        self._inflight[record.seq] = record
        append = asyncio.ensure_future(
            self.log.append(self.site.id, record.seq - 1, previous, record)
        )
        append.add_done_callback(lambda done: self._on_durable(record, done))
        return append

    def _on_durable(self, record: Record, done: asyncio.Future[None]) -> None:
        if done.cancelled() or done.exception() is not None:
            return
        if self._inflight.get(record.seq) is not record:
            return  # dropped by a resync, or already folded by a catch-up from the log
        self._durable.add(record.seq)
        applied = False
        while self.state.seq + 1 in self._durable:
            self._durable.discard(self.state.seq + 1)
            apply(self.state, self._inflight.pop(self.state.seq + 1))
            applied = True
        if applied and not self._publish_soon:
            # A group commit makes many records durable at once: build the views once.
            self._publish_soon = True
            asyncio.get_running_loop().call_soon(self._publish_durable)

    def _publish_durable(self) -> None:
        self._publish_soon = False
        self._publish()
        self._wake()

    async def _published(self, seq: int) -> bool:
        """Wait until ``state`` (and so every view) includes ``seq``; False if a resync
        dropped it first."""
        generation = self._generation
        while self._published_seq < seq:
            if self._generation != generation:
                return False
            waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            self._waiters.append(waiter)
            await waiter
        return True

    def _wake(self) -> None:
        waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

    async def _resync(self) -> None:
        """An append failed: drop the speculative records, restart ``head`` from ``state``
        and fold whatever the log holds beyond it."""
        async with self.lock:
            self._generation += 1
            self._inflight.clear()
            self._durable.clear()
            self.head = copy_state(self.state)
            await self._catch_up()
            self._wake()

    async def _ack_seq(self, seq: int) -> Ack:
        """The ack of the record at ``seq`` again (a repeated command)."""
        records = await self.log.read(self.site.id, seq - 1, limit=1)
        ack = _ack_for(records[0]) if records else Ack(seq)
        return msgspec.structs.replace(ack, duplicate=True)

    # --- views -----------------------------------------------------------------------------

    def _apply(self, records: list[Record]) -> bool:
        """Fold records read from the log (ours or another process's) into ``state``, and
        into ``head`` while it has nothing of its own beyond them; return whether any were."""
        applied = False
        for record in records:
            if record.seq != self.state.seq + 1:
                continue  # already folded by a concurrent catch-up, or not contiguous
            apply(self.state, record)
            applied = True
            # Our own record read back is already in head; another process's record is folded
            # into head only if head has nothing beyond it (else our appends will conflict
            # and resync).
            ours = self._inflight.pop(record.seq, None)
            self._durable.discard(record.seq)
            if ours is None and self.head.seq == record.seq - 1:
                apply(self.head, record)
        if applied:
            self._publish()
            self._wake()
        return applied

    def _publish(self) -> None:
        """Send every view's changes since the last publish; acks wait for this."""
        started = time.perf_counter()
        self._published_seq = self.state.seq
        for listener in self.listeners:
            listener(self)
        if not self.views:
            return  # another process's site that nobody here watches: nothing to build
        self.views.publish(self.state, self.epoch, self.clock())
        self.metrics.fanout(time.perf_counter() - started)

    def subscribe(
        self, key: ViewKey, subscriber: Subscriber, seq: int | None, epoch: str | None
    ) -> list[str]:
        """Register a subscriber to one of this site's views, built from the durable state;
        return what it must receive first (replay or snapshot, see ``ViewRegistry``)."""
        return self.views.subscribe(
            key, subscriber, self.state, self.epoch, self.clock(), seq, epoch
        )

    def find_token(self, token: str) -> bool:
        return bool(self.visit_for_token(token))

    def visit_for_token(self, token: str) -> str:
        """The id of today's visit whose page ``token`` opens ("" when none)."""
        return next((v.id for v in self.state.visits.values() if v.token == token), "")


def acknowledgement(command_id: str, ack: Ack) -> Acknowledgement:
    """The reply to an applied command, the same over WebSocket and HTTP."""
    if ack.visit:
        return Acknowledgement(command_id, ack.seq, ack.duplicate, ack.visit, ack.ticket, ack.token)
    return Acknowledgement(command_id, ack.seq, ack.duplicate)


def _ack_for(record: Record) -> Ack:
    for event in record.events:
        if isinstance(event, VisitCreated):
            ticket = f"{event.series}{event.number:03d}"
            # Protected at intake: the guide's phone gets only what may be printed and shown.
            for other in record.events:
                if isinstance(other, VisitProtected):
                    ticket = other.alias
            return Ack(record.seq, visit=event.visit, ticket=ticket, token=event.token)
    return Ack(record.seq)
