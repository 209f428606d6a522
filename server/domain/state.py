"""Site state and ``apply``: the fold of a site's log.

``apply`` trusts its events (``decide`` checked them) and never reads configuration, so the
same log folds to the same state on any process, after any config edit, for ever.
State is mutated in place for speed: callers that need the old state take a copy first.
"""

from __future__ import annotations

from typing import Literal, assert_never

import msgspec

from server.config.schema import Text
from server.domain import events as ev
from server.domain.intake import Intake, PlannedStep

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
SERVICE_SAMPLES = 20
# Calls kept for the boards: enough that a visitor still called is among them on a busy day.
RECENT_CALLS = 64


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


def _counter(state: SiteState, counter_id: str) -> CounterState:
    """The counter's state for ``apply`` to change, created on first use."""
    found = state.counters.get(counter_id)
    if found is None:
        found = state.counters[counter_id] = CounterState()
    return found


def _steps(planned: list[PlannedStep]) -> list[Step]:
    return [
        Step(p.queue, [ProcItem(pid) for pid in p.procedures], after=list(p.after)) for p in planned
    ]


def _enqueue(step: Step, at: float, *, keep_place: bool = False) -> None:
    step.status = "waiting"
    step.counter = ""
    step.queued_at = at
    if not keep_place or not step.place:
        step.place = at


def _no_show(state: SiteState, visit: Visit, outcome: str, at: float) -> None:
    """The site's no-show rule: the visit ends (``drop``) or waits again, in its place or at
    the back — behind everyone waiting now, a priority visitor included."""
    step = visit.steps[visit.current]
    if outcome == "drop":
        _close_visit(state, visit, "no_show", at)
        return
    step.requeues += 1
    step.sent_back = step.sent_back or outcome == "back"
    _enqueue(step, at, keep_place=outcome == "keep_place")
    visit.status = "waiting"


def _free_counter(state: SiteState, counter_id: str, at: float) -> None:
    counter = _counter(state, counter_id)
    counter.visit = ""
    counter.idle_since = at


def _advance(state: SiteState, visit: Visit, at: float) -> None:
    """Move the visitor to their next unfinished step, or finish the visit."""
    while visit.current < len(visit.steps) and visit.steps[visit.current].status in (
        "done",
        "cancelled",
    ):
        visit.current += 1
    step = visit.step
    if step is None:
        visit.status = "done"
        visit.closed_at = at
    else:
        _enqueue(step, at)
        visit.status = "waiting"


def _close_visit(state: SiteState, visit: Visit, status: VisitStatus, at: float) -> None:
    visit.out = None
    state.outings.pop(visit.id, None)
    step = visit.step
    if step is not None:
        if step.counter and _counter(state, step.counter).visit == visit.id:
            _free_counter(state, step.counter, at)
        for s in visit.steps[visit.current :]:
            s.status = "cancelled"
    visit.status = status
    visit.closed_at = at


def _transfer_tail(
    later: list[Step], here: str, remaining: list[ProcItem], event: ev.Transferred
) -> list[Step]:
    """The steps after a transfer: the target line first, then (if anything stays) a return
    to this line, then the rest as planned."""
    if event.carried is None:
        return [Step(event.queue, remaining, note=event.note), *later]
    carried = [p for p in remaining if p.id in event.carried]
    kept = [p for p in remaining if p.id not in event.carried]
    pulled = [s for s in later if s.queue == event.queue and s.status == "pending"]
    notes = [s.note for s in pulled]
    target = Step(
        event.queue,
        carried + [p for s in pulled for p in s.procedures],
        note="\n".join(filter(None, [event.note, *notes])),
    )
    rest = [s for s in later if not any(s is p for p in pulled)]
    back = [Step(here, kept)] if kept else []
    return [target, *back, *rest]


def _numbered(state: SiteState, series: str, number: int) -> None:
    """``number`` is taken: the hub numbers on after it (never back over a leased one)."""
    if number + 1 > state.series_next.get(series, 0):
        state.series_next[series] = number + 1


