"""How long each command may wait before it is acted on: its shelf life.

A guide's intake typed on a phone whose Wi-Fi dropped is still the visitor's intake an hour
later, so it may wait in the phone's outbox until the hub hears it. A call that summons a
person to a counter is not: a "call next" carried out a minute and a half after the clerk
pressed it calls someone to a counter the clerk may have left. Those commands are never kept
for later (screens refuse them while offline), and the hub refuses one that arrives older
than the configured limit (``MADOGUCHI_SUMMON_MAX_AGE``) with the code ``expired``.

The table below is the one source of the rule: the hub sends the never-late command types to
staff screens in ``welcome`` and docs/protocol.md lists it per command.
"""

from __future__ import annotations

from typing import Literal

from server.domain import commands as c

Shelf = Literal["outbox", "never_late"]
"""``outbox``: may wait until the hub hears it (guide's work, counter bookkeeping, supervisor
settings). ``never_late``: summons a person; refused offline, expired after the limit."""

SHELF_LIFE: dict[type[c.Cmd], Shelf] = {
    c.CreateVisit: "outbox",
    c.UpdateIntake: "outbox",
    c.RecordDeflection: "outbox",
    c.MarkForms: "outbox",
    c.CallNext: "never_late",
    c.CallTicket: "never_late",
    c.Recall: "never_late",
    c.StartServing: "outbox",
    c.NoShow: "outbox",
    c.CompleteProcedure: "outbox",
    c.CompleteStep: "outbox",
    c.AddProcedure: "outbox",
    c.Transfer: "outbox",
    c.ReturnToQueue: "outbox",
    c.Park: "outbox",
    c.Unpark: "outbox",
    c.StepOut: "outbox",
    c.StepBack: "outbox",
    c.LapseOutings: "outbox",
    c.CancelVisit: "outbox",
    c.OpenCounter: "outbox",
    c.PauseCounter: "outbox",
    c.CloseCounter: "outbox",
    c.AssignQueues: "outbox",
    c.CloseDay: "outbox",
    c.LeaseNumbers: "outbox",
    c.ReturnLease: "outbox",
    c.MoveVisitor: "outbox",
    c.PostNotice: "outbox",
    c.WithdrawNotice: "outbox",
    c.SetAlertThreshold: "outbox",
    # bereavement corner (issue 22b): a take sent late sends a clerk to a family another
    # clerk may already be with, so it is never kept for later.
    c.SeatAtBooth: "outbox",
    c.TakeBoothVisit: "never_late",
    c.ReserveBooth: "outbox",
    c.CancelBoothReservation: "outbox",
    # Protected visits: the panel offers marking only while live (online only, so the clerk
    # never believes a mark that has not reached the boards); sent, it must not be lost.
    c.MarkProtected: "outbox",
    c.UnmarkProtected: "outbox",
}

NEVER_LATE: tuple[str, ...] = tuple(
    sorted(kind.__name__ for kind, shelf in SHELF_LIFE.items() if shelf == "never_late")
)
"""The wire names of the commands that summon someone (sent to staff screens)."""


def deadline(command: c.Command, sent_at: float | None, max_age: float) -> float | None:
    """The latest time (server clock, seconds) ``command`` may still be decided, or None when
    it may wait. ``sent_at`` is when the client sent it, on the server's clock; without it
    (an integration that does not say) the command counts as sent now."""
    if sent_at is None or SHELF_LIFE[type(command)] != "never_late":
        return None
    return sent_at + max_age
