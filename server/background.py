"""Background tasks' end: every loop the service runs beside requests (tailing a log, sweeps,
heartbeats, push and print workers, speech renders) is stopped the same way."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any


async def cancel_all(*tasks: asyncio.Task[Any] | None) -> None:
    """Cancel ``tasks`` (None entries are skipped) and wait until each has ended, so nothing
    they hold is used after ``stop()`` returns."""
    running = [task for task in tasks if task is not None]
    for task in running:
        task.cancel()
    for task in running:
        with contextlib.suppress(asyncio.CancelledError):
            await task
