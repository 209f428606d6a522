"""Bad input over the wire: each gets a documented code, the connection and the state survive."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
import websockets
from websockets.exceptions import ConnectionClosed, InvalidStatus

from tests.support.desk import INTAKE, SITE
from tests.support.live import Client, LiveServer, login


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    live = LiveServer(tmp_path_factory.mktemp("bad-input"))
    live.start()
    yield live
    live.stop()


@pytest.fixture
async def guide(server: LiveServer) -> AsyncIterator[Client]:
    client = await Client.connect(server, login(server, "guide01", "1111"))
    await client.hello(SITE, {"kind": "floor"})
    yield client
    await client.close()


def seq(server: LiveServer) -> int:
    value: int = httpx.get(server.url + "/healthz").json()["sites"][SITE]["seq"]
    return value


async def error_for(client: Client, raw: str | bytes) -> dict[str, Any]:
    await client.ws.send(raw)
    reply = await client.until(lambda m: m["type"] == "error")
    # The connection survives: it still answers.
    await client.send({"type": "ping"})
    await client.until(lambda m: m["type"] == "pong")
    return reply


# The red-team frame: 2 KB nested 1,000 deep (it closed the socket with a traceback).
DEEP = '{"x": ' + "[" * 1000 + "]" * 1000 + ', "type": "ping"}'
DEEP_COMMAND = '{"type": "command", "id": "d1", "command": ' + '{"a": ' * 1000 + "1" + "}" * 1001


@pytest.mark.parametrize(
    ("raw", "code", "path"),
    [
        pytest.param("{not json", "malformed", None, id="malformed-json"),
        pytest.param(b"\xff\xfe", "malformed", None, id="binary-garbage"),
        pytest.param('{"type": "shout"}', "unknown_type", "$.type", id="unknown-message"),
        pytest.param(
            '{"type": "command", "id": "x1", "command": {"type": "Explode"}}',
            "unknown_type",
            "$.command.type",
            id="unknown-command",
        ),
        pytest.param(
            '{"type": "command", "id": "x2", "command": {"type": "CallNext", "counter": 7}}',
            "invalid",
            "$.command.counter",
            id="wrong-field-type",
        ),
        pytest.param(
            '{"type": "command", "id": "x3", "command": {"type": "CallNext"}}',
            "invalid",
            "$.command",
            id="missing-field",
        ),
        pytest.param(
            '{"type": "command", "id": "", "command": {"type": "CloseDay"}}',
            "invalid",
            "$.id",
            id="empty-command-id",
        ),
        pytest.param("[1, 2, 3]", "invalid", None, id="not-an-object"),
        pytest.param(DEEP, "invalid", None, id="nested-1000-deep"),
        pytest.param(DEEP_COMMAND, "invalid", None, id="command-nested-1000-deep"),
        pytest.param("[" * 1000 + "]" * 1000, "invalid", None, id="bare-array-1000-deep"),
    ],
)
async def test_malformed_messages_get_an_error_and_change_nothing(
    server: LiveServer, guide: Client, raw: str | bytes, code: str, path: str | None
) -> None:
    before = seq(server)
    reply = await error_for(guide, raw)
    assert reply["code"] == code
    assert reply["message"]
    if path is not None:
        assert reply["path"] == path
    assert seq(server) == before


@pytest.mark.parametrize(
    ("command", "code"),
    [
        pytest.param(
            {"type": "CancelVisit", "visit": "Z999"}, "unknown_visit", id="unknown-ticket"
        ),
        pytest.param(
            {"type": "MarkForms", "visit": "v000000000000"}, "unknown_visit", id="unknown-visit-id"
        ),
        pytest.param({"type": "CallNext", "counter": "c1"}, "forbidden", id="guide-may-not-call"),
        pytest.param({"type": "CloseDay"}, "forbidden", id="guide-may-not-close-the-day"),
        pytest.param(
            {"type": "CreateVisit", "intake": {"events": ["tennyu"], "answers": {"children": -1}}},
            "invalid_intake",
            id="negative-count",
        ),
        pytest.param(
            {
                "type": "CreateVisit",
                "intake": {
                    "events": ["shomeisho"],
                    "answers": {
                        "wants_jumin_hyo": True,
                        "has_my_number_card": True,
                        "knows_pin": True,
                    },
                },
            },
            "self_service_available",
            id="self-service-only",
        ),
    ],
)
async def test_refused_commands_leave_the_state_unchanged(
    server: LiveServer, guide: Client, command: dict[str, Any], code: str
) -> None:
    before = seq(server)
    reply = await guide.command(f"bad-{code}-{before}", command)
    assert (reply["type"], reply["code"]) == ("error", code)
    assert seq(server) == before


async def test_invalid_state_commands_are_refused(server: LiveServer) -> None:
    clerk = await Client.connect(server, login(server, "clerk-hagukumi", "4444"))
    await clerk.hello(SITE, {"kind": "counter", "department": "hagukumi"})
    assert (await clerk.command("hq-0", {"type": "CallNext", "counter": "c40"}))[
        "code"
    ] == "counter_closed"
    await clerk.command("hq-1", {"type": "OpenCounter", "counter": "c41"})
    before = seq(server)
    reply = await clerk.command("hq-2", {"type": "CallNext", "counter": "c41"})
    assert reply["code"] == "queue_empty"
    reply = await clerk.command("hq-3", {"type": "CompleteStep", "counter": "c41"})
    assert reply["code"] == "counter_idle"
    reply = await clerk.command("hq-4", {"type": "CallNext", "counter": "nowhere"})
    assert reply["code"] == "unknown_counter"
    reply = await clerk.command("hq-5", {"type": "CallNext", "counter": "c1"})
    assert reply["code"] == "forbidden"
    assert seq(server) == before
    await clerk.close()


async def test_commands_need_hello_and_staff(server: LiveServer) -> None:
    anonymous = await Client.connect(server)
    reply = await anonymous.command("a-1", {"type": "CloseDay"})
    assert reply["code"] == "hello_required"
    assert (await anonymous.hello(SITE, {"kind": "floor"}))["code"] == "not_authenticated"
    assert (await anonymous.hello("atlantis", {"kind": "floor"}))["code"] == "unknown_site"
    assert (await anonymous.hello(SITE, {"kind": "visitor", "token": "guess"}))[
        "code"
    ] == "unknown_visit"
    board = await Client.connect(server, query="?device=demo-board-lobby-1f-token")
    await board.hello(SITE, {"kind": "board", "board": "lobby-1f"})
    assert (await board.command("d-1", {"type": "CloseDay"}))["code"] == "forbidden"
    assert (await board.hello(SITE, {"kind": "board", "board": "lobby-2f"}))["code"] == "forbidden"
    assert (await board.hello(SITE, {"kind": "floor"}))["code"] == "forbidden"
    clerk = await Client.connect(server, login(server, "clerk-choju", "3333"))
    assert (await clerk.hello(SITE, {"kind": "counter", "department": "shimin"}))[
        "code"
    ] == "forbidden"
    for client in (anonymous, board, clerk):
        await client.close()


async def test_oversize_messages(server: LiveServer, guide: Client) -> None:
    before = seq(server)
    big = json.dumps(
        {
            "type": "command",
            "id": "big",
            "command": {"type": "CancelVisit", "visit": "x", "reason": "あ" * 30_000},
        }
    )
    reply = await error_for(guide, big)
    assert reply["code"] == "too_large"
    # Past the frame limit the server closes with 1009 (message too big).
    with pytest.raises(ConnectionClosed) as info:
        await guide.ws.send("x" * (2 * 1024 * 1024))
        await guide.recv(timeout=5)
    assert info.value.rcvd is not None and info.value.rcvd.code == 1009
    assert seq(server) == before


async def test_a_foreign_origin_is_refused(server: LiveServer) -> None:
    with pytest.raises(InvalidStatus) as info:
        await websockets.connect(server.ws_url, origin=websockets.Origin("https://evil.example"))
    assert info.value.response.status_code == 403
    response = httpx.post(
        server.url + "/api/login",
        json={"id": "guide01", "pin": "1111"},
        headers={"Origin": "https://evil.example"},
    )
    assert response.status_code == 403


async def test_a_repeated_command_is_applied_once_and_acked_again(
    server: LiveServer, guide: Client
) -> None:
    before = seq(server)
    command = {"type": "CreateVisit", "intake": INTAKE}
    first = await guide.command("once-1", command)
    second = await guide.command("once-1", command)
    assert first["ticket"] == second["ticket"]
    assert (first["duplicate"], second["duplicate"]) == (False, True)
    assert seq(server) == before + 1


async def test_a_connection_dropped_mid_command_loses_nothing(server: LiveServer) -> None:
    cookie = login(server, "guide01", "1111")
    before = seq(server)
    flaky = await Client.connect(server, cookie)
    await flaky.hello(SITE, {"kind": "floor"})
    await flaky.send(
        {"type": "command", "id": "flaky-1", "command": {"type": "CreateVisit", "intake": INTAKE}}
    )
    flaky.ws.transport.abort()  # Wi-Fi gone before the ack arrives
    await asyncio.sleep(0.2)
    retry = await Client.connect(server, cookie)
    await retry.hello(SITE, {"kind": "floor"})
    ack = await retry.command("flaky-1", {"type": "CreateVisit", "intake": INTAKE})
    assert ack["type"] == "ack"
    assert seq(server) == before + 1
    tickets = [v["ticket"] for v in retry.entities["visits"].values() if v["id"] == ack["visit"]]
    assert tickets == [ack["ticket"]]
    await retry.close()


async def test_deep_nesting_is_refused_over_http_and_logs_no_traceback(
    server: LiveServer, guide: Client
) -> None:
    with server.signed_in("guide01", "1111") as http:
        for body in (DEEP, DEEP_COMMAND):
            reply = http.post(f"/api/sites/{SITE}/commands", content=body)
            assert reply.status_code == 400
            assert reply.json()["code"] == "invalid"
    for _ in range(3):
        assert (await error_for(guide, DEEP))["code"] == "invalid"
    log = server.log_path.read_text()
    assert "RecursionError" not in log and "Traceback" not in log, log[-3000:]
