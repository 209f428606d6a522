"""The hub: every site's :class:`~server.live.site_hub.SiteHub`, taken up on first use, and the
loops that run across sites (retention of staff notes, visitors out past their return window,
the screens' heartbeat)."""

from __future__ import annotations

import asyncio
import logging
import secrets
import time

from server.background import cancel_all
from server.config.schema import Config
from server.domain import commands as c
from server.domain.privacy import without_notes
from server.errors import Rejected
from server.live.heartbeat import Heartbeat
from server.live.site_hub import SiteHub
from server.log.base import EventLog
from server.metrics import Metrics

log = logging.getLogger("madoguchi.hub")

RETENTION_INTERVAL = 3600.0
OUTINGS_INTERVAL = 30.0  # how often the hub looks for visitors out past their return window
SYSTEM = c.Actor("system", "supervisor")  # the hub's own commands (recorded as such)


class Hub:
    """All sites of a deployment, sharing one event log."""

    def __init__(
        self,
        config: Config,
        log_backend: EventLog,
        metrics: Metrics,
        version: str = "",
        snapshot_every: int = 500,
        heartbeat: float = 1.0,
    ) -> None:
        self.config = config
        self.version = version
        self.heartbeat = Heartbeat(heartbeat)
        self.log = log_backend
        self.metrics = metrics
        self._retention: asyncio.Task[None] | None = None
        self._outings: asyncio.Task[None] | None = None
        self.sites = {
            site_id: SiteHub(config, site_id, log_backend, metrics, snapshot_every=snapshot_every)
            for site_id in config.sites
        }

    async def start(self) -> None:
        await self.log.open()
        for site_hub in self.sites.values():
            await site_hub.start()
        self.heartbeat.start()
        if self.config.deployment.note_retention_days > 0:
            self._retention = asyncio.get_running_loop().create_task(self._retention_loop())
        self._outings = asyncio.get_running_loop().create_task(self._outings_loop())

    async def stop(self) -> None:
        await self.heartbeat.stop()
        await cancel_all(self._outings, self._retention)
        await asyncio.gather(*(site_hub.stop() for site_hub in self.sites.values()))
        await self.log.close()

    async def purge_notes(self, now: float) -> int:
        """Blank staff notes older than the retention period in every site's log."""
        cutoff = now - self.config.deployment.note_retention_days * 86400
        return sum([await self.log.scrub(site_id, cutoff, without_notes) for site_id in self.sites])

    async def _retention_loop(self) -> None:
        while True:
            try:
                purged = await self.purge_notes(time.time())
                if purged:
                    log.info("retention: blanked notes in %d old records", purged)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("retention: purging notes failed; will retry")
            await asyncio.sleep(RETENTION_INTERVAL)

    async def lapse_outings(self, now: float) -> int:
        """Apply the no-show rule to visitors out past their return window, at every site
        that has one (several processes may race: the loser is told ``already_done``)."""
        lapsed = 0
        for site_hub in self.sites.values():
            if not any(
                v.status == "out" and v.out is not None and now > v.out.until
                for v in site_hub.state.visits.values()
            ):
                continue
            try:
                await site_hub.execute(SYSTEM, f"lapse-{secrets.token_hex(8)}", c.LapseOutings())
                lapsed += 1
            except Rejected:
                pass
        return lapsed

    async def _outings_loop(self) -> None:
        while True:
            await asyncio.sleep(OUTINGS_INTERVAL)
            try:
                await self.lapse_outings(time.time())
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("outings: applying lapsed step-outs failed; will retry")

    def site_hub(self, site_id: str) -> SiteHub:
        """The hub of one site; Rejected (``unknown_site``) when there is no such site."""
        try:
            return self.sites[site_id]
        except KeyError:
            raise Rejected("unknown_site", f"no site {site_id!r}", "$.site") from None
