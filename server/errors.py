"""Exceptions and the stable error codes clients see.

Hierarchy::

    MadoguchiError
    ├── ConfigError          a configuration file is missing or wrong (start-up fails)
    ├── Rejected             a command or message is refused; carries a stable ``code``
    └── LogError
        ├── Conflict         compare-and-append lost: another writer appended first
        │   └── DuplicateCommand  the command id is already in the log
        └── StoreUnavailable the event-log backend cannot be reached

Clients only ever see ``code`` and ``message`` from :class:`Rejected`; other exceptions are
logged and reported as ``internal`` without details (they may be security-sensitive).
"""

from __future__ import annotations

# Stable error codes, with the default message sent to clients. Documented in docs/protocol.md.
CODES: dict[str, str] = {
    # wire level
    "malformed": "the message is not valid JSON",
    "invalid": "the message does not match the protocol",
    "unknown_type": "no such message or command type",
    "too_large": "the message is larger than the limit",
    "hello_required": "send hello before anything else",
    "not_authenticated": "sign in first",
    "forbidden": "your role may not do this",
    "unknown_site": "no such site",
    "unknown_board": "no such board",
    "unknown_view": "no such view",
    "store_unavailable": "the event store cannot be reached; try again",
    "busy": "the site is busy; try again",
    "rate_limited": "too many requests; wait a moment and try again",
    "internal": "internal error",
    # domain level
    "unknown_visit": "no such visit",
    "unknown_ticket": "no such ticket today",
    "unknown_counter": "no such counter",
    "unknown_queue": "no such queue",
    "unknown_procedure": "no such procedure",
    "unknown_event": "no such life event",
    "unknown_form": "no such form for this visit",
    "invalid_intake": "the intake answers are not valid",
    "no_procedures": "the intake yields no procedure that needs a visit",
    "self_service_available": (
        "every procedure can be done by self-service; override to issue a ticket"
    ),
    "queue_empty": "nobody is waiting for this counter",
    "counter_closed": "the counter is not open",
    "counter_busy": "the counter already has a visitor",
    "counter_idle": "the counter has no visitor",
    "not_waiting": "the visitor is not waiting in a queue this counter serves",
    "not_serving": "the visitor is not being served yet",
    "already_done": "this is already done",
    "visit_closed": "the visit is already finished or cancelled",
    "not_parked": "the visit is not parked",
    "stepped_out": "the visitor has stepped out; mark them back first",
    "not_out": "the visitor has not stepped out",
    "step_out_off": "this office does not take step-outs",
    "same_queue": "the visitor is already in that queue",
    "queue_not_serving": "that line serves none of the visitor's open procedures",
    "unknown_notice": "no such notice on the boards",
    "not_leased": "this number is not leased to this phone today",
    "lease_full": "the phone already holds its full lease",
    "expired": "the command arrived too late to be carried out; nothing was changed",
    # bereavement corner (booth mode; issue 22b)
    "no_booths": "this office has no bereavement corner",
    "unknown_booth": "no such booth",
    "unknown_reservation": "no such booth reservation",
    "booth_taken": "another clerk has already taken this booth request, or the booth is in use",
    "no_booth_free": "every booth is in use or held for a reservation",
    "booth_not_attended": "a department of this plan does not come to the booths",
    "not_at_booth": "the visitor is in a line, not seated at a booth",
    "at_booth": "the family sits at a booth: take the request instead of calling",
    "not_today": "the reservation is for another day",
    "slot_full": "every booth is booked for this slot",
    # the boards' call audio (/speech/...)
    "unknown_version": "the call wording has changed; ask for the speech status again",
    "no_voice": "the server has no voice for this language",
    "speech_failed": "the call could not be rendered; the board captions it",
    "unknown_kiosk": "no such ticket machine",
    "unknown_purpose": "no such purpose on the ticket machine",
    "unknown_printer": "no such printer",
    "printer_busy": "the printer's queue is full; print from the browser",
}


class MadoguchiError(Exception):
    """Base class of every exception this package raises on purpose."""


class ConfigError(MadoguchiError):
    """A configuration file is missing or invalid; the message names file, key and expectation."""


class Rejected(MadoguchiError):
    """A command or message is refused with a stable ``code`` and a human ``message``."""

    def __init__(self, code: str, message: str = "", path: str = "") -> None:
        if code not in CODES:
            raise ValueError(f"unknown error code {code!r}")
        self.code = code
        self.message = message or CODES[code]
        self.path = path
        super().__init__(f"{code}: {self.message}")


class LogError(MadoguchiError):
    """The event log could not complete an operation."""


class Conflict(LogError):
    """Compare-and-append failed: the log is at ``actual_seq``, not the expected one."""

    def __init__(self, site: str, expected_seq: int, actual_seq: int) -> None:
        self.site = site
        self.expected_seq = expected_seq
        self.actual_seq = actual_seq
        super().__init__(f"{site}: expected seq {expected_seq}, log is at {actual_seq}")


class DuplicateCommand(Conflict):
    """The log already holds this command id (another process applied it): ack it again."""


class StoreUnavailable(LogError):
    """The backend (e.g. Redis) is unreachable; commands are refused until it is back."""
