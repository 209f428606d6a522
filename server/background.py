"""Background tasks' end: every loop the service runs beside requests (tailing a log, sweeps,
heartbeats, push and print workers, speech renders) is stopped the same way."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any


async def cancel_all(*tasks: asyncio.Task[Any] | None, wait: float | None = None) -> None:
    """Cancel ``tasks`` (None entries are skipped) and wait until each has ended, so nothing
    they hold is used after ``stop()`` returns. With ``wait``, a task that swallows its
    cancellation (a store client retrying a blocked read) is abandoned after ``wait`` s."""
    running = [task for task in tasks if task is not None]
    for task in running:
        task.cancel()
    for task in running:
        with contextlib.suppress(asyncio.CancelledError, TimeoutError):
            async with asyncio.timeout(wait):
                await task
