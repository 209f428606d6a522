"""Wire protocol: typed client messages and the server's replies (see docs/protocol.md).

Both directions are msgspec tagged unions (``"type"`` names the message). Client messages are
decoded by one decoder built once (:func:`decode_message`); server messages are built where
their content is known and encoded there once (:func:`encode`): a delta fanned out to ten
thousand boards is one ``str`` handed to every one of them.
"""

from __future__ import annotations

from typing import Annotated, Literal, TypeVar

import msgspec

from server.domain.commands import Command
from server.errors import Rejected

CommandId = Annotated[str, msgspec.Meta(min_length=1, max_length=64, pattern=r"^[\w.:-]+$")]
PROTOCOL_VERSION = 1


class ViewRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Which projection a client wants: ``board`` (with ``board``), ``counter`` (with
    ``department``), ``floor`` (guides, supervisors), ``supervisor`` (the floor view with
    alerts, the watch list and posted notices; supervisors only) or ``visitor`` (with
    ``token``)."""

    kind: Literal["board", "counter", "floor", "visitor", "supervisor", "public"]
    board: str = ""
    department: str = ""
    token: str = ""


class Hello(msgspec.Struct, frozen=True, tag="hello", tag_field="type", forbid_unknown_fields=True):
    site: str
    view: ViewRequest
    seq: int | None = None
    epoch: str | None = None
    device_token: str = ""
    clock: float | None = None
    """The client's clock (ms since the epoch) when it sent this: see ``ClockOffset``."""
    heartbeat: bool = False
    """Send this connection a ``beat`` every second (see ``server.live.heartbeat``)."""


class CommandMessage(
    msgspec.Struct, frozen=True, tag="command", tag_field="type", forbid_unknown_fields=True
):
    id: CommandId
    command: Command
    at: float | None = None
    """When the client sent the command first (its clock, ms): gives the command's age."""


class Ping(msgspec.Struct, frozen=True, tag="ping", tag_field="type", forbid_unknown_fields=True):
    clock: float | None = None


class Viewed(
    msgspec.Struct, frozen=True, tag="viewed", tag_field="type", forbid_unknown_fields=True
):
    """A staff screen opened a visit's details: recorded for the audit trail."""

    visit: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]


ClientMessage = Hello | CommandMessage | Ping | Viewed

_decoder = msgspec.json.Decoder(ClientMessage)
_command_decoder = msgspec.json.Decoder(CommandMessage)
_encoder = msgspec.json.Encoder()


T = TypeVar("T")


def decode_message(data: str | bytes) -> ClientMessage:
    """Decode one client message or raise Rejected with ``malformed``/``invalid`` and a path."""
    return _decode(_decoder, data)


def decode_command(data: bytes) -> CommandMessage:
    """Decode the body of an HTTP command request (same shape as the WebSocket message)."""
    return _decode(_command_decoder, data)


def _decode(decoder: msgspec.json.Decoder[T], data: str | bytes) -> T:
    try:
        return decoder.decode(data)
    except msgspec.ValidationError as exc:
        raise _validation_error(exc, data) from None
    except msgspec.DecodeError:
        raise Rejected("malformed") from None
    except RecursionError:
        raise _too_deep() from None


def _too_deep() -> Rejected:
    # msgspec skips or decodes nested values recursively: a small frame of a thousand open
    # brackets reaches Python's recursion limit. No protocol message nests more than a few
    # levels, so this is simply not a protocol message.
    return Rejected("invalid", "the message is nested too deeply")


def _validation_error(exc: msgspec.ValidationError, data: str | bytes) -> Rejected:
    text = str(exc)
    message, _, path = text.partition(" - at `")
    path = path.rstrip("`")
    if path.endswith(".type") and message.startswith("Invalid value"):
        return Rejected("unknown_type", message, path)
    return Rejected("invalid", message, path)


class _IdOnly(msgspec.Struct):
    id: str = ""


_id_decoder = msgspec.json.Decoder(_IdOnly)


