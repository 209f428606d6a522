"""Retention of staff notes: what is blanked from old log records.

Staff notes (the intake note, handoff notes, park notes, cancellation reasons, why a visit
is protected) may hold personal details. After the configured retention they are removed from
the log itself; the rest of each record (numbers, procedures, times, actors) stays for the
daily figures and audit.
"""

from __future__ import annotations

import msgspec

from server.domain import events as ev

PURGED = ""


def without_notes(record: ev.Record) -> ev.Record:
    """The record with every free-text note blanked (unchanged if it holds none)."""
    events = [_strip(event) for event in record.events]
    if all(a is b for a, b in zip(events, record.events, strict=True)):
        return record
    return msgspec.structs.replace(record, events=events)


def _strip(event: ev.Event) -> ev.Event:
    match event:
        case ev.VisitCreated(intake=intake) | ev.IntakeUpdated(intake=intake) if intake.note:
            return msgspec.structs.replace(
                event, intake=msgspec.structs.replace(intake, note=PURGED)
            )
        case ev.ProcedureAdded(note=note) | ev.Transferred(note=note) | ev.Parked(note=note) if (
            note
        ):
            return msgspec.structs.replace(event, note=PURGED)
        case ev.VisitCancelled(reason=reason) | ev.VisitProtected(reason=reason) if reason:
            return msgspec.structs.replace(event, reason=PURGED)
    return event
