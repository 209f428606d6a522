"""A pure, in-memory office for domain tests: decide + apply with a hand-driven clock."""

from __future__ import annotations

import itertools
from functools import cache
from typing import Any

import msgspec
import pytest

from server import demo_visitors as visitors
from server.config.loading import load_config
from server.config.schema import Config
from server.domain import commands as c
from server.domain.decide import Context, Rules, decide
from server.domain.events import BoothSeated, Event, Record, VisitCreated
from server.domain.fold import apply, fold
from server.domain.intake import Intake
from server.domain.state import SiteState, Visit
from server.errors import Rejected
from tests.support.live import ROOT

# 2026-03-30 09:00 JST: a Monday in the busy season.
MORNING = 1774828800.0

GUIDE = c.Actor("guide01", "guide")
SUPERVISOR = c.Actor("super01", "supervisor")


def clerk(department: str) -> c.Actor:
    return c.Actor(f"clerk-{department}", "clerk", department)


MOVED_IN_WITH_CHILDREN = visitors.MOVED_IN_WITH_CHILDREN


class Office:
    """Runs commands the way the hub does, minus I/O: decide, record, apply."""

    def __init__(self, config: Config, site: str = "shimogyo", now: float = MORNING) -> None:
        self.config = config
        self.rules = Rules(config.site(site), config.procedures, config.life_events)
        self.state = SiteState(site)
        self.records: list[Record] = []
        self.now = now
        self._ids = itertools.count(1)

    def run(
        self,
        command: c.Command,
        actor: c.Actor = SUPERVISOR,
        not_after: float | None = None,
        sent_at: float | None = None,
    ) -> list[Event]:
        """Decide and apply; ``sent_at``: when the client first sent it (a phone's outbox)."""
        n = next(self._ids)
        ctx = Context(
            self.now,
            actor,
            visit_id=f"v{n}",
            token=f"token-{n}",
            not_after=not_after,
            sent_at=sent_at,
        )
        events = decide(self.state, command, ctx, self.rules)
        record = Record(self.state.seq + 1, self.now, actor, f"cmd-{n}", events)
        self.records.append(record)
        apply(self.state, record)
        return events

    def tick(self, minutes: float) -> None:
        self.now += minutes * 60

    def visit(self, ref: str) -> Visit:
        return self.state.visits.get(ref) or self.state.visits[self.state.tickets[ref]]

    def create(self, intake: Intake = MOVED_IN_WITH_CHILDREN, **kw: Any) -> Visit:
        events = self.run(c.CreateVisit(intake, **kw), GUIDE)
        created = next(e for e in events if isinstance(e, VisitCreated))
        return self.state.visits[created.visit]

    def open(self, *counters: str) -> None:
        for counter in counters:
            self.run(c.OpenCounter(counter))

    def refold(self) -> SiteState:
        """Fold the recorded log again from nothing (after a JSON round trip, as stored)."""
        raw = msgspec.json.encode(self.records)
        return fold(self.state.site, msgspec.json.decode(raw, type=list[Record]))


def rejected(office: Office, command: c.Command, code: str, actor: c.Actor | None = None) -> None:
    """Run ``command`` expecting a refusal with ``code`` that leaves the state untouched."""
    before = office.state.seq
    with pytest.raises(Rejected) as info:
        office.run(command, actor) if actor else office.run(command)
    assert info.value.code == code
    assert office.state.seq == before


# A family after a death: insurance and pension (総合受付), care (健康長寿), disability (保健福祉).
BEREAVED = Intake(
    events=["shibo"],
    answers={
        "death_filed": True,
        "deceased_kokuho": True,
        "deceased_pensioner": True,
        "deceased_care": True,
        "deceased_householder": False,
        "deceased_certificates": True,
        "deceased_child_benefit": False,
    },
)


def seat(office: Office, **kw: str) -> Visit:
    """Seat a bereaved family at the corner (a booth of the guide's choosing, or any free)."""
    events = office.run(c.SeatAtBooth(BEREAVED, **kw), GUIDE)
    seated = next(e for e in events if isinstance(e, BoothSeated))
    return office.state.visits[seated.visit]


@cache
def demo_config() -> Config:
    # Not a fixture: hypothesis would print the whole configuration with each example.
    return load_config(ROOT / "config")
