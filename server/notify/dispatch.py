"""Sending off the hub's hot path: a bounded queue, a few workers, timeouts, retries.

The hub only ever *offers* a job (``put_nowait``); a full queue drops the job (counted) rather
than make a call wait. A handful of workers send, each send bounded by ``timeout``, so a push
service that hangs holds at most ``workers`` sends for that long while calls, boards and the
rest of the queue go on. A failed send (timeout, 429, 5xx, network) is tried again after
``backoff * 2**attempt`` seconds (with jitter), up to ``attempts`` times; a contact the
channel reports ``gone`` (Web Push 404/410) is deleted from the book at once.

A push service that times out is marked *slow* for ``SLOW_SECONDS``: while it is, only one
send to it is in flight at a time (its other jobs wait their turn off the workers), so one
hanging service cannot take every worker and hold up notices to the other services.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

import msgspec

from server.background import cancel_all
from server.notify.channels import Notifier, Outcome
from server.notify.wording import Message

log = logging.getLogger("madoguchi.notify")

SLOW_SECONDS = 60.0
SLOW_RECHECK = 0.5  # a job for a slow service whose one send is in flight waits this long


class Job(msgspec.Struct):
    site: str
    visit: str
    channel: str
    contact: dict[str, Any]
    message: Message
    attempt: int = 0

    @property
    def lane(self) -> str:
        """Who receives it: the push service's origin (or the channel, for others)."""
        endpoint = self.contact.get("endpoint")
        if isinstance(endpoint, str):
            return urlsplit(endpoint).netloc
        return self.channel


class Dispatcher:
    """Delivers jobs through their channel's notifier; never blocks whoever offers one."""

    def __init__(
        self,
        notifiers: dict[str, Notifier],
        on_gone: Callable[[str, str], Awaitable[None]],
        size: int = 1000,
        workers: int = 4,
        timeout: float = 5.0,
        attempts: int = 4,
        backoff: float = 1.0,
    ) -> None:
        self.notifiers = notifiers
        self.on_gone = on_gone
        self.timeout = timeout
        self.attempts = attempts
        self.backoff = backoff
        self.queue: asyncio.Queue[Job] = asyncio.Queue(size)
        self.counts: Counter[tuple[str, str]] = Counter()
        self._workers = workers
        self._tasks: list[asyncio.Task[None]] = []
        self._timers: set[asyncio.TimerHandle] = set()
        self._slow: dict[str, float] = {}  # lane -> monotonic time it stops being slow
        self._busy: Counter[str] = Counter()  # sends in flight per lane

    def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._tasks = [loop.create_task(self._work()) for _ in range(self._workers)]

    async def stop(self) -> None:
        for timer in self._timers:
            timer.cancel()
        await cancel_all(*self._tasks)
        for notifier in self.notifiers.values():
            await notifier.close()

    def offer(self, job: Job) -> bool:
        """Queue ``job`` if there is room; False (and counted ``dropped``) if not."""
        try:
            self.queue.put_nowait(job)
        except asyncio.QueueFull:
            self.counts[(job.channel, "dropped")] += 1
            log.warning("notices: queue full, dropped a %s notice", job.message.kind)
            return False
        return True

    async def _work(self) -> None:
        while True:
            job = await self.queue.get()
            lane = job.lane
            if self._slow.get(lane, 0.0) > time.monotonic() and self._busy[lane] > 0:
                self._later(job, SLOW_RECHECK)  # its one send in flight goes first
                continue
            self._busy[lane] += 1
            started = time.monotonic()
            try:
                outcome = await self._send(job)
                if outcome == "retry" and time.monotonic() - started >= self.timeout * 0.9:
                    self._slow[lane] = time.monotonic() + SLOW_SECONDS
                self.counts[(job.channel, outcome)] += 1
                if outcome == "gone":
                    await self.on_gone(job.site, job.visit)
                elif outcome == "retry":
                    self._retry(job)
            except asyncio.CancelledError:
                raise
            except Exception:
                # A channel's bug must not end the worker (nor the others' sending).
                self.counts[(job.channel, "error")] += 1
                log.exception("notices: sending through %s failed", job.channel)
            finally:
                self._busy[lane] -= 1

    async def _send(self, job: Job) -> Outcome:
        notifier = self.notifiers.get(job.channel)
        if notifier is None:
            return "refused"
        try:
            async with asyncio.timeout(self.timeout + 1):  # a channel ignoring its timeout
                return await notifier.send(job.contact, job.message, self.timeout)
        except TimeoutError:
            return "retry"

    def _retry(self, job: Job) -> None:
        if job.attempt + 1 >= self.attempts:
            self.counts[(job.channel, "failed")] += 1
            log.warning("notices: gave up on a %s notice after %d tries", job.message.kind,
                        job.attempt + 1)  # fmt: skip
            return
        delay = self.backoff * 2**job.attempt * random.uniform(0.8, 1.2)
        self._later(msgspec.structs.replace(job, attempt=job.attempt + 1), delay)

    def _later(self, job: Job, delay: float) -> None:
        """Offer ``job`` again after ``delay`` seconds (holding no worker meanwhile)."""

        def requeue() -> None:
            self._timers.discard(timer)
            self.offer(job)

        timer = asyncio.get_running_loop().call_later(delay, requeue)
        self._timers.add(timer)
