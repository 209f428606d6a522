"""A generated busy-season day at 下京区役所, run through the domain core
(tests.support.harness.Office).

Visitors arrive all day (more in the late morning), the guide issues tickets or sends
certificate seekers with a My Number card to the convenience store, clerks call, serve, add
procedures for other departments, transfer, park and mark no-shows, the guide brings parked
visitors back and cancels a few, and the supervisor reassigns a counter and moves visitors
between lines. Randomness is seeded, so every run makes the same day.

While it drives the office, :class:`Truth` keeps the test's own account of what happened,
measured with the test's clock and its own bookkeeping (when each visitor joined a line,
when each counter called and started): the expected figures, computed without the code
under test.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import math
import random
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from server import demo_visitors as visitors
from server.domain import commands as c
from server.domain import events as ev
from server.domain.intake import Intake
from server.domain.permissions import may_complete
from server.domain.queues import open_procedures, serving_lines
from server.errors import Rejected
from server.log.backends import open_log
from tests.support.harness import GUIDE, SUPERVISOR, Office, clerk

TOKYO = ZoneInfo("Asia/Tokyo")
# (weight, intake): what brings people in during the March–April peak.
INTAKES: list[tuple[int, Intake]] = [
    (22, visitors.MOVED_IN_WITH_CHILDREN),
    (18, visitors.MOVED_IN_FOR_WORK),
    (6, visitors.MOVED_IN_SENIOR),
    (8, visitors.MOVED_WITHIN_THE_CITY),
    (6, visitors.MARRIED_WITH_A_NEW_NAME),
    (4, visitors.BIRTH),
    (3, visitors.AFTER_A_DEATH),
    (6, visitors.LEFT_A_JOB),
    (10, visitors.CERTIFICATES),
    (2, visitors.DIVORCE_IN_HARDSHIP),
]
# Certificates with a card and its PIN: the guide suggests the convenience store.
SELF_SERVICE = Intake(
    events=["shomeisho"],
    answers={"wants_jumin_hyo": True, "has_my_number_card": True, "knows_pin": True},
)
# Procedures a counter finds and adds for another department (the plan's procedure C).
ADDED = ["kaigo_sodan", "shogai_sodan", "boshi_techo", "seikatsu_sodan", "inkan_toroku"]
# Arrivals per minute by local hour: the late morning is the peak.
RATES = {8: 0.6, 9: 1.0, 10: 1.6, 11: 1.5, 12: 0.8, 13: 1.1, 14: 1.2, 15: 1.0, 16: 0.6}
LATE_COUNTERS = ("c4", "c6")  # opened for the rush at 10:30


def local_hour(at: float) -> int:
    return dt.datetime.fromtimestamp(at, TOKYO).hour


def nearest_rank(values: list[float], fraction: float) -> float:
    """The test's own percentile: the ceil(fraction × n)-th smallest value."""
    ordered = sorted(values)
    return ordered[max(1, math.ceil(fraction * len(ordered))) - 1]


@dataclass
class AtCounter:
    visit: str
    queue: str
    called: float
    started: float | None = None
    due: float = 0.0


@dataclass
class Truth:
    """What the test saw happen, by its own bookkeeping."""

    visits: int = 0
    life_events: Counter[str] = field(default_factory=Counter)
    procedures: Counter[str] = field(default_factory=Counter)
    arrivals: list[int] = field(default_factory=lambda: [0] * 24)
    wait_queue: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    wait_counter: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    service_queue: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    service_counter: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    calls: Counter[str] = field(default_factory=Counter)
    no_shows: int = 0
    no_shows_dropped: int = 0
    deflections: int = 0
    deflected_procedures: Counter[str] = field(default_factory=Counter)
    handoffs: Counter[tuple[str, str]] = field(default_factory=Counter)
    added: int = 0
    transfers: int = 0
    moves: int = 0
    cancelled: int = 0
    done: int = 0
    # The test's own view of the lines: who waits where, and since when.
    lines: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    joined: dict[str, float] = field(default_factory=dict)
    # Line lengths the test saw at given moments (before anything happened at that minute).
    seen_waiting: dict[float, dict[str, int]] = field(default_factory=dict)


