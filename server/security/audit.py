"""The audit trail of a site for a date range: who changed what, who read which visit's
details, who signed in; from the logs alone.

Every record of a site's log carries its actor and time (who changed what). Reading a visit's
details (``VisitViewed``), sign-ins, failed sign-ins and ended sessions are in the security
log. Rows name visits by ticket number and id and never carry personal texts (notes, reasons,
intake answers): the audit trail says who touched a visit, the visit says what it holds.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import msgspec

from server.domain import events as ev
from server.domain.events import Record

# What of an event names its target (never a personal text).
TARGET_FIELDS = (
    "visit",
    "counter",
    "queue",
    "procedure",
    "notice",
    "date",
    "staff",
    "department",
    "why",
)
HEADER = ["time", "actor", "role", "action", "ticket", "visit", "target", "address"]


class AuditRow(msgspec.Struct, frozen=True):
    time: str
    actor: str
    role: str
    action: str
    ticket: str
    visit: str
    target: str
    address: str = ""

    def cells(self) -> list[str]:
        return [
            self.time,
            self.actor,
            self.role,
            self.action,
            self.ticket,
            self.visit,
            self.target,
            self.address,
        ]


def audit_rows(
    site_id: str,
    timezone: str,
    site_records: list[Record],
    security_records: list[Record],
    start: float,
    end: float,
    site_staff: set[str],
) -> list[AuditRow]:
    """Rows for ``start <= at < end``: the site's records, its visits read, and the sign-ins
    of staff of the site (``site_staff``), in time order."""
    zone = ZoneInfo(timezone)
    tickets: dict[str, str] = {}
    rows: list[tuple[float, AuditRow]] = []
    for record in site_records:
        for event in record.events:
            if isinstance(event, ev.VisitCreated):
                tickets[event.visit] = f"{event.series}{event.number:03d}"
            if start <= record.at < end:
                rows.append((record.at, _row(record, event, zone, tickets)))
    for record in security_records:
        if not start <= record.at < end:
            continue
        rows.extend(
            (record.at, _row(record, event, zone, tickets))
            for event in record.events
            if _concerns(event, record, site_id, site_staff)
        )
    rows.sort(key=lambda pair: pair[0])
    return [row for _, row in rows]


def _concerns(event: ev.Event, record: Record, site_id: str, site_staff: set[str]) -> bool:
    """Whether a security-log event belongs to this site's trail."""
    if isinstance(event, ev.VisitViewed):
        return event.site == site_id
    if isinstance(event, ev.SignedIn | ev.SignInFailed | ev.SessionsEnded):
        return event.staff in site_staff or record.actor.id in site_staff
    return False


def _row(record: Record, event: ev.Event, zone: ZoneInfo, tickets: dict[str, str]) -> AuditRow:
    fields: dict[str, Any] = msgspec.structs.asdict(event)
    visit = str(fields.get("visit", ""))
    target = " ".join(
        f"{name}={fields[name]}"
        for name in TARGET_FIELDS
        if name != "visit" and isinstance(fields.get(name), str) and fields[name]
    )
    if isinstance(event, ev.VisitViewed):
        target = f"view={event.view}"
    return AuditRow(
        time=dt.datetime.fromtimestamp(record.at, zone).isoformat(timespec="seconds"),
        actor=record.actor.id,
        role=record.actor.role,
        action=type(event).__name__,
        ticket=tickets.get(visit, ""),
        visit=visit,
        target=target,
        address=str(fields.get("address", "")),
    )


def matches(row: AuditRow, visit: str, staff: str) -> bool:
    """The ``visit`` (id or ticket number) and ``staff`` filters of a query."""
    if visit and visit.lower() not in (row.visit.lower(), row.ticket.lower()):
        return False
    return not staff or staff == row.actor or f"staff={staff}" in row.target.split()
