"""Who may send which command. Checked inside ``decide`` so every entry point shares it.

- guide: intake work (create, edit, forms, cancel, deflect, bring a parked visitor back);
- clerk: the counters of their own department, and the visitors standing at them
  (including handing them on to another department: the plan's procedure C);
- supervisor: everything, including what only a supervisor does (``SUPERVISOR_ONLY``: move a
  waiting visitor to another queue, notices on the lobby boards, alert thresholds);
- display and visitor: nothing (they only read).
"""

from __future__ import annotations

from server.config import Site
from server.domain import commands as c
from server.domain.state import SiteState
from server.errors import Rejected

GUIDE_COMMANDS: tuple[type[c.Cmd], ...] = (
    c.CreateVisit,
    c.UpdateIntake,
    c.RecordDeflection,
    c.MarkForms,
    c.CancelVisit,
    c.Unpark,
    c.LeaseNumbers,
    c.ReturnLease,
)
COUNTER_COMMANDS: tuple[type[c.Cmd], ...] = (
    c.CallNext,
    c.CallTicket,
    c.Recall,
    c.StartServing,
    c.NoShow,
    c.CompleteStep,
    c.Transfer,
    c.ReturnToQueue,
    c.Park,
    c.OpenCounter,
    c.PauseCounter,
    c.CloseCounter,
)
SUPERVISOR_ONLY: tuple[type[c.Cmd], ...] = (
    c.MoveVisitor,
    c.PostNotice,
    c.WithdrawNotice,
    c.SetAlertThreshold,
)
CLERK_VISIT_COMMANDS: tuple[type[c.Cmd], ...] = (
    c.CompleteProcedure,
    c.AddProcedure,
    c.MarkForms,
    c.Unpark,
)


def authorize(actor: c.Actor, command: c.Command, state: SiteState, site: Site) -> None:
    """Raise Rejected('forbidden') unless ``actor`` may send ``command`` now."""
    if actor.role == "supervisor":
        return
    if isinstance(command, SUPERVISOR_ONLY):
        raise Rejected("forbidden", f"only a supervisor may send {type(command).__name__}")
    if actor.role == "guide" and isinstance(command, GUIDE_COMMANDS):
        return
    if actor.role == "clerk":
        if isinstance(command, c.CounterCmd) and isinstance(command, COUNTER_COMMANDS):
            cid = command.counter
            if not site.has_counter(cid):
                raise Rejected("unknown_counter", f"no counter {cid!r}", "$.counter")
            if site.counter(cid).department == actor.department:
                return
            raise Rejected("forbidden", "this counter belongs to another department")
        if (
            isinstance(command, c.VisitCmd)
            and isinstance(command, CLERK_VISIT_COMMANDS)
            and _visit_is_ours(actor, command.visit, state, site)
        ):
            return
    raise Rejected("forbidden", f"a {actor.role} may not send {type(command).__name__}")


def _visit_is_ours(actor: c.Actor, ref: str, state: SiteState, site: Site) -> bool:
    """True when the visitor is at, or waiting for, a counter of the clerk's department."""
    visit = state.visits.get(ref) or state.visits.get(state.tickets.get(ref.upper(), ""))
    if visit is None:
        return True  # let decide answer "unknown_visit", which tells the clerk more
    step = visit.step
    if step is None:
        return True  # decide answers "visit_closed"
    if step.counter:
        return site.has_counter(step.counter) and (
            site.counter(step.counter).department == actor.department
        )
    return any(
        step.queue in counter.queues
        for counter in site.counters
        if counter.department == actor.department
    )
