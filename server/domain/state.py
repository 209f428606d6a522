"""Site state: what a site's log folds to (``fold.apply``), read by decisions and views.

Plain msgspec structs, mutated in place by the fold only; everything else reads them.
"""

from __future__ import annotations

from typing import Literal

import msgspec

from server.config.schema import Text
from server.domain.intake import Intake

StepStatus = Literal["pending", "waiting", "called", "serving", "parked", "done", "cancelled"]
VisitStatus = Literal[
    "writing",
    "waiting",
    "out",
    "called",
    "serving",
    "parked",
    "done",
    "cancelled",
    "no_show",
    "expired",
]
CounterStatus = Literal["open", "paused", "closed"]
OPEN_VISIT: frozenset[str] = frozenset({"writing", "waiting", "out", "called", "serving", "parked"})


def ticket_of(series: str, number: int) -> str:
    """A ticket as printed and called: series and at least three digits (``A012``)."""
    return f"{series}{number:03d}"


class ProcItem(msgspec.Struct):
    id: str
    done: bool = False
    note: str = ""
    added_by: str = ""


class Step(msgspec.Struct):
    queue: str
    procedures: list[ProcItem]
    status: StepStatus = "pending"
    note: str = ""
    place: float = 0.0
    counter: str = ""
    queued_at: float = 0.0
    called_at: float = 0.0
    started_at: float = 0.0
    done_at: float = 0.0
    calls: int = 0
    requeues: int = 0
    parked_at: float = 0.0
    after: list[str] = []  # procedures of earlier steps this one waits for (the plan's why)
    sent_back: bool = False  # a no-show sent the visitor to the back: priority no longer counts
    first: bool = False  # back from stepping out after their turn: called before anyone else


class Outing(msgspec.Struct):
    """A waiting visitor stepped out (visit status ``out``); their step keeps its place."""

    since: float
    back_by: float
    until: float  # back-by plus the site's grace: later, the no-show rule applies
    by: str = ""
    held_at: float = 0.0  # a counter reached them and called someone else (CallHeld)
    held_by: str = ""
    asked_at: float = 0.0  # told their turn is near (ReturnSoon)


class Visit(msgspec.Struct):
    id: str
    token: str
    series: str
    number: int
    created_at: float
    created_by: str
    intake: Intake
    steps: list[Step]
    forms: dict[str, bool]
    priority: bool
    status: VisitStatus
    current: int = 0
    closed_at: float = 0.0
    out: Outing | None = None
    rev: int = 0  # seq of the last record that changed this visit (views rebuild on change)
    # bereavement corner (issue 22b): the booth the family sits at ("" = a visitor in lines)
    booth: str = ""
    reservation: str = ""
    protected: bool = False
    alias: str = ""  # what boards and voice call instead of a protected ticket ("" in person)
    known_to: list[str] = []  # departments with a need to know a protected visit

    @property
    def ticket(self) -> str:
        return ticket_of(self.series, self.number)

    @property
    def step(self) -> Step | None:
        """The step the visitor is on now, or None once the visit is over."""
        return self.steps[self.current] if self.current < len(self.steps) else None

    @property
    def shown_ticket(self) -> str:
        """The number a board, a voice or the visitor's own page may carry: the ticket, or
        for a protected visit its alias ("" when it is called in person)."""
        return self.alias if self.protected else self.ticket

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_VISIT

    @property
    def intake_editable(self) -> bool:
        """The intake can still change: nobody has called the visitor yet."""
        return self.status in ("writing", "waiting") and self.current == 0


class CounterState(msgspec.Struct):
    status: CounterStatus = "closed"
    clerk: str = ""
    visit: str = ""
    queues: list[str] = []
    since: float = 0.0
    idle_since: float = 0.0


class Call(msgspec.Struct, frozen=True):
    """A number called at a counter: what the lobby boards show."""

    seq: int
    visit: str
    ticket: str
    counter: str
    queue: str
    at: float
    recall: int = 0
    protected: bool = False  # a protected visit's call: ``ticket`` is its alias or ""


class PostedNotice(msgspec.Struct, frozen=True):
    """A notice a supervisor broadcast to the lobby boards (``boards`` empty: all of them)."""

    id: str
    text: Text
    boards: list[str]
    at: float
    by: str


class Lease(msgspec.Struct):
    """Ticket numbers one guide phone holds for the day, by series, not yet issued."""

    device: str
    by: str
    date: str
    granted_at: float
    numbers: dict[str, list[int]] = {}
    tokens: dict[str, str] = {}

    @property
    def count(self) -> int:
        return sum(len(n) for n in self.numbers.values())


class BoothReservation(msgspec.Struct):
    """A booking of the bereavement corner (issue 22b); ``visit`` once the family is seated."""

    id: str
    date: str
    slot: str
    start: float
    booth: str
    note: str
    by: str
    at: float
    visit: str = ""


class SiteState(msgspec.Struct):
    site: str
    seq: int = 0
    business_date: str = ""
    series_next: dict[str, int] = {}
    visits: dict[str, Visit] = {}
    tickets: dict[str, str] = {}
    counters: dict[str, CounterState] = {}
    service_seconds: dict[str, list[float]] = {}
    calls: list[Call] = []
    commands: dict[str, int] = {}
    deflections: int = 0
    last_command: str = ""
    notices: dict[str, PostedNotice] = {}
    alert_minutes: dict[str, int] = {}
    leases: dict[str, Lease] = {}
    booth_reservations: dict[str, BoothReservation] = {}
    """Bookings of the bereavement corner, today's and later ones (kept across days)."""
    aliases: dict[str, str] = {}  # a protected visit's alias number → visit id
    # Visits stepped out → when their return window ends: an index of ``visit.out``, so a
    # command looks at the few visitors out, not at every visit of the day.
    outings: dict[str, float] = {}

    def counter(self, counter_id: str) -> CounterState:
        """A counter's live state (read only); a counter never touched yet is closed."""
        return self.counters.get(counter_id) or CounterState()
