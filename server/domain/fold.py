"""``apply`` and ``fold``: a site's log folded into its :class:`~server.domain.state.SiteState`.

``apply`` trusts its events (``decide`` checked them) and never reads configuration, so the
same log folds to the same state on any process, after any config edit, for ever.
State is mutated in place for speed: callers that need the old state take a copy first
(``state_codec.copy_state``).

Each event goes to the reducer of what it changes: a visit (``visit_fold``), a counter or a
guide phone's lease (``counter_fold``), the site's day (``day_fold``). Every ``match`` ends in
``assert_never``, so mypy refuses an event type that no reducer folds.
"""

from __future__ import annotations

from typing import assert_never

from server.domain import events as ev
from server.domain.counter_fold import apply_counter_event
from server.domain.day_fold import apply_day_event
from server.domain.state import SiteState
from server.domain.visit_fold import apply_visit_event


def apply(state: SiteState, record: ev.Record) -> SiteState:
    """Fold one log record into the state (in place) and return it."""
    for event in record.events:
        # Commonest first, in each reducer's own order: every case is an isinstance test.
        match event:
            case (
                ev.VisitCreated()
                | ev.Called()
                | ev.ServiceStarted()
                | ev.StepCompleted()
                | ev.ProcedureAdded()
                | ev.NoShowed()
                | ev.Parked()
                | ev.Unparked()
                | ev.Transferred()
                | ev.VisitMoved()
                | ev.VisitCancelled()
                | ev.Recalled()
                | ev.IntakeUpdated()
                | ev.FormsMarked()
                | ev.VisitQueued()
                | ev.ProcedureCompleted()
                | ev.ReturnedToQueue()
                | ev.SteppedOut()
                | ev.CallHeld()
                | ev.ReturnSoon()
                | ev.SteppedBack()
                | ev.StepOutLapsed()
                | ev.VisitProtected()
                | ev.VisitUnprotected()
                | ev.NeedToKnowGranted()
            ):
                apply_visit_event(state, event, record)
            case (
                ev.CounterOpened()
                | ev.QueuesAssigned()
                | ev.CounterPaused()
                | ev.CounterClosed()
                | ev.NumbersLeased()
                | ev.LeaseReturned()
            ):
                apply_counter_event(state, event, record)
            case (
                ev.VisitDeflected()
                | ev.DayStarted()
                | ev.DayClosed()
                | ev.NoticePosted()
                | ev.NoticeWithdrawn()
                | ev.AlertThresholdSet()
                | ev.BoothSeated()
                | ev.BoothVisitTaken()
                | ev.BoothReserved()
                | ev.BoothReservationCancelled()
            ):
                apply_day_event(state, event, record)
            case ev.SignedIn() | ev.SignInFailed() | ev.SessionsEnded() | ev.VisitViewed():
                pass  # audit only
            case _:  # mypy: an event type without a case here is an error, not silently unapplied
                assert_never(event)
        touched = state.visits.get(getattr(event, "visit", ""))
        if touched is not None:
            touched.rev = record.seq
    if record.command_id:
        state.commands[record.command_id] = record.seq
    state.seq = record.seq
    state.last_command = record.command_id
    return state


def fold(site_id: str, records: list[ev.Record], state: SiteState | None = None) -> SiteState:
    """Fold records into a (new or given) state."""
    state = state if state is not None else SiteState(site_id)
    for record in records:
        apply(state, record)
    return state
