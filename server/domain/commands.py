"""Commands: what staff ask the service to do. A tagged union decoded once at the edge.

New fields get defaults and existing fields never change type: phones and TVs run
yesterday's JavaScript for a while.
"""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from server.config.schema import Text
from server.domain.intake import Intake


class Cmd(msgspec.Struct, forbid_unknown_fields=True, tag_field="type"):
    """Base of every command; ``type`` on the wire is the class name."""


class CounterCmd(Cmd):
    """A command about one counter (and the visitor standing at it)."""

    counter: str


class VisitCmd(Cmd):
    """A command about one visit, named by id or by today's ticket number."""

    visit: str


DeviceId = Annotated[str, msgspec.Meta(min_length=1, max_length=64, pattern=r"^[\w.:-]+$")]


class LeasedTicket(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A number a guide phone issued from its lease while the hub was out of reach (its QR
    code already shows the visitor-page token the lease came with)."""

    device: DeviceId
    series: str
    number: int


class CreateVisit(Cmd, tag=True):
    intake: Intake
    override_self_service: bool = False
    forms_pending: bool = False
    leased: LeasedTicket | None = None
    """Set when the ticket was already issued from a lease: the visit gets exactly that
    number, and its place in line is when the command was first sent (its ``at``)."""
    protect: str = ""
    """Non-empty: the visit is protected from the start (the reason, recorded, never shown);
    see :class:`MarkProtected`. Online only: refused with a leased number."""


class UpdateIntake(VisitCmd, tag=True):
    intake: Intake
    override_self_service: bool = False


class RecordDeflection(Cmd, tag=True):
    """The guide sent the visitor to a self-service route instead of issuing a ticket."""

    intake: Intake


class MarkForms(VisitCmd, tag=True):
    """Forms filled in; an empty list means all of them. Queues the visitor when none remain."""

    forms: list[str] = []


class CallNext(CounterCmd, tag=True):
    pass


class CallTicket(CounterCmd, tag=True):
    visit: str


class Recall(CounterCmd, tag=True):
    pass


class StartServing(CounterCmd, tag=True):
    pass


class NoShow(CounterCmd, tag=True):
    pass


class CompleteProcedure(VisitCmd, tag=True):
    procedure: str


class CompleteStep(CounterCmd, tag=True):
    """Finish everything this counter does for its visitor and send them on (or home)."""


class AddProcedure(VisitCmd, tag=True):
    """The plan's procedure C: a further procedure, possibly at another department."""

    procedure: str
    note: str = ""


class Transfer(CounterCmd, tag=True):
    queue: str
    note: str = ""


class ReturnToQueue(CounterCmd, tag=True):
    pass


class Park(CounterCmd, tag=True):
    """The visitor steps aside (fetching a document); the counter is free for the next one."""

    note: str = ""


class Unpark(VisitCmd, tag=True):
    pass


Clock = Annotated[str, msgspec.Meta(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")]


class StepOut(VisitCmd, tag=True):
    """A waiting visitor steps out (「いったん外出します」) and says when they will be back
    (``HH:MM``, the site's local time today). Sent by the visitor's own page, a guide or a
    clerk; the visit keeps its place in line."""

    back_by: Clock


class StepBack(VisitCmd, tag=True):
    """The visitor is back (「戻りました」): in line again, per the site's return rule."""


class LapseOutings(Cmd, tag=True):
    """The hub, now and then: visitors out past their return window meet the no-show rule
    even when nothing else happens at the site (any command applies it first anyway)."""


class CancelVisit(VisitCmd, tag=True):
    reason: str = ""


class OpenCounter(CounterCmd, tag=True):
    pass


class PauseCounter(CounterCmd, tag=True):
    pass


class CloseCounter(CounterCmd, tag=True):
    pass


class AssignQueues(CounterCmd, tag=True):
    """Point a counter at other queues (the rush); an empty list restores its configured ones."""

    queues: list[str]


class CloseDay(Cmd, tag=True):
    pass


class LeaseNumbers(Cmd, tag=True):
    """A guide phone tops up its lease of ticket numbers (``LEASE_SIZE`` per series), so it
    can go on issuing real numbers while the hub or the Wi-Fi is away."""

    device: DeviceId


class ReturnLease(Cmd, tag=True):
    """A guide phone gives back the numbers it did not issue (signing out)."""

    device: DeviceId


class MoveVisitor(VisitCmd, tag=True):
    """Supervisor: move a waiting visitor to another queue, keeping their place in time
    (the rush: another line's counters can take them sooner)."""

    queue: str


class PostNotice(Cmd, tag=True):
    """Supervisor: broadcast a notice to the lobby boards (``boards`` empty: every board)."""

    text: Text
    boards: list[str] = []


class WithdrawNotice(Cmd, tag=True):
    """Supervisor: take a posted notice off the boards."""

    notice: str


class SetAlertThreshold(Cmd, tag=True):
    """Supervisor: for the rest of the day, alert when a queue's estimated wait reaches
    ``minutes`` (0 restores the configured ``alert_minutes``)."""

    queue: str
    minutes: int


# --- bereavement corner (おくやみコーナー, booth mode; issue 22b) ------------------------------


class SeatAtBooth(Cmd, tag=True):
    """Guide: a bereaved family is seated at a booth of the corner and the departments come to
    them. ``reservation``: the family booked (their booth, if free); else ``booth`` (empty:
    any free booth that no reservation holds for the coming slot)."""

    intake: Intake
    reservation: str = ""
    booth: str = ""


class TakeBoothVisit(CounterCmd, tag=True):
    """Clerk: take a booth family's request for this department (one clerk gets it) and go
    to the booth; completing the step (``CompleteStep``) releases the booth to the next."""

    visit: str


class ReserveBooth(Cmd, tag=True):
    """Guide or supervisor: book the corner for a date (``YYYY-MM-DD``) and a slot (``HH:MM``
    from the site's ``slots``); ``note`` is staff-only (no name needed: a phone number)."""

    date: str
    slot: str
    note: str = ""


class CancelBoothReservation(Cmd, tag=True):
    """Guide or supervisor: withdraw a booking (its booth is free again)."""

    reservation: str


# --- protected visits (issue 22, protected half) -----------------------------------------


class MarkProtected(VisitCmd, tag=True):
    """A guide or a clerk whose department holds the visitor marks the visit protected
    (支援措置, witness, some welfare cases): its number is never shown or spoken again and
    only the departments on its itinerary (and supervisors) see it. Online only."""

    reason: str


class UnmarkProtected(VisitCmd, tag=True):
    """Supervisor only: the visit is an ordinary one again."""


# --- end protected visits ----------------------------------------------------------------


Command = (
    CreateVisit
    | UpdateIntake
    | RecordDeflection
    | MarkForms
    | CallNext
    | CallTicket
    | Recall
    | StartServing
    | NoShow
    | CompleteProcedure
    | CompleteStep
    | AddProcedure
    | Transfer
    | ReturnToQueue
    | Park
    | Unpark
    | StepOut
    | StepBack
    | LapseOutings
    | CancelVisit
    | OpenCounter
    | PauseCounter
    | CloseCounter
    | AssignQueues
    | CloseDay
    | LeaseNumbers
    | ReturnLease
    | MoveVisitor
    | PostNotice
    | WithdrawNotice
    | SetAlertThreshold
    # bereavement corner (issue 22b)
    | SeatAtBooth
    | TakeBoothVisit
    | ReserveBooth
    | CancelBoothReservation
    | MarkProtected
    | UnmarkProtected
)

Role = Literal["guide", "clerk", "supervisor", "kiosk", "display", "visitor", "integration"]


class Actor(msgspec.Struct, frozen=True):
    """Who sends a command: recorded in the log as the audit trail."""

    id: str
    role: Role
    department: str = ""


MINTS_IDS = (CreateVisit, PostNotice, LeaseNumbers, SeatAtBooth, ReserveBooth, MarkProtected)
"""The commands whose decision needs fresh random ids (``Context.visit_id`` and ``token``)."""
