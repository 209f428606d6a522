"""Who to tell, and when: watches each site's durable state and hands notices to the dispatcher.

The hub calls :meth:`Notices.changed` from its publish step (only what the log made durable,
as every screen sees it); that only marks the site and wakes a background task, so the hub's
hot path does no notifier work at all. The task reads the site's subscriptions from the book,
works out each visit's progress as the visitor's own page shows it, and for every notice due
(:func:`~server.notify.triggers.due`) *claims* it in the book first: with several hub
processes on one Redis, each of them following the site sees the same change, and the one
whose claim succeeds sends — exactly one notice per (visit, step, kind), whichever process
that is, also across restarts.

Subscriptions live only as long as their visit: deleted when the visit is done, cancelled or
no-show, when the day is closed or the next one starts, or when the push service says the
subscription is gone; an entry also expires on its own the next morning (04:00 at the site).

A visitor who stepped out and is asked back (issue 19: ``ReturnSoon`` / ``CallHeld``, read
from the visit's ``out``) gets the "please come back / お戻りください" notice (kind ``return``)
from the same loop. Other features notify through :meth:`Notices.notify`, e.g.
``await ctx.notices.notify(site_id, visit_id, "return", once=f"return:{seq}")``.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import hashlib
import logging
import os
import time
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import msgspec
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from server.background import cancel_all
from server.config.schema import Config
from server.domain.queues import estimate_minutes
from server.domain.state import SiteState, Visit
from server.errors import Rejected
from server.notify import vapid as vapid_keys
from server.notify.book import Book
from server.notify.channels import FACTORIES, LogOnly, Notifier, WebPush
from server.notify.dispatch import Dispatcher, Job
from server.notify.triggers import Choices, Kind, Progress, due
from server.notify.wording import word
from server.projections.snapshot import Snapshot, analyse
from server.settings import Settings

if TYPE_CHECKING:
    from server.live.hub import Hub
    from server.live.site_hub import SiteHub

log = logging.getLogger("madoguchi.notify")

SWEEP_SECONDS = 30.0  # waits also shrink with time: look again now and then
COALESCE_SECONDS = 0.05  # a burst of records (group commit) is looked at once
# The book is read again at most this often per site while records flow (a subscription made
# on another process is seen within it); this process's own changes are seen at once.
ENTRIES_FRESH = 1.0
TEST_EVERY = 10.0  # the page's test button, at most once per this many seconds per visit
EXPIRES_HOUR = 4  # an entry left behind expires at this local hour, the next morning


class Entry(msgspec.Struct):
    """One visit's subscription, as sealed in the book."""

    channel: str
    contact: dict[str, Any]
    choices: Choices
    lang: str
    date: str  # the business day it was made on
    token: str  # to link the notice to the visitor's page