def _unlease(state: SiteState, device: str, numbers: dict[str, list[int]]) -> None:
    lease = state.leases.get(device)
    if lease is None:
        return
    for series, gone in numbers.items():
        for number in gone:
            lease.tokens.pop(ticket_of(series, number), None)
        left = [n for n in lease.numbers.get(series, []) if n not in gone]
        if left:
            lease.numbers[series] = left
        else:
            lease.numbers.pop(series, None)
    if not lease.numbers:
        del state.leases[device]


def apply(state: SiteState, record: ev.Record) -> SiteState:
    """Fold one log record into the state (in place) and return it."""
    for event in record.events:
        _apply_event(state, event, record)
        touched = state.visits.get(getattr(event, "visit", ""))
        if touched is not None:
            touched.rev = record.seq
    if record.command_id:
        state.commands[record.command_id] = record.seq
    state.seq = record.seq
    state.last_command = record.command_id
    return state


def _apply_event(state: SiteState, event: ev.Event, record: ev.Record) -> None:
    at = record.at
    match event:
        case ev.DayStarted(date=date):
            # Yesterday's visits leave memory; the log keeps them for the figures.
            state.business_date = date
            state.series_next = {}
            state.tickets = {}
            state.commands = {}
            state.calls = []
            state.deflections = 0
            state.visits = {}
            state.notices = {}
            state.alert_minutes = {}
            state.leases = {}
            state.booth_reservations = {
                rid: r for rid, r in state.booth_reservations.items() if r.date >= date
            }
            state.aliases = {}
            state.outings = {}
            for counter in state.counters.values():
                counter.visit = ""
                counter.status = "closed"
                counter.queues = []  # a supervisor's reassignment is for the day
        case ev.DayClosed():
            for visit in state.visits.values():
                if visit.is_open:
                    _close_visit(state, visit, "expired", at)
                    visit.rev = record.seq  # an event without a visit id changed it
            for counter in state.counters.values():
                counter.status = "closed"
                counter.visit = ""
                counter.since = at
            # A supervisor's notices and thresholds are for the day; unissued leased
            # numbers go back with the day (they are never issued).
            state.notices = {}
            state.alert_minutes = {}
            state.leases = {}
        case ev.NumbersLeased():
            lease = state.leases.get(event.device)
            if lease is None:
                lease = state.leases[event.device] = Lease(
                    event.device, record.actor.id, event.date, at, {}
                )
            for series, numbers in event.numbers.items():
                lease.numbers.setdefault(series, []).extend(numbers)
                _numbered(state, series, max(numbers))
            lease.tokens.update(event.tokens)
        case ev.LeaseReturned():
            _unlease(state, event.device, event.numbers)
        case ev.VisitCreated():
            if event.device:
                _unlease(state, event.device, {event.series: [event.number]})
                at = event.issued_at or at
            visit = Visit(
                id=event.visit,
                token=event.token,
                series=event.series,
                number=event.number,
                created_at=at,
                created_by=record.actor.id,
                intake=event.intake,
                steps=_steps(event.steps),
                forms={f: False for f in event.forms},
                priority=event.priority,
                status="writing",
            )
            state.visits[visit.id] = visit
            state.tickets[visit.ticket] = visit.id
            _numbered(state, event.series, event.number)
            if event.queued:
                _advance(state, visit, at)
        case ev.IntakeUpdated():
            visit = state.visits[event.visit]
            old = visit.step
            visit.intake = event.intake
            visit.priority = event.priority
            visit.forms = {f: visit.forms.get(f, False) for f in event.forms}
            visit.steps = _steps(event.steps)
            visit.current = 0
            if visit.status == "waiting" and old is not None:
                first = visit.steps[0]
                _enqueue(first, old.queued_at)
                first.place = old.place if first.queue == old.queue else at
        case ev.VisitDeflected():
            state.deflections += 1
        case ev.FormsMarked():
            visit = state.visits[event.visit]
            for form in event.forms:
                visit.forms[form] = True
        case ev.VisitQueued():
            _advance(state, state.visits[event.visit], at)
        case ev.Called(visit=vid, counter=cid):
            visit = state.visits[vid]
            step = visit.steps[visit.current]
            step.status = "called"
            step.counter = cid
            step.called_at = at
            step.calls += 1
            step.first = False
            visit.status = "called"
            counter = _counter(state, cid)
            counter.visit = vid
            state.calls = [
                *state.calls[-(RECENT_CALLS - 1) :],
                Call(record.seq, vid, visit.shown_ticket, cid, step.queue, at, 0, visit.protected),
            ]
        case ev.Recalled(visit=vid, counter=cid):
            visit = state.visits[vid]
            step = visit.steps[visit.current]
            step.calls += 1
            kept = [c for c in state.calls if not (c.visit == vid and c.counter == cid)]
            state.calls = [
                *kept[-(RECENT_CALLS - 1) :],
                Call(
                    record.seq,
                    vid,
                    visit.shown_ticket,
                    cid,
                    step.queue,
                    at,
                    recall=step.calls - 1,
                    protected=visit.protected,
                ),
            ]
        case ev.ServiceStarted(visit=vid):
            visit = state.visits[vid]
            step = visit.steps[visit.current]
            step.status = "serving"
            step.started_at = at
            visit.status = "serving"
        case ev.NoShowed(visit=vid, counter=cid, outcome=outcome):
            _free_counter(state, cid, at)
            _no_show(state, state.visits[vid], outcome, at)
        case ev.ProcedureCompleted(visit=vid, procedure=pid):
            for step in state.visits[vid].steps:
                for item in step.procedures:
                    if item.id == pid:
                        item.done = True
        case ev.StepCompleted(visit=vid, counter=cid):
            visit = state.visits[vid]
            step = visit.steps[visit.current]
            for item in step.procedures:
                item.done = True
            step.status = "done"
            step.done_at = at
            began = step.started_at or step.called_at
            if not visit.booth:  # time at a booth says nothing about a line's pace
                samples = state.service_seconds.setdefault(step.queue, [])
                samples.append(max(0.0, at - began))
                del samples[:-SERVICE_SAMPLES]
            _free_counter(state, cid, at)
            _advance(state, visit, at)
        case ev.ProcedureAdded():
            visit = state.visits[event.visit]
            item = ProcItem(event.procedure, note=event.note, added_by=event.by)
            if event.new_step:
                visit.steps.insert(event.step, Step(event.queue, [item], note=event.note))
            else:
                target = visit.steps[event.step]
                target.procedures.append(item)
                if event.note:
                    target.note = "\n".join(filter(None, [target.note, event.note]))
            step = visit.steps[event.step]
            step.after = list(dict.fromkeys([*step.after, *event.after]))
        case ev.Transferred(visit=vid, counter=cid, queue=qid, note=note):
            visit = state.visits[vid]
            step = visit.steps[visit.current]
            remaining = [p for p in step.procedures if not p.done]
            step.procedures = [p for p in step.procedures if p.done]
            step.status = "done" if step.procedures else "cancelled"
            step.done_at = at
            visit.steps[visit.current + 1 :] = _transfer_tail(
                visit.steps[visit.current + 1 :], step.queue, remaining, event
            )
            _free_counter(state, cid, at)
            _advance(state, visit, at)
        case ev.ReturnedToQueue(visit=vid, counter=cid):
            visit = state.visits[vid]
            _free_counter(state, cid, at)
            _enqueue(visit.steps[visit.current], at, keep_place=True)
            visit.status = "waiting"
        case ev.Parked(visit=vid, counter=cid, note=note):
            visit = state.visits[vid]
            step = visit.steps[visit.current]
            _free_counter(state, cid, at)
            step.status = "parked"
            step.counter = ""
            step.parked_at = at
            if note:
                step.note = "\n".join(filter(None, [step.note, note]))
            visit.status = "parked"
        case ev.Unparked(visit=vid):
            visit = state.visits[vid]
            _enqueue(visit.steps[visit.current], at, keep_place=True)
            visit.status = "waiting"
        case ev.SteppedOut(visit=vid, back_by=back_by, until=until):
            visit = state.visits[vid]
            visit.status = "out"
            visit.out = Outing(at, back_by, until, record.actor.id)
            state.outings[vid] = until
        case ev.CallHeld(visit=vid, counter=cid):
            out = state.visits[vid].out
            if out is not None:
                out.held_at = at
                out.held_by = cid
        case ev.ReturnSoon(visit=vid):
            out = state.visits[vid].out
            if out is not None:
                out.asked_at = at
        case ev.SteppedBack(visit=vid, first=first):
            # The step never left the line: same place, same wait so far.
            visit = state.visits[vid]
            visit.out = None
            state.outings.pop(vid, None)
            visit.status = "waiting"
            visit.steps[visit.current].first = first
        case ev.StepOutLapsed(visit=vid, outcome=outcome):
            visit = state.visits[vid]
            visit.out = None
            state.outings.pop(vid, None)
            _no_show(state, visit, outcome, at)
        case ev.VisitCancelled(visit=vid):
            _close_visit(state, state.visits[vid], "cancelled", at)
        case ev.CounterOpened(counter=cid, clerk=clerk):
            counter = _counter(state, cid)
            if counter.status != "open":
                counter.since = at
                counter.idle_since = at
            counter.status = "open"
            counter.clerk = clerk
        case ev.CounterPaused(counter=cid):
            counter = _counter(state, cid)
            counter.status = "paused"
            counter.since = at
        case ev.CounterClosed(counter=cid):
            counter = _counter(state, cid)
            counter.status = "closed"
            counter.clerk = ""
            counter.since = at
        case ev.QueuesAssigned(counter=cid, queues=queues):
            _counter(state, cid).queues = list(queues)
        case ev.VisitMoved(visit=vid, queue=qid):
            # Same place in time (``place``) and the same wait so far (``queued_at``).
            visit = state.visits[vid]
            visit.steps[visit.current].queue = qid
        case ev.NoticePosted(notice=nid, text=text, boards=boards):
            state.notices[nid] = PostedNotice(nid, text, list(boards), at, record.actor.id)
        case ev.NoticeWithdrawn(notice=nid):
            state.notices.pop(nid, None)
        case ev.AlertThresholdSet(queue=qid, minutes=minutes):
            if minutes > 0:
                state.alert_minutes[qid] = minutes
            else:
                state.alert_minutes.pop(qid, None)
        # --- bereavement corner (issue 22b) ---
        case ev.BoothSeated(visit=vid, booth=booth, reservation=rid):
            visit = state.visits[vid]
            visit.booth = booth
            visit.reservation = rid
            if rid in state.booth_reservations:
                state.booth_reservations[rid].visit = vid
        case ev.BoothVisitTaken(visit=vid, counter=cid):
            # Straight to "serving": the clerk walks to the family, nobody is called.
            visit = state.visits[vid]
            step = visit.steps[visit.current]
            step.status = "serving"
            step.counter = cid
            step.called_at = step.started_at = at
            visit.status = "serving"
            _counter(state, cid).visit = vid
        case ev.BoothReserved():
            state.booth_reservations[event.reservation] = BoothReservation(
                event.reservation,
                event.date,
                event.slot,
                event.start,
                event.booth,
                event.note,
                record.actor.id,
                at,
            )
        case ev.BoothReservationCancelled(reservation=rid):
            state.booth_reservations.pop(rid, None)
        # --- protected visits (issue 22, protected half)
        case ev.VisitProtected(visit=vid, alias=alias, departments=departments):
            visit = state.visits[vid]
            visit.protected = True
            visit.alias = alias
            visit.known_to = list(departments)
            if alias:
                state.aliases[alias] = vid
        case ev.VisitUnprotected(visit=vid):
            visit = state.visits[vid]
            state.aliases.pop(visit.alias, None)
            visit.protected = False
            visit.alias = ""
            visit.known_to = []
        case ev.NeedToKnowGranted(visit=vid, department=department):
            visit = state.visits[vid]
            if department not in visit.known_to:
                visit.known_to = [*visit.known_to, department]
        # --- end protected visits
        case ev.SignedIn() | ev.SignInFailed() | ev.SessionsEnded() | ev.VisitViewed():
            pass  # audit only
        case _:  # mypy: an event type without a case here is an error, not silently unapplied
            assert_never(event)


def fold(site: str, records: list[ev.Record], state: SiteState | None = None) -> SiteState:
    """Fold records into a (new or given) state."""
    state = state if state is not None else SiteState(site)
    for record in records:
        apply(state, record)
    return state