class BusyDay:
    """Drives an Office through a day, one minute at a time."""

    def __init__(self, office: Office, seed: int = 2026, scale: float = 1.0) -> None:
        self.office = office
        self.rng = random.Random(seed)
        self.scale = scale
        self.truth = Truth()
        self.counters: list[str] = []
        self.at_counter: dict[str, AtCounter] = {}
        self.parked: dict[str, float] = {}

    # --- helpers --------------------------------------------------------------------------

    def _clerk(self, cid: str) -> c.Actor:
        return clerk(self.office.rules.site.counter(cid).department)

    def _join(self, vid: str) -> None:
        """The visitor joined the line of their current step now (if they are waiting)."""
        visit = self.office.state.visits[vid]
        if visit.status == "waiting" and visit.step is not None:
            self.truth.lines[visit.step.queue].add(vid)
            self.truth.joined[vid] = self.office.now

    def _leave(self, vid: str) -> None:
        for line in self.truth.lines.values():
            line.discard(vid)

    # --- the day --------------------------------------------------------------------------

    def run(self, minutes: int, arrivals_until: int, sample_every: int = 60) -> Truth:
        """Run ``minutes`` minutes from the office's clock; arrivals stop after
        ``arrivals_until`` minutes; the lines are noted every ``sample_every`` minutes."""
        opening = self.office.now
        self._open([c.id for c in self.office.rules.site.counters if c.id not in LATE_COUNTERS])
        for minute in range(minutes):
            if minute % sample_every == 0:
                self.truth.seen_waiting[self.office.now] = {
                    q: len(v) for q, v in self.truth.lines.items() if v
                }
            if minute == 105:
                self._open(list(LATE_COUNTERS))
            if minute == 90:
                # The rush: the family-register counter helps the general reception.
                self.office.run(c.AssignQueues("c32", ["B", "A"]), SUPERVISOR)
            if minute == 300:
                self.office.run(c.AssignQueues("c32", []), SUPERVISOR)
            if 120 <= minute <= 200 and minute % 10 == 0:
                self._move("A", "B")
            if minute < arrivals_until:
                self._arrivals()
            for cid in self.counters:
                self._counter(cid)
            self._unpark()
            if self.rng.random() < 0.02:
                self._cancel()
            self.office.tick(1)
        del opening
        return self.truth

    def _open(self, counters: list[str]) -> None:
        for cid in counters:
            self.office.run(c.OpenCounter(cid), self._clerk(cid))
            self.counters.append(cid)

    def _arrivals(self) -> None:
        rate = RATES.get(local_hour(self.office.now), 0.3) * self.scale
        count = sum(self.rng.random() < rate / 4 for _ in range(4))
        for _ in range(count):
            if self.rng.random() < 0.08:
                events = self.office.run(c.RecordDeflection(SELF_SERVICE), GUIDE)
                deflected = next(e for e in events if isinstance(e, ev.VisitDeflected))
                self.truth.deflections += 1
                self.truth.deflected_procedures.update(deflected.procedures)
                continue
            weights = [w for w, _ in INTAKES]
            intake = self.rng.choices([i for _, i in INTAKES], weights)[0]
            visit = self.office.create(intake)
            self.truth.visits += 1
            self.truth.arrivals[local_hour(self.office.now)] += 1
            self.truth.life_events.update(intake.events)
            self.truth.procedures.update({p.id for s in visit.steps for p in s.procedures})
            self._join(visit.id)

    def _counter(self, cid: str) -> None:
        office, truth, now = self.office, self.truth, self.office.now
        slot = self.at_counter.get(cid)
        actor = self._clerk(cid)
        if slot is None:
            try:
                events = office.run(c.CallNext(cid), actor)
            except Rejected:
                return  # nobody waiting for this counter
            called = next(e for e in events if isinstance(e, ev.Called))
            queue = next(q for q, line in truth.lines.items() if called.visit in line)
            waited = now - truth.joined[called.visit]
            truth.wait_queue[queue].append(waited)
            truth.wait_counter[cid].append(waited)
            truth.calls[cid] += 1
            self._leave(called.visit)
            self.at_counter[cid] = AtCounter(called.visit, queue, now)
            return
        if slot.started is None:
            if now - slot.called < 60:
                return  # walking to the counter
            if self.rng.random() < 0.06:
                (event,) = [e for e in office.run(c.NoShow(cid), actor) if not _day(e)]
                assert isinstance(event, ev.NoShowed)
                truth.no_shows += 1
                if event.outcome == "drop":
                    truth.no_shows_dropped += 1
                else:
                    self._join(slot.visit)
                del self.at_counter[cid]
                return
            office.run(c.StartServing(cid), actor)
            slot.started = now
            slot.due = now + self.rng.randint(3, 16) * 60
            return
        if now < slot.due:
            return
        roll = self.rng.random()
        if roll < 0.03:
            office.run(c.Park(cid, "書類を取りに一時退席"), actor)
            self.parked[slot.visit] = now
            del self.at_counter[cid]
            return
        served = now - slot.started
        # A line that serves the step's open work and whose clerks may finish it.
        serving = self._lines(slot.visit, current_only=False)
        targets = [t for t in self._transfer_targets(slot) if t in serving]
        if roll < 0.06 and targets:
            target = self.rng.choice(targets)
            office.run(c.Transfer(cid, target, "担当替え"), actor)
            truth.transfers += 1
            truth.handoffs[(slot.queue, target)] += 1
            self._served(cid, slot, served)
            self._join(slot.visit)
            return
        if roll < 0.14:
            self._add_procedure(slot, actor)
        office.run(c.CompleteStep(cid), actor)
        self._served(cid, slot, served)
        visit = office.state.visits[slot.visit]
        if visit.status == "done":
            truth.done += 1
        self._join(slot.visit)

    def _transfer_targets(self, slot: AtCounter) -> list[str]:
        """Lines a clerk may hand the visitor on to: every clerk there may finish the step."""
        return [
            q.id
            for q in self.office.rules.site.queues
            if q.id in "ABCDE" and q.id != slot.queue and self._finishable(slot.visit, q.id)
        ]

    def _finishable(self, vid: str, line: str) -> bool:
        """Whether any clerk who calls from ``line`` may finish the visitor's current step
        (server/domain/permissions.py): otherwise a move or transfer there strands them."""
        office = self.office
        step = office.state.visits[vid].step
        assert step is not None
        site, procedures = office.rules.site, office.rules.procedures
        departments = {k.department for k in site.counters if line in k.queues}
        return all(
            may_complete(site, procedures, d, p.id)
            for d in departments
            for p in step.procedures
            if not p.done
        )

    def _served(self, cid: str, slot: AtCounter, seconds: float) -> None:
        self.truth.service_queue[slot.queue].append(seconds)
        self.truth.service_counter[cid].append(seconds)
        del self.at_counter[cid]

    def _add_procedure(self, slot: AtCounter, actor: c.Actor) -> None:
        pid = self.rng.choice(ADDED)
        visit = self.office.state.visits[slot.visit]
        had = {p.id for s in visit.steps for p in s.procedures}
        try:
            events = self.office.run(c.AddProcedure(slot.visit, pid, "窓口で追加"), actor)
        except Rejected:
            return  # already part of the visit
        (added,) = [e for e in events if isinstance(e, ev.ProcedureAdded)]
        self.truth.added += 1
        if pid not in had:
            self.truth.procedures[pid] += 1
        if added.new_step and added.queue != slot.queue:
            self.truth.handoffs[(slot.queue, added.queue)] += 1

    def _unpark(self) -> None:
        for vid, since in list(self.parked.items()):
            if self.office.now - since >= 15 * 60:
                self.office.run(c.Unpark(vid), GUIDE)
                del self.parked[vid]
                self._join(vid)

    def _cancel(self) -> None:
        waiting = sorted(v for line in self.truth.lines.values() for v in line)
        if waiting:
            vid = self.rng.choice(waiting)
            self.office.run(c.CancelVisit(vid, "本日は帰宅"), GUIDE)
            self._leave(vid)
            self.truth.cancelled += 1

    def _lines(self, vid: str, *, current_only: bool) -> set[str]:
        """The lines that serve one of the visitor's open procedures (where a move may go)."""
        visit = self.office.state.visits[vid]
        pids = open_procedures(visit, current_only=current_only)
        return set(serving_lines(self.office.rules.site, self.office.rules.procedures, pids))

    def _move(self, source: str, target: str) -> None:
        line = sorted(
            vid
            for vid in self.truth.lines.get(source, set())
            if target in self._lines(vid, current_only=True) and self._finishable(vid, target)
        )
        if not line:
            return
        vid = self.rng.choice(line)
        self.office.run(c.MoveVisitor(vid, target), SUPERVISOR)
        self.truth.lines[source].discard(vid)
        self.truth.lines[target].add(vid)  # same wait so far: ``joined`` stays
        self.truth.moves += 1


def _day(event: ev.Event) -> bool:
    return isinstance(event, ev.DayStarted | ev.DayClosed)


def write_log(store: str, records: list[ev.Record], site: str = "shimogyo") -> None:
    """Append generated records to a real event log (e.g. ``sqlite:/path``), all at once as a
    busy hub would (the SQLite log commits them in one group)."""

    async def append_all() -> None:
        log = open_log(store)
        await log.open()
        try:
            previous = ["", *(r.command_id for r in records[:-1])]
            pairs = zip(records, previous, strict=True)
            await asyncio.gather(*(log.append(site, r.seq - 1, p, r) for r, p in pairs))
        finally:
            await log.close()

    # In a thread of its own: Playwright's sync API keeps an event loop in the main thread.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(lambda: asyncio.run(append_all())).result()
