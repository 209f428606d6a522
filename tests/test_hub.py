"""The hub in-process: log contract per backend, conflicts, slow consumers, note retention."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from server.config.schema import Config
from server.domain import commands as c
from server.domain.events import DayStarted, Record
from server.errors import Conflict
from server.live.hub import Hub
from server.live.site_hub import SiteHub
from server.log.backends import open_log
from server.log.base import EventLog
from server.metrics import Metrics
from server.projections.views import ViewKey
from tests.support.harness import GUIDE, MORNING, MOVED_IN_WITH_CHILDREN, SUPERVISOR
from tests.support.redis_proc import RedisServer


@pytest.fixture(params=["memory", "sqlite", "redis"])
async def event_log(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[EventLog]:
    if request.param == "redis":
        server: RedisServer = request.getfixturevalue("redis_server")
        server.flush()
        url = server.url
    else:
        url = "memory:" if request.param == "memory" else f"sqlite:{tmp_path / 'log.db'}"
    backend = open_log(url)
    await backend.open()
    yield backend
    await backend.close()


def record(seq: int, at: float = MORNING) -> Record:
    return Record(seq, at, SUPERVISOR, f"cmd-{seq}", [DayStarted("2026-03-30")])


async def test_compare_and_append_refuses_a_stale_writer(event_log: EventLog) -> None:
    await event_log.append("s", 0, "", record(1))
    await event_log.append("s", 1, "cmd-1", record(2))
    with pytest.raises(Conflict) as info:
        await event_log.append("s", 1, "cmd-1", record(2))
    assert info.value.actual_seq == 2
    assert [r.seq for r in await event_log.read("s", 0)] == [1, 2]
    assert [r.seq for r in await event_log.read("s", 1)] == [2]
    assert await event_log.read("other", 0) == []


async def test_append_checks_the_predecessor_not_just_its_number(event_log: EventLog) -> None:
    """A record decided on top of our own (failed) record must not land on another writer's
    record that took the same seq."""
    await event_log.append("s", 0, "", record(1))  # another writer's record 1 ("cmd-1")
    with pytest.raises(Conflict):
        await event_log.append("s", 1, "ours-1", record(2))
    assert [r.seq for r in await event_log.read("s", 0)] == [1]


async def test_concurrent_appends_at_the_same_seq_let_exactly_one_win(event_log: EventLog) -> None:
    results = await asyncio.gather(
        *(event_log.append("s", 0, "", record(1)) for _ in range(10)), return_exceptions=True
    )
    assert sum(r is None for r in results) == 1
    assert all(isinstance(r, Conflict) for r in results if r is not None)


async def test_the_epoch_is_stable_for_a_log(event_log: EventLog) -> None:
    assert await event_log.epoch("s") == await event_log.epoch("s")
    assert await event_log.epoch("s") != await event_log.epoch("t")


async def test_sqlite_keeps_records_epoch_and_snapshot_across_reopen(tmp_path: Path) -> None:
    first = open_log(f"sqlite:{tmp_path / 'x.db'}")
    await first.open()
    await first.append("s", 0, "", record(1))
    await first.save_snapshot("s", 1, b"state")
    epoch = await first.epoch("s")
    await first.close()
    again = open_log(f"sqlite:{tmp_path / 'x.db'}")
    await again.open()
    assert [r.seq for r in await again.read("s", 0)] == [1]
    assert await again.epoch("s") == epoch
    assert await again.load_snapshot("s") == (1, b"state")
    await again.append("s", 1, "cmd-1", record(2))
    await again.close()


async def test_two_hubs_on_one_log_serialise_through_conflicts(
    config: Config, event_log: EventLog
) -> None:
    """Like two processes: each decides on its own state; the log keeps one order."""
    a = SiteHub(config, "shimogyo", event_log, Metrics())
    b = SiteHub(config, "shimogyo", event_log, Metrics())
    await a.start()
    await b.start()
    await a.execute(SUPERVISOR, "open", c.OpenCounter("c1"))
    acks = await asyncio.gather(
        *(
            hub.execute(GUIDE, f"v{i}", c.CreateVisit(MOVED_IN_WITH_CHILDREN))
            for i, hub in enumerate([a, b] * 5)
        )
    )
    assert sorted(ack.ticket for ack in acks) == [f"A{n:03d}" for n in range(1, 11)]
    await b.execute(SUPERVISOR, "call", c.CallNext("c1"))
    await a._catch_up()
    assert a.state == b.state
    await a.stop()
    await b.stop()


class Stalled:
    """A subscriber that never reads: its outbox fills and stays full."""

    def __init__(self, size: int) -> None:
        self.queue: asyncio.Queue[str] = asyncio.Queue(size)
        self.cut = ""

    def push(self, message: str) -> bool:
        try:
            self.queue.put_nowait(message)
        except asyncio.QueueFull:
            return False
        return True

    def cut_off(self, reason: str) -> None:
        self.cut = reason


class Reader(Stalled):
    def push(self, message: str) -> bool:
        ok = super().push(message)
        self.queue.get_nowait()  # drains as fast as it is fed
        return ok


async def test_a_stalled_subscriber_is_cut_off_without_slowing_others(config: Config) -> None:
    site = SiteHub(config, "shimogyo", open_log("memory:"), Metrics())
    await site.start()
    key = ViewKey("floor")
    stalled, reader = Stalled(4), Reader(4)
    site.subscribe(key, stalled, None, None)
    site.subscribe(key, reader, None, None)
    for i in range(10):
        await site.execute(GUIDE, f"v{i}", c.CreateVisit(MOVED_IN_WITH_CHILDREN))
    assert stalled.cut == "too_slow"
    assert stalled not in site.views[key].subscribers
    assert reader in site.views[key].subscribers
    assert reader.cut == ""
    await site.stop()


async def test_notes_are_purged_from_the_log_after_the_retention(config: Config) -> None:
    backend = open_log("memory:")
    clock = [MORNING]
    hub = Hub(config, backend, Metrics())
    site = hub.sites["shimogyo"]
    site.clock = lambda: clock[0]
    await hub.start()
    noted = c.CreateVisit(
        MOVED_IN_WITH_CHILDREN.__class__(
            events=["tennyu"], answers=MOVED_IN_WITH_CHILDREN.answers, note="DV支援措置の対象"
        )
    )
    await site.execute(GUIDE, "old", noted)
    clock[0] += 2 * 86400
    await site.execute(GUIDE, "new", noted)
    assert await hub.purge_notes(clock[0]) == 1
    notes = [
        e.intake.note
        for r in await backend.read("shimogyo", 0)
        for e in r.events
        if hasattr(e, "intake")
    ]
    assert notes == ["", "DV支援措置の対象"]
    await hub.stop()


async def test_the_hub_applies_lapsed_step_outs_when_nothing_else_happens(config: Config) -> None:
    clock = [MORNING]
    hub = Hub(config, open_log("memory:"), Metrics())
    site = hub.sites["shimogyo"]
    site.clock = lambda: clock[0]
    await hub.start()
    ack = await site.execute(GUIDE, "v", c.CreateVisit(MOVED_IN_WITH_CHILDREN))
    await site.execute(GUIDE, "out", c.StepOut(ack.visit, "09:20"))  # MORNING is 09:00
    clock[0] += 25 * 60  # back-by + 5 of 10 grace minutes
    assert await hub.lapse_outings(clock[0]) == 0
    clock[0] += 6 * 60
    assert await hub.lapse_outings(clock[0]) == 1
    visit = site.state.visits[ack.visit]
    assert visit.status == "waiting" and visit.steps[0].sent_back
    assert site.state.visits[ack.visit].out is None
    await hub.stop()
