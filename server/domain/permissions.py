"""Who may send which command. Checked inside ``decide`` so every entry point shares it.

The rule book is data: :data:`GRANTS` names, for every command, what each role needs to send
it, and :func:`may_complete` is the procedure × department matrix a clerk's work is checked
against.

- guide: intake work (create, edit, forms, cancel, deflect, bring a parked visitor back);
- clerk: the counters of their own department, the visitors their department holds, and
  only the procedures their department owns (``Procedure.department``). On a line marked
  ``shared = true`` in the site's file (a one-stop counter) every department of the line may
  also complete the line's other departments' procedures. Adding a procedure of another
  department (the plan's procedure C, a hand-on with a note) is allowed for a visitor the
  clerk's department holds;
- supervisor: everything, including what only a supervisor does (move a waiting visitor to
  another queue, notices on the lobby boards, alert thresholds);
- visitor (their own page, by its token): step out and back for their own visit only, where
  the site lets visitors mark it themselves (``step_out.self_mark``);
- kiosk (a walk-in ticket machine, an enrolled device): creates visits and records a visitor
  sent to self-service, at its own site only (the transport's gate checks the site);
- display: nothing (it only reads).
"""

from __future__ import annotations

from typing import Literal

from server.config.schema import Procedures, Site
from server.domain import commands as c
from server.domain.state import SiteState, Visit
from server.errors import Rejected

Scope = Literal["counter", "visit", "procedure", "step"]
"""What a clerk's command is checked against:

- ``counter``: the named counter belongs to the clerk's department;
- ``visit``: the named visitor is held by the clerk's department (at one of its counters, or
  waiting, parked or writing forms for a step it has work in);
- ``procedure``: the clerk's department may complete the named procedure (:func:`may_complete`);
- ``step``: the counter is the department's and every unfinished procedure of the step its
  visitor is on is one the department may complete (finishing a step completes them all).
"""


class Grant:
    """Who may send one command type: ``guide`` True for intake work; ``clerk`` the scope it
    is checked against, or None when clerks may not send it; ``visitor`` True for what a
    visitor's own page may do; ``kiosk`` True for what a ticket machine does. Supervisors may
    send anything."""

    __slots__ = ("clerk", "guide", "kiosk", "visitor")

    def __init__(
        self,
        guide: bool = False,
        clerk: Scope | None = None,
        visitor: bool = False,
        kiosk: bool = False,
    ) -> None:
        self.guide = guide
        self.clerk = clerk
        self.visitor = visitor
        self.kiosk = kiosk


GRANTS: dict[type[c.Cmd], Grant] = {
    c.CreateVisit: Grant(guide=True, kiosk=True),
    c.UpdateIntake: Grant(guide=True),
    c.RecordDeflection: Grant(guide=True, kiosk=True),
    c.MarkForms: Grant(guide=True, clerk="visit"),
    c.CancelVisit: Grant(guide=True),
    c.LeaseNumbers: Grant(guide=True),
    c.ReturnLease: Grant(guide=True),
    c.Unpark: Grant(guide=True, clerk="visit"),
    c.StepOut: Grant(guide=True, clerk="visit", visitor=True),
    c.StepBack: Grant(guide=True, clerk="visit", visitor=True),
    c.LapseOutings: Grant(),
    c.CallNext: Grant(clerk="counter"),
    c.CallTicket: Grant(clerk="counter"),
    c.Recall: Grant(clerk="counter"),
    c.StartServing: Grant(clerk="counter"),
    c.NoShow: Grant(clerk="counter"),
    c.CompleteProcedure: Grant(clerk="procedure"),
    c.CompleteStep: Grant(clerk="step"),
    c.AddProcedure: Grant(clerk="visit"),
    c.Transfer: Grant(clerk="counter"),
    c.ReturnToQueue: Grant(clerk="counter"),
    c.Park: Grant(clerk="counter"),
    c.OpenCounter: Grant(clerk="counter"),
    c.PauseCounter: Grant(clerk="counter"),
    c.CloseCounter: Grant(clerk="counter"),
    c.AssignQueues: Grant(),
    c.CloseDay: Grant(),
    c.MoveVisitor: Grant(),
    c.PostNotice: Grant(),
    c.WithdrawNotice: Grant(),
    c.SetAlertThreshold: Grant(),
    # bereavement corner (issue 22b)
    c.SeatAtBooth: Grant(guide=True),
    c.TakeBoothVisit: Grant(clerk="counter"),
    c.ReserveBooth: Grant(guide=True),
    c.CancelBoothReservation: Grant(guide=True),
    # Protected visits: marked at intake (CreateVisit.protect) or later by a guide or a
    # clerk whose department holds the visitor; unmarked by a supervisor only.
    c.MarkProtected: Grant(guide=True, clerk="visit"),
    c.UnmarkProtected: Grant(),
}


