"""Events: what happened, as stored in the log. Self-contained, so folding them needs no config.

Each record of the log holds one command's events with the actor and the time; the record's
``at`` is passed to ``apply`` so events do not repeat it.
"""

from __future__ import annotations

from typing import Literal

import msgspec

from server.config.schema import Text
from server.domain.commands import Actor
from server.domain.intake import Intake, PlannedStep


class Evt(msgspec.Struct, tag_field="type"):
    """Base of every event; ``type`` in the log is the class name."""


class DayStarted(Evt, tag=True):
    date: str


class DayClosed(Evt, tag=True):
    date: str


class VisitCreated(Evt, tag=True):
    visit: str
    token: str
    series: str
    number: int
    intake: Intake
    steps: list[PlannedStep]
    forms: list[str]
    priority: bool
    queued: bool
    device: str = ""
    """The guide phone whose lease the number came from ("": numbered by the hub)."""
    issued_at: float = 0.0
    """When a leased ticket was issued (its place in line); 0: when recorded."""


class NumbersLeased(Evt, tag=True):
    """Numbers set aside for one guide phone for the day: nobody else issues them."""

    device: str
    date: str
    numbers: dict[str, list[int]]
    tokens: dict[str, str]
    """Each leased ticket's visitor-page token (``A012`` → token): its QR code is printed
    before the hub hears of the visit."""


class LeaseReturned(Evt, tag=True):
    """Unissued leased numbers given back (they are never issued by anyone)."""

    device: str
    numbers: dict[str, list[int]]


class IntakeUpdated(Evt, tag=True):
    visit: str
    intake: Intake
    steps: list[PlannedStep]
    forms: list[str]
    priority: bool


class VisitDeflected(Evt, tag=True):
    events: list[str]
    procedures: list[str]


class FormsMarked(Evt, tag=True):
    visit: str
    forms: list[str]


class VisitQueued(Evt, tag=True):
    visit: str


class Called(Evt, tag=True):
    visit: str
    counter: str


class Recalled(Evt, tag=True):
    visit: str
    counter: str


class ServiceStarted(Evt, tag=True):
    visit: str
    counter: str


class NoShowed(Evt, tag=True):
    visit: str
    counter: str
    outcome: Literal["keep_place", "back", "drop"]


class ProcedureCompleted(Evt, tag=True):
    visit: str
    procedure: str


class StepCompleted(Evt, tag=True):
    visit: str
    counter: str


class ProcedureAdded(Evt, tag=True):
    """Added to the step at ``step``; ``new_step`` means a step was inserted there first."""

    visit: str
    procedure: str
    queue: str
    step: int
    new_step: bool
    note: str
    by: str
    after: list[str] = []  # open prerequisites in earlier steps (the stop's why)


class Transferred(Evt, tag=True):
    """The visitor goes to ``queue`` now. ``carried``: the open procedures of the current step
    that go along (later stops at ``queue`` come forward too); the rest wait for a return to
    this line. ``None`` (records before prerequisites): every open procedure goes along."""

    visit: str
    counter: str
    queue: str
    note: str
    carried: list[str] | None = None


class ReturnedToQueue(Evt, tag=True):
    visit: str
    counter: str


class Parked(Evt, tag=True):
    visit: str
    counter: str
    note: str


class Unparked(Evt, tag=True):
    visit: str


class SteppedOut(Evt, tag=True):
    """The visitor stepped out, keeping their place: expected back by ``back_by``; after
    ``until`` (back-by plus the site's grace) the no-show rule applies."""

    visit: str
    back_by: float
    until: float


class SteppedBack(Evt, tag=True):
    """The visitor is back in line; ``first``: at the head of it (their turn had passed)."""

    visit: str
    first: bool


class CallHeld(Evt, tag=True):
    """The held call: ``counter`` reached this visitor while they were out and called the
    next one present instead. The visitor is asked to return now (their page, a push)."""

    visit: str
    counter: str


class ReturnSoon(Evt, tag=True):
    """The visitor out is near the head of the line (``ahead`` present before them, about
    ``minutes`` to wait): asked to start back now."""

    visit: str
    ahead: int
    minutes: int | None = None


class StepOutLapsed(Evt, tag=True):
    """Not back by back-by plus grace: the site's no-show rule, as for a called no-show."""

    visit: str
    outcome: Literal["keep_place", "back", "drop"]


class VisitCancelled(Evt, tag=True):
    visit: str
    reason: str


