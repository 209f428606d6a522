"""Wire protocol: typed client messages and the server's replies (see docs/protocol.md)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

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
    """Send this connection a ``beat`` every second (see ``server.heartbeat``)."""


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
MESSAGE_TYPES = ("hello", "command", "ping", "viewed")

_decoder = msgspec.json.Decoder(ClientMessage)
_command_decoder = msgspec.json.Decoder(CommandMessage)
_encoder = msgspec.json.Encoder()


def decode_message(data: str | bytes) -> ClientMessage:
    """Decode one client message or raise Rejected with ``malformed``/``invalid`` and a path."""
    try:
        return _decoder.decode(data)
    except msgspec.ValidationError as exc:
        raise _validation_error(exc, data) from None
    except msgspec.DecodeError:
        raise Rejected("malformed") from None
    except RecursionError:
        raise _too_deep() from None


def decode_command(data: bytes) -> CommandMessage:
    """Decode the body of an HTTP command request (same shape as the WebSocket message)."""
    try:
        return _command_decoder.decode(data)
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


PONG = '{"type":"pong"}'


def encode(message: dict[str, Any]) -> str:
    return _encoder.encode(message).decode()


def error_message(exc: Rejected, command_id: str = "") -> str:
    body: dict[str, Any] = {"type": "error", "code": exc.code, "message": exc.message}
    if exc.path:
        body["path"] = exc.path
    if command_id:
        body["id"] = command_id
    return encode(body)
