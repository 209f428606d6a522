"""Server messages: the JSON each typed message encodes to (docs/protocol.md), field by field."""

from __future__ import annotations

import json
from typing import Any

import msgspec

from server.domain.shelf_life import NEVER_LATE
from server.errors import Rejected
from server.live.heartbeat import BEAT
from server.live.protocol import (
    PONG,
    Delta,
    Snapshot,
    SnapshotView,
    Status,
    Synced,
    Welcome,
    encode,
    error_message,
)
from server.live.site_hub import Ack, acknowledgement


def sent(text: str) -> dict[str, Any]:
    message: dict[str, Any] = json.loads(text)
    return message


def test_a_welcome_names_the_staff_commands_only_for_staff() -> None:
    anonymous = Welcome(1, "v1", "shimogyo", "e1", "board", False, "")
    assert sent(encode(anonymous)) == {
        "type": "welcome",
        "protocol": 1,
        "version": "v1",
        "site": "shimogyo",
        "epoch": "e1",
        "role": "board",
        "stale": False,
        "actor": "",
    }
    staff = Welcome(1, "v1", "shimogyo", "e1", "clerk", True, "clerk-1", NEVER_LATE, 10.0)
    assert sent(encode(staff)) == {
        **sent(encode(anonymous)),
        "role": "clerk",
        "stale": True,
        "actor": "clerk-1",
        "never_late": list(NEVER_LATE),
        "summon_max_age": 10.0,
    }


def test_deltas_and_snapshots_carry_encoded_entities_as_they_are() -> None:
    raw = msgspec.Raw(b'{"id":"42","ticket":"A012"}')
    delta = Delta("s", "e", 42, {"calls": {"42": raw}}, {"calls": ["33"]})
    assert sent(encode(delta)) == {
        "type": "delta",
        "site": "s",
        "epoch": "e",
        "seq": 42,
        "upsert": {"calls": {"42": {"id": "42", "ticket": "A012"}}},
        "remove": {"calls": ["33"]},
    }
    board = Snapshot("s", "e", 41, SnapshotView("board", ""), {"calls": {"42": raw}})
    assert sent(encode(board)) == {
        "type": "snapshot",
        "site": "s",
        "epoch": "e",
        "seq": 41,
        "view": {"kind": "board", "scope": ""},
        "entities": {"calls": {"42": {"id": "42", "ticket": "A012"}}},
    }
    visitor = Snapshot("s", "e", 41, SnapshotView("visitor"), {})
    assert sent(encode(visitor))["view"] == {"kind": "visitor"}


def test_status_synced_pong_and_beat() -> None:
    assert sent(encode(Status("s", True))) == {"type": "status", "site": "s", "stale": True}
    assert sent(encode(Synced("s", "e", 7))) == {
        "type": "synced",
        "site": "s",
        "epoch": "e",
        "seq": 7,
    }
    assert sent(PONG) == {"type": "pong"}
    assert sent(BEAT) == {"type": "beat"}


def test_an_ack_carries_a_new_visit_even_with_an_empty_ticket() -> None:
    plain = {"type": "ack", "id": "c1", "seq": 3, "duplicate": False}
    assert sent(encode(acknowledgement("c1", Ack(3)))) == plain
    protected = Ack(4, duplicate=True, visit="v1", ticket="", token="t")
    expected = {**plain, "seq": 4, "duplicate": True, "visit": "v1", "ticket": "", "token": "t"}
    assert sent(encode(acknowledgement("c1", protected))) == expected


def test_an_error_names_its_path_and_command_only_when_known() -> None:
    assert sent(error_message(Rejected("busy"))) == {
        "type": "error",
        "code": "busy",
        "message": Rejected("busy").message,
    }
    assert sent(error_message(Rejected("invalid", "bad", "$.seq"), "c1")) == {
        "type": "error",
        "code": "invalid",
        "message": "bad",
        "path": "$.seq",
        "id": "c1",
    }