class CounterOpened(Evt, tag=True):
    counter: str
    clerk: str


class CounterPaused(Evt, tag=True):
    counter: str


class CounterClosed(Evt, tag=True):
    counter: str


class QueuesAssigned(Evt, tag=True):
    counter: str
    queues: list[str]


class VisitMoved(Evt, tag=True):
    """A waiting visitor's current step moved from ``from_queue`` to ``queue``."""

    visit: str
    from_queue: str
    queue: str


class NoticePosted(Evt, tag=True):
    notice: str
    text: Text
    boards: list[str]


class NoticeWithdrawn(Evt, tag=True):
    notice: str


class AlertThresholdSet(Evt, tag=True):
    """``minutes`` 0: back to the configured threshold."""

    queue: str
    minutes: int


# --- bereavement corner (おくやみコーナー, booth mode; issue 22b) ------------------------------


class BoothSeated(Evt, tag=True):
    """The visit (created in the same record) is a family seated at ``booth``: no line, no
    board call; its steps become requests to the departments, one at a time."""

    visit: str
    booth: str
    reservation: str = ""


class BoothVisitTaken(Evt, tag=True):
    """A clerk of ``counter`` took the family's current step and is at the booth."""

    visit: str
    counter: str


class BoothReserved(Evt, tag=True):
    reservation: str
    date: str
    slot: str
    start: float
    """The slot's start as a timestamp (the fold needs no time zone)."""
    booth: str
    note: str


class BoothReservationCancelled(Evt, tag=True):
    reservation: str


# --- protected visits (issue 22, protected half) -----------------------------------------


class VisitProtected(Evt, tag=True):
    """The visit is protected. ``reason`` is for the audit only (never shown; purged with
    the notes); ``alias`` the number boards and voice call instead ("" when the site calls
    protected visitors in person); ``departments`` those with a need to know now."""

    visit: str
    reason: str
    alias: str
    departments: list[str]


class VisitUnprotected(Evt, tag=True):
    visit: str


class NeedToKnowGranted(Evt, tag=True):
    """A department gains sight of a protected visit (a transfer, a procedure added, a move,
    a call at one of its counters): recorded so the audit shows who was let in, and why."""

    visit: str
    department: str
    why: str


# --- end protected visits ----------------------------------------------------------------


# Audit events. The security log (``_security``, not a site) holds sign-ins and ended
# sessions; a site's log holds who read a visit's details. They change no state.


class SignedIn(Evt, tag=True):
    """A staff member signed in; the record's seq is the session's generation."""

    staff: str
    address: str


class SignInFailed(Evt, tag=True):
    """A wrong PIN or an unknown id (``staff`` is what was typed, cut to 64 characters)."""

    staff: str
    address: str


class SessionsEnded(Evt, tag=True):
    """Every session of ``staff`` signed in before this record ends (logout, PIN change,
    a supervisor ending them after a lost phone)."""

    staff: str
    reason: str


class VisitViewed(Evt, tag=True):
    """Someone opened a visit's details (a counter panel's, also a supervisor's); kept in
    the security log, so reading adds nothing to the site's log and its fan-out."""

    site: str
    visit: str
    view: str


Event = (
    DayStarted
    | DayClosed
    | VisitCreated
    | NumbersLeased
    | LeaseReturned
    | IntakeUpdated
    | VisitDeflected
    | FormsMarked
    | VisitQueued
    | Called
    | Recalled
    | ServiceStarted
    | NoShowed
    | ProcedureCompleted
    | StepCompleted
    | ProcedureAdded
    | Transferred
    | ReturnedToQueue
    | Parked
    | Unparked
    | SteppedOut
    | SteppedBack
    | CallHeld
    | ReturnSoon
    | StepOutLapsed
    | VisitCancelled
    | CounterOpened
    | CounterPaused
    | CounterClosed
    | QueuesAssigned
    | VisitMoved
    | NoticePosted
    | NoticeWithdrawn
    | AlertThresholdSet
    | BoothSeated
    | BoothVisitTaken
    | BoothReserved
    | BoothReservationCancelled
    | VisitProtected
    | VisitUnprotected
    | NeedToKnowGranted
    | SignedIn
    | SignInFailed
    | SessionsEnded
    | VisitViewed
)


class Record(msgspec.Struct, frozen=True):
    """One durable entry of a site's log: the events of one command, with its audit data."""

    seq: int
    at: float
    actor: Actor
    command_id: str
    events: list[Event]