def may_complete(site: Site, procedures: Procedures, department: str, procedure: str) -> bool:
    """Whether a clerk of ``department`` may complete ``procedure`` at ``site``: its owner
    may; so may the other departments of the line that handles it here, when the site marks
    that line ``shared``. An unknown procedure is left to ``decide`` (``unknown_procedure``)."""
    proc = procedures.procedures.get(procedure)
    if proc is None or proc.department == department:
        return True
    try:
        line = site.queue_for(procedure, proc.department)
    except KeyError:
        return False
    return line.shared and department in line.departments and proc.department in line.departments


def authorize(
    actor: c.Actor, command: c.Command, state: SiteState, site: Site, procedures: Procedures
) -> None:
    """Raise Rejected('forbidden') unless ``actor`` may send ``command`` now."""
    if actor.role == "supervisor":
        return
    grant = GRANTS[type(command)]
    if (actor.role == "guide" and grant.guide) or (actor.role == "kiosk" and grant.kiosk):
        return
    if actor.role == "visitor" and grant.visitor:
        assert isinstance(command, c.VisitCmd)
        if _visit_of(state, command.visit) != visitor_visit(actor):
            raise Rejected("forbidden", "a visitor's page acts for its own visit only")
        return
    if actor.role != "clerk" or grant.clerk is None:
        raise Rejected("forbidden", f"a {actor.role} may not send {type(command).__name__}")
    match grant.clerk:
        case "counter" | "step":
            assert isinstance(command, c.CounterCmd)
            _own_counter(actor, command.counter, site)
            if grant.clerk == "step":
                _own_step(actor, command.counter, state, site, procedures)
        case "procedure":
            assert isinstance(command, c.CompleteProcedure)
            if not may_complete(site, procedures, actor.department, command.procedure):
                raise Rejected("forbidden", "this procedure belongs to another department")
        case "visit":
            assert isinstance(command, c.VisitCmd)
            if not _visit_is_ours(actor, command.visit, state, site, procedures):
                raise Rejected("forbidden", "this visitor is with another department")


def visitor_actor(visit_id: str) -> c.Actor:
    """The actor a visitor's own page sends as (its token opened the page: the log records
    the visit, never the token)."""
    return c.Actor(f"visitor:{visit_id}", "visitor")


def visitor_visit(actor: c.Actor) -> str:
    """The visit a visitor actor may act for."""
    return actor.id.removeprefix("visitor:")


def _visit_of(state: SiteState, ref: str) -> str:
    visit = state.visits.get(ref) or state.visits.get(state.tickets.get(ref.upper(), ""))
    return visit.id if visit is not None else ""


def _own_counter(actor: c.Actor, cid: str, site: Site) -> None:
    if not site.has_counter(cid):
        raise Rejected("unknown_counter", f"no counter {cid!r}", "$.counter")
    if site.counter(cid).department != actor.department:
        raise Rejected("forbidden", "this counter belongs to another department")


def _own_step(
    actor: c.Actor, cid: str, state: SiteState, site: Site, procedures: Procedures
) -> None:
    """Finishing a step completes every procedure on it: each must be the clerk's to do."""
    visit = state.visits.get(state.counter(cid).visit)
    if visit is None or visit.step is None:
        return  # decide answers "counter_idle"
    others = [
        item.id
        for item in visit.step.procedures
        if not item.done and not may_complete(site, procedures, actor.department, item.id)
    ]
    if others:
        raise Rejected(
            "forbidden",
            "procedures of another department remain on this step (" + ", ".join(others) + "):"
            " complete yours, then transfer the visitor or let that department finish",
        )


def _visit_is_ours(
    actor: c.Actor, ref: str, state: SiteState, site: Site, procedures: Procedures
) -> bool:
    """True when the clerk's department holds the visitor: at one of its counters, or (not
    at a counter) on a step of a line it serves with work of its own still to do."""
    visit: Visit | None = state.visits.get(ref) or state.visits.get(
        state.tickets.get(ref.upper(), "")
    )
    if visit is None:
        return True  # let decide answer "unknown_visit", which tells the clerk more
    step = visit.step
    if step is None:
        return True  # decide answers "visit_closed"
    if step.counter:
        return site.has_counter(step.counter) and (
            site.counter(step.counter).department == actor.department
        )
    serves = any(
        step.queue in counter.queues
        for counter in site.counters
        if counter.department == actor.department
    )
    return serves and any(
        not item.done and may_complete(site, procedures, actor.department, item.id)
        for item in step.procedures
    )


def on_itinerary(visit: Visit, department: str, site: Site, procedures: Procedures) -> bool:
    """Whether a department has part in a visit: a procedure of its own on any step, or a
    step at one of its counters. Only then may its clerks reprint the visitor's ticket (whose
    QR code is the visitor's private link)."""
    for step in visit.steps:
        at = site.counter(step.counter) if site.has_counter(step.counter) else None
        if at is not None and at.department == department:
            return True
        for item in step.procedures:
            proc = procedures.procedures.get(item.id)
            if proc is not None and proc.department == department:
                return True
    return False