class Notices:
    """The notices of every site of this process."""

    def __init__(
        self, config: Config, settings: Settings, hub: Hub, book: Book, public_origin: str
    ) -> None:
        self.config = config
        self.settings = settings
        self.hub = hub
        self.book = book
        self.public_origin = public_origin
        self.notifiers: dict[str, Notifier] = {}
        self.public_key = ""
        self.dispatcher = Dispatcher(
            self.notifiers,
            self._gone,
            size=settings.notice_queue,
            timeout=settings.notice_timeout,
            backoff=settings.notice_backoff,
            attempts=settings.notice_attempts,
        )
        self._key = AESGCM(
            hashlib.sha256(b"madoguchi notices\0" + settings.secret.encode()).digest()
        )
        self._dirty: set[str] = set()
        self._known: dict[str, tuple[float, dict[str, bytes]]] = {}
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._tested: dict[str, float] = {}

    # --- life cycle ------------------------------------------------------------------------

    async def start(self) -> None:
        await self.book.open()
        for name in self.settings.notifiers:
            if name == "webpush":
                key = await vapid_keys.load(self.book, self.settings.vapid_private_key)
                self.public_key = vapid_keys.public_key(key)
                subject = self.settings.vapid_subject or _subject(self.public_origin)
                self.notifiers[name] = WebPush(key, subject, self.settings.push_loopback)
            elif name == "log":
                self.notifiers[name] = LogOnly()
            elif name in FACTORIES:
                self.notifiers[name] = FACTORIES[name](self.settings)
            else:
                raise SystemExit(f"madoguchi: MADOGUCHI_NOTIFIERS: no channel {name!r}")
        self.dispatcher.start()
        for site_hub in self.hub.sites.values():
            site_hub.listeners.append(self.changed)
        self._dirty.update(self.hub.sites)  # a restart: look at what the book holds
        self._wake.set()
        self._task = asyncio.get_running_loop().create_task(self._loop())

    async def stop(self) -> None:
        await cancel_all(self._task)
        await self.dispatcher.stop()
        await self.book.close()

    # --- what the visitor page asks --------------------------------------------------------

    async def subscribe(
        self,
        site_hub: SiteHub,
        visit: Visit,
        channel: str,
        contact: dict[str, Any],
        choices: Choices,
        lang: str,
    ) -> None:
        """Keep (or replace) the visit's subscription; raises Rejected when it cannot be."""
        notifier = self.notifiers.get(channel)
        if notifier is None:
            raise Rejected("invalid", f"no notification channel {channel!r}", "$.channel")
        problem = notifier.check(contact) or choices.check()
        if problem:
            raise Rejected("invalid", problem)
        if not visit.is_open:
            raise Rejected("visit_closed")
        if lang not in self.config.texts.languages:
            lang = "en"
        entry = Entry(channel, contact, choices, lang, site_hub.state.business_date, visit.token)
        site_id = site_hub.site.id
        await self.book.put(site_id, visit.id, self._seal(site_id, visit.id, entry),
                            self._expires(site_hub))  # fmt: skip
        self._known.pop(site_id, None)
        self.changed(site_hub)  # a notice may be due at once (already 3 ahead)

    async def unsubscribe(self, site_id: str, visit_id: str) -> None:
        await self._delete(site_id, visit_id)

    async def test(self, site_hub: SiteHub, visit: Visit) -> bool:
        """Send the test notice now; False if there is no subscription."""
        now = time.monotonic()
        if now - self._tested.get(visit.id, -TEST_EVERY) < TEST_EVERY:
            raise Rejected("rate_limited")
        self._tested = {k: t for k, t in self._tested.items() if now - t < TEST_EVERY}
        self._tested[visit.id] = now
        return await self.notify(site_hub.site.id, visit.id, "test")

    async def notify(
        self,
        site_id: str,
        visit_id: str,
        kind: Kind,
        values: dict[str, str | int] | None = None,
        once: str = "",
    ) -> bool:
        """Send one notice to a visit's subscription now. For other features, e.g.
        ``notify(site, visit, "return", once=f"return:{seq}")`` when a visitor who stepped out
        should come back. ``once``: a key claimed first in the book, so that of several
        processes reacting to the same record only one sends (and a repeat sends nothing);
        without it every call sends. False when nothing was sent (no subscription, or the
        key was claimed already)."""
        site_hub = self.hub.site_hub(site_id)
        await site_hub.current()
        blob = await self.book.get(site_id, visit_id)
        entry = self._open(site_id, visit_id, blob) if blob is not None else None
        visit = site_hub.state.visits.get(visit_id)
        if entry is None or visit is None or not visit.is_open:
            return False
        if once and not await self.book.claim(site_id, visit_id, once, self._expires(site_hub)):
            return False
        filled = {"t": visit.shown_ticket, **(values or {})}
        return self._offer(site_hub, visit_id, entry, kind, filled)

    # --- watching the sites ----------------------------------------------------------------

    def metrics(self) -> list[str]:
        """Prometheus lines: notices by channel and outcome, and the queue's length."""
        lines = [
            "# HELP madoguchi_notices_total Notices to visitors by channel and outcome"
            " (sent, retry, gone, refused, failed, dropped, error).",
            "# TYPE madoguchi_notices_total counter",
        ]
        for (channel, outcome), n in sorted(self.dispatcher.counts.items()):
            lines.append(f'madoguchi_notices_total{{channel="{channel}",outcome="{outcome}"}} {n}')
        lines += [
            "# HELP madoguchi_notices_queued Notices waiting to be sent.",
            "# TYPE madoguchi_notices_queued gauge",
            f"madoguchi_notices_queued {self.dispatcher.queue.qsize()}",
        ]
        return lines

    def changed(self, site_hub: SiteHub) -> None:
        """Called by the hub after each publish: mark the site, nothing more."""
        self._dirty.add(site_hub.site.id)
        self._wake.set()

    async def _loop(self) -> None:
        while True:
            try:
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(SWEEP_SECONDS):
                        await self._wake.wait()
                await asyncio.sleep(COALESCE_SECONDS)
                self._wake.clear()
                dirty, self._dirty = self._dirty or set(self.hub.sites), set()
                for site_id in dirty:
                    site = self.hub.sites[site_id]
                    if site.following:  # a site nobody here uses: its followers do this
                        await self.evaluate(site)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("notices: looking at the sites failed; retrying")
                await asyncio.sleep(1.0)

    async def evaluate(self, site_hub: SiteHub) -> int:
        """Queue every notice now due at ``site`` and drop subscriptions whose visit is over;
        return how many notices were queued."""
        site_id = site_hub.site.id
        entries = await self._entries(site_id)
        if not entries:
            return 0
        state = site_hub.state
        snap = analyse(site_hub.site, state, site_hub.clock())
        queued = 0
        for visit_id, blob in entries.items():
            entry = self._open(site_id, visit_id, blob)
            visit = state.visits.get(visit_id)
            if entry is None or _over(entry, visit, state):
                await self._delete(site_id, visit_id)
                continue
            if visit is None:
                continue  # made on another process whose record has not reached us yet
            for notice in due(entry.choices, self._progress(site_hub, visit, snap)):
                if await self.book.claim(site_id, visit_id, notice.key, self._expires(site_hub)):
                    queued += self._offer(site_hub, visit_id, entry, notice.kind, notice.values)
        return queued

    async def purge(self, site_id: str) -> int:
        """Delete every subscription of a site now; how many there were."""
        entries = await self.book.entries(site_id)
        for visit_id in entries:
            await self._delete(site_id, visit_id)
        return len(entries)

    # --- parts -----------------------------------------------------------------------------

    def _progress(self, site_hub: SiteHub, visit: Visit, snap: Snapshot) -> Progress:
        step = visit.step
        ahead = snap.positions.get(visit.id)
        figures = snap.figures.get(step.queue) if step is not None else None
        wait = None
        if figures is not None and ahead is not None:
            wait = estimate_minutes(ahead, figures.minutes_per_visit, figures.open_counters)
        counter = site_hub.site.counter(step.counter) if step is not None and step.counter else None
        # Stepping out (issue 19's return window): a visit out carries ``out`` with the times
        # the log asked them back (ReturnSoon: ``asked_at``; CallHeld: ``held_at``).
        held_at = visit.out.held_at if visit.out is not None else 0.0
        asked = max(held_at, visit.out.asked_at if visit.out is not None else 0.0)
        return Progress(
            visit.status,
            visit.current,
            step.calls if step is not None else 0,
            ahead,
            wait,
            visit.shown_ticket,  # never a protected ticket: notices show on lock screens
            # A protected visitor is not sent to a counter: staff come to them (issue 22).
            counter.number if counter is not None and not visit.protected else "",
            asked,
            held_at > 0 and held_at >= asked,
        )

    def _offer(
        self,
        site_hub: SiteHub,
        visit_id: str,
        entry: Entry,
        kind: Kind,
        values: dict[str, str | int],
    ) -> bool:
        url = f"{self.public_origin}/visit/{site_hub.site.id}/{entry.token}"
        message = word(self.config, site_hub.site, entry.lang, kind, values, url)
        job = Job(site_hub.site.id, visit_id, entry.channel, entry.contact, message)
        return self.dispatcher.offer(job)

    async def _gone(self, site_id: str, visit_id: str) -> None:
        log.info("notices: a subscription is gone (404/410); deleted")
        await self._delete(site_id, visit_id)

    async def _entries(self, site_id: str) -> dict[str, bytes]:
        now = time.monotonic()
        held = self._known.get(site_id)
        if held is None or now - held[0] >= ENTRIES_FRESH:
            held = self._known[site_id] = (now, await self.book.entries(site_id))
        return held[1]

    async def _delete(self, site_id: str, visit_id: str) -> None:
        await self.book.delete(site_id, visit_id)
        self._known.pop(site_id, None)

    def _seal(self, site_id: str, visit_id: str, entry: Entry) -> bytes:
        nonce = os.urandom(12)
        aad = f"{site_id}/{visit_id}".encode()
        return nonce + self._key.encrypt(nonce, msgspec.msgpack.encode(entry), aad)

    def _open(self, site_id: str, visit_id: str, blob: bytes) -> Entry | None:
        """The entry, or None if it cannot be read (another secret, damaged): deleted."""
        try:
            data = self._key.decrypt(blob[:12], blob[12:], f"{site_id}/{visit_id}".encode())
            return msgspec.msgpack.decode(data, type=Entry)
        except (InvalidTag, ValueError, msgspec.DecodeError):
            return None

    def _expires(self, site_hub: SiteHub) -> float:
        zone = ZoneInfo(site_hub.site.timezone)
        now = dt.datetime.fromtimestamp(site_hub.clock(), zone)
        morning = now.replace(hour=EXPIRES_HOUR, minute=0, second=0, microsecond=0)
        if morning <= now:
            morning += dt.timedelta(days=1)
        return morning.timestamp()


def _over(entry: Entry, visit: Visit | None, state: SiteState) -> bool:
    """The log says this subscription may no longer exist: the visit ended, or its day did."""
    if visit is not None:
        return not visit.is_open
    return bool(state.business_date) and entry.date < state.business_date


def _subject(origin: str) -> str:
    """VAPID's contact for push services: the office's address, else a placeholder."""
    return origin if origin.startswith("https://") else "mailto:webpush@madoguchi.invalid"
