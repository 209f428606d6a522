"""Sending off the hub's hot path: a bounded queue, a few workers, timeouts, retries.

The hub only ever *offers* a job (``put_nowait``); a full queue drops the job (counted) rather
than make a call wait. A handful of workers send, each send bounded by ``timeout``, so a push
service that hangs holds at most ``workers`` sends for that long while calls, boards and the
rest of the queue go on. A failed send (timeout, 429, 5xx, network) is tried again after
``backoff * 2**attempt`` seconds (with jitter), up to ``attempts`` times; a contact the
channel reports ``gone`` (Web Push 404/410) is deleted from the book at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any

import msgspec

from server.notify.channels import Notifier, Outcome
from server.notify.wording import Message

log = logging.getLogger("madoguchi.notify")


class Job(msgspec.Struct):
    site: str
    visit: str
    channel: str
    contact: dict[str, Any]
    message: Message
    attempt: int = 0


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

    def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._tasks = [loop.create_task(self._work()) for _ in range(self._workers)]

    async def stop(self) -> None:
        for timer in self._timers:
            timer.cancel()
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
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
            try:
                outcome = await self._send(job)
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
        again = msgspec.structs.replace(job, attempt=job.attempt + 1)
        loop = asyncio.get_running_loop()

        def requeue() -> None:
            self._timers.discard(timer)
            self.offer(again)

        timer = loop.call_later(delay, requeue)
        self._timers.add(timer)
