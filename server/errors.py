"""Exceptions and the stable error codes clients see.

Hierarchy::

    MadoguchiError
    ├── ConfigError          a configuration file is missing or wrong (start-up fails)
    ├── Rejected             a command or message is refused; carries a stable ``code``
    ├── PageRefused          a page is not shown: plain-text status, or sign in first
    └── LogError
        ├── Conflict         compare-and-append lost: another writer appended first
        │   └── DuplicateCommand  the command id is already in the log
        └── StoreUnavailable the event-log backend cannot be reached

Clients only ever see ``code`` and ``message`` from :class:`Rejected`; other exceptions are
logged and reported as ``internal`` without details (they may be security-sensitive). Each
code's HTTP status and default message are in ``CODES``; ``server.web.http_errors`` turns a
refusal into its HTTP response.
"""

from __future__ import annotations

from typing import NamedTuple


class Code(NamedTuple):
    """What a client gets for an error code: the HTTP status when it is refused over HTTP
    (a WebSocket error carries no status), and the message when the refusal gives none."""

    status: int
    message: str


# Every stable error code, in one table. Documented in docs/protocol.md. Over HTTP a refusal
# is a client error (4xx) unless the server cannot serve now (503: try again).
CODES: dict[str, Code] = {
    # wire level
    "malformed": Code(400, "the message is not valid JSON"),
    "invalid": Code(400, "the message does not match the protocol"),
    "unknown_type": Code(400, "no such message or command type"),
    "too_large": Code(413, "the message is larger than the limit"),
    "hello_required": Code(409, "send hello before anything else"),
    "not_authenticated": Code(401, "sign in first"),
    "forbidden": Code(403, "your role may not do this"),
    "unknown_site": Code(404, "no such site"),
    "unknown_board": Code(404, "no such board"),
    "unknown_view": Code(404, "no such view"),
    "store_unavailable": Code(503, "the event store cannot be reached; try again"),
    "busy": Code(503, "the site is busy; try again"),
    "rate_limited": Code(429, "too many requests; wait a moment and try again"),
    "internal": Code(500, "internal error"),
    # domain level
    "unknown_visit": Code(404, "no such visit"),
    "unknown_ticket": Code(404, "no such ticket today"),
    "unknown_counter": Code(404, "no such counter"),
    "unknown_queue": Code(404, "no such queue"),
    "unknown_procedure": Code(404, "no such procedure"),
    "unknown_event": Code(404, "no such life event"),
    "unknown_form": Code(404, "no such form for this visit"),
    "invalid_intake": Code(409, "the intake answers are not valid"),
    "no_procedures": Code(409, "the intake yields no procedure that needs a visit"),
    "self_service_available": Code(
        409, "every procedure can be done by self-service; override to issue a ticket"
    ),
    "queue_empty": Code(409, "nobody is waiting for this counter"),
    "counter_closed": Code(409, "the counter is not open"),
    "counter_busy": Code(409, "the counter already has a visitor"),
    "counter_idle": Code(409, "the counter has no visitor"),
    "not_waiting": Code(409, "the visitor is not waiting in a queue this counter serves"),
    "not_serving": Code(409, "the visitor is not being served yet"),
    "already_done": Code(409, "this is already done"),
    "visit_closed": Code(409, "the visit is already finished or cancelled"),
    "not_parked": Code(409, "the visit is not parked"),
    "stepped_out": Code(409, "the visitor has stepped out; mark them back first"),
    "not_out": Code(409, "the visitor has not stepped out"),
    "step_out_off": Code(409, "this office does not take step-outs"),
    "same_queue": Code(409, "the visitor is already in that queue"),
    "queue_not_serving": Code(409, "that line serves none of the visitor's open procedures"),
    "unknown_notice": Code(404, "no such notice on the boards"),
    "not_leased": Code(409, "this number is not leased to this phone today"),
    "lease_full": Code(409, "the phone already holds its full lease"),
    "expired": Code(409, "the command arrived too late to be carried out; nothing was changed"),
    # bereavement corner (booth mode; issue 22b)
    "no_booths": Code(409, "this office has no bereavement corner"),
    "unknown_booth": Code(404, "no such booth"),
    "unknown_reservation": Code(404, "no such booth reservation"),
    "booth_taken": Code(
        409, "another clerk has already taken this booth request, or the booth is in use"
    ),
    "no_booth_free": Code(409, "every booth is in use or held for a reservation"),
    "booth_not_attended": Code(409, "a department of this plan does not come to the booths"),
    "not_at_booth": Code(409, "the visitor is in a line, not seated at a booth"),
    "at_booth": Code(409, "the family sits at a booth: take the request instead of calling"),
    "not_today": Code(409, "the reservation is for another day"),
    "slot_full": Code(409, "every booth is booked for this slot"),
    # the boards' call audio (/speech/...)
    "unknown_version": Code(404, "the call wording has changed; ask for the speech status again"),
    "no_voice": Code(404, "the server has no voice for this language"),
    "speech_failed": Code(503, "the call could not be rendered; the board captions it"),
    "unknown_kiosk": Code(404, "no such ticket machine"),
    "unknown_purpose": Code(404, "no such purpose on the ticket machine"),
    "unknown_printer": Code(404, "no such printer"),
    "printer_busy": Code(503, "the printer's queue is full; print from the browser"),
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
        self.message = message or CODES[code].message
        self.path = path
        super().__init__(f"{code}: {self.message}")


class PageRefused(MadoguchiError):
    """A page is not shown to this request: ``status`` with a plain-text ``text`` (403, 404),
    or, with a ``location``, a redirect there (303: sign in first)."""

    def __init__(self, status: int, text: str = "", location: str = "") -> None:
        self.status = status
        self.text = text
        self.location = location
        super().__init__(f"{status}: {text or location}")


class LogError(MadoguchiError):
    """The event log could not complete an operation."""


class Conflict(LogError):
    """Compare-and-append failed: the log is at ``actual_seq``, not the expected one."""

    def __init__(self, site_id: str, expected_seq: int, actual_seq: int) -> None:
        self.site_id = site_id
        self.expected_seq = expected_seq
        self.actual_seq = actual_seq
        super().__init__(f"{site_id}: expected seq {expected_seq}, log is at {actual_seq}")


class DuplicateCommand(Conflict):
    """The log already holds this command id (another process applied it): ack it again."""


class StoreUnavailable(LogError):
    """The backend (e.g. Redis) is unreachable; commands are refused until it is back."""