def command_id_of(data: str | bytes) -> str:
    """Best-effort id of a message that failed to decode, so the error can name it."""
    try:
        value = _id_decoder.decode(data).id
    except (msgspec.DecodeError, RecursionError):  # ValidationError is a DecodeError
        return ""
    return value if len(value) <= 64 else ""


# --- server -> client ----------------------------------------------------------------------
# Optional fields are left out of the JSON when they have no value, as clients expect
# (``omit_defaults``); a field that is present on some messages even when empty (an ack's
# ``ticket`` of a protected visit) is ``UNSET`` rather than "" when absent.


class Welcome(msgspec.Struct, tag="welcome", tag_field="type", omit_defaults=True):
    """The answer to a hello: who the connection is and which log it reads."""

    protocol: int
    version: str
    site: str
    epoch: str
    role: str
    stale: bool
    actor: str
    never_late: tuple[str, ...] | msgspec.UnsetType = msgspec.UNSET
    """Staff only: the commands a screen must not keep for later (see ``shelf_life``)."""
    summon_max_age: float | msgspec.UnsetType = msgspec.UNSET


class SnapshotView(msgspec.Struct, omit_defaults=True):
    """Which view a snapshot is of (a visitor's carries no scope: that is its token)."""

    kind: str
    scope: str | msgspec.UnsetType = msgspec.UNSET


class Snapshot(msgspec.Struct, tag="snapshot", tag_field="type"):
    """A whole view: every entity, already encoded, by collection and id."""

    site: str
    epoch: str
    seq: int
    view: SnapshotView
    entities: dict[str, dict[str, msgspec.Raw]]


class Delta(msgspec.Struct, tag="delta", tag_field="type"):
    """A view's changes since the previous ``seq``: entities replaced whole, ids removed."""

    site: str
    epoch: str
    seq: int
    upsert: dict[str, dict[str, msgspec.Raw]]
    remove: dict[str, list[str]]


class Synced(msgspec.Struct, tag="synced", tag_field="type"):
    """A resumed connection has been sent every delta it missed."""

    site: str
    epoch: str
    seq: int


class Status(msgspec.Struct, tag="status", tag_field="type"):
    """The site's live state may be out of date (the store is unreachable), or is fresh."""

    site: str
    stale: bool


class Acknowledgement(msgspec.Struct, tag="ack", tag_field="type", omit_defaults=True):
    """An applied command (again, with ``duplicate``, for a repeated id). A new visit's id,
    ticket and page token come with it; the ticket may be "" (a protected visitor called in
    person) and is sent all the same."""

    id: str
    seq: int
    duplicate: bool
    visit: str | msgspec.UnsetType = msgspec.UNSET
    ticket: str | msgspec.UnsetType = msgspec.UNSET
    token: str | msgspec.UnsetType = msgspec.UNSET


class ErrorReply(msgspec.Struct, tag="error", tag_field="type", omit_defaults=True):
    """A refused message or command (see the codes in ``server.errors``)."""

    code: str
    message: str
    path: str = ""
    """Where in the message the problem is (``$.command.counter``), when known."""
    id: str = ""
    """The refused command's id, when it could be read."""


class Pong(msgspec.Struct, tag="pong", tag_field="type"):
    """The answer to a ping."""


class Beat(msgspec.Struct, tag="beat", tag_field="type"):
    """The heartbeat a screen asked for in its hello (see ``server.live.heartbeat``)."""


ServerMessage = (
    Welcome | Snapshot | Delta | Synced | Status | Acknowledgement | ErrorReply | Pong | Beat
)


def encode(message: ServerMessage) -> str:
    """The JSON text of a server message."""
    return _encoder.encode(message).decode()


PONG = encode(Pong())


def error_message(exc: Rejected, command_id: str = "") -> str:
    """The reply to a refused message, naming the command when its id is known."""
    return encode(ErrorReply(exc.code, exc.message, exc.path, command_id))
