"""Commands with a shelf life: a call that summons someone is never carried out late.

The rule in the pure core (``server.domain.shelf_life``), then the hub over the raw protocol:
a summoning command older than the limit is refused with ``expired`` and nothing changes,
whatever the client's clock says; a repeat of one already carried out is acknowledged again.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import msgspec
import pytest

from server.domain import commands as c
from server.domain.intake import Intake
from server.domain.shelf_life import NEVER_LATE, SHELF_LIFE, deadline
from server.errors import Rejected
from tests.support.desk import INTAKE, SITE
from tests.support.harness import Office, clerk, rejected
from tests.support.live import Client, LiveServer, http_command, login

RECEPTION = clerk("shimin")
LIMIT = 10.0


def test_every_command_type_states_its_shelf_life() -> None:
    union = c.Command.__args__
    assert set(SHELF_LIFE) == set(union)
    # Taking a booth request sends a clerk to a family (issue 22b): never late either.
    assert NEVER_LATE == ("CallNext", "CallTicket", "Recall", "TakeBoothVisit")


def test_only_summoning_commands_have_a_deadline() -> None:
    assert deadline(c.CallNext("c1"), 100.0, LIMIT) == 110.0
    assert deadline(c.CallNext("c1"), None, LIMIT) is None  # an integration that does not say
    assert deadline(c.CompleteStep("c1"), 100.0, LIMIT) is None
    assert deadline(c.CreateVisit(msgspec.convert(INTAKE, Intake)), 100.0, LIMIT) is None


def test_a_late_call_is_refused_and_changes_nothing(office: Office) -> None:
    office.open("c1")
    visit = office.create()
    sent = office.now - 11
    before = office.state.seq
    with pytest.raises(Rejected) as info:
        office.run(c.CallNext("c1"), RECEPTION, not_after=sent + LIMIT)
    assert info.value.code == "expired"
    assert office.state.seq == before
    assert office.visit(visit.id).status == "waiting"
    # Within the limit it is carried out.
    office.run(c.CallNext("c1"), RECEPTION, not_after=office.now - 9 + LIMIT)
    assert office.visit(visit.id).status == "called"


def test_expired_is_checked_after_permissions(office: Office) -> None:
    office.open("c1")
    office.create()
    # A display may never call, late or not: the refusal says so rather than "expired".
    display = c.Actor("lobby", "display")
    rejected(office, c.CallNext("c1"), "forbidden", display)


# --- the hub over the raw protocol -----------------------------------------------------------


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    live = LiveServer(tmp_path_factory.mktemp("shelf-life"))
    live.start()
    yield live
    live.stop()


@pytest.fixture
async def clerk_ws(server: LiveServer) -> AsyncIterator[Client]:
    """Reception's clerk at counter 1, on a fresh day with one visitor waiting."""
    assert http_command(server, ("super01", "9999"), {"type": "CloseDay"})["type"] == "ack"
    client = await Client.connect(server, login(server, "clerk-shimin", "2222"))
    yield client
    await client.close()


async def command_at(
    client: Client, command: dict[str, Any], at: float, command_id: str = ""
) -> dict[str, Any]:
    """Send ``command`` stamped ``at`` (client clock, ms); read its ack or error."""
    command_id = command_id or f"t-{uuid.uuid4()}"
    await client.send({"type": "command", "id": command_id, "command": command, "at": at})
    return await client.until(lambda m: m["type"] in ("ack", "error") and m.get("id") == command_id)


async def at_counter(server: LiveServer, client: Client, skew: float) -> tuple[str, float]:
    """Hello with a clock ``skew`` seconds off the server's, open counter 1 and register a
    visitor; return their ticket and the client's clock offset."""
    await client.hello(
        SITE, {"kind": "counter", "department": "shimin"}, clock=(time.time() + skew) * 1000
    )
    opened = await command_at(
        client, {"type": "OpenCounter", "counter": "c1"}, (time.time() + skew) * 1000
    )
    assert opened["type"] == "ack", opened
    ack = http_command(server, ("guide01", "1111"), {"type": "CreateVisit", "intake": INTAKE})
    await client.until_seen(lambda: ack["visit"] in client.entities.get("visits", {}))
    return str(ack["ticket"]), skew


def client_ms(skew: float, age: float) -> float:
    """The client's clock reading ``age`` seconds ago."""
    return (time.time() + skew - age) * 1000


def counter_visit(client: Client) -> str:
    return str(client.entities["counters"]["c1"].get("visit") or "")


# An hour slow, on time, five minutes fast: the age is read on the server's clock either way.
SKEWS = [
    pytest.param(-3600.0, id="client-an-hour-slow"),
    pytest.param(0.0, id="same-clock"),
    pytest.param(300.0, id="client-5-min-fast"),
]


@pytest.mark.parametrize("skew", SKEWS)
async def test_the_hub_refuses_a_stale_call_next_and_changes_nothing(
    server: LiveServer, clerk_ws: Client, skew: float
) -> None:
    await at_counter(server, clerk_ws, skew)
    seq_before = clerk_ws.seq
    late = await command_at(clerk_ws, {"type": "CallNext", "counter": "c1"}, client_ms(skew, 20))
    assert late["type"] == "error" and late["code"] == "expired", late
    # Nothing changed: no record, nobody at the counter.
    await clerk_ws.send({"type": "ping"})
    await clerk_ws.until(lambda m: m["type"] == "pong")
    assert clerk_ws.seq == seq_before
    assert counter_visit(clerk_ws) == ""
    fresh = await command_at(clerk_ws, {"type": "CallNext", "counter": "c1"}, client_ms(skew, 2))
    assert fresh["type"] == "ack", fresh
    # The delta of one's own command comes with (before) its ack.
    assert counter_visit(clerk_ws) != ""


async def test_recall_and_call_by_ticket_expire_too_but_other_counter_actions_may_wait(
    server: LiveServer, clerk_ws: Client
) -> None:
    ticket, skew = await at_counter(server, clerk_ws, 0.0)
    old = client_ms(skew, 60)
    called = await command_at(
        clerk_ws, {"type": "CallTicket", "counter": "c1", "visit": ticket}, old
    )
    assert called["code"] == "expired", called
    called = await command_at(
        clerk_ws, {"type": "CallTicket", "counter": "c1", "visit": ticket}, client_ms(skew, 1)
    )
    assert called["type"] == "ack", called
    recall = await command_at(clerk_ws, {"type": "Recall", "counter": "c1"}, old)
    assert recall["code"] == "expired", recall
    # Bookkeeping a minute old is still the clerk's work: it is carried out.
    started = await command_at(clerk_ws, {"type": "StartServing", "counter": "c1"}, old)
    assert started["type"] == "ack", started
    done = await command_at(clerk_ws, {"type": "CompleteStep", "counter": "c1"}, old)
    assert done["type"] == "ack", done


async def test_a_repeat_of_a_call_already_made_is_acknowledged_whatever_its_age(
    server: LiveServer, clerk_ws: Client
) -> None:
    """The ack was lost with the link: the retry must tell the clerk the call happened."""
    _, skew = await at_counter(server, clerk_ws, 0.0)
    first = await command_at(
        clerk_ws, {"type": "CallNext", "counter": "c1"}, client_ms(skew, 0), "call-once"
    )
    assert first["type"] == "ack"
    again = await command_at(
        clerk_ws, {"type": "CallNext", "counter": "c1"}, client_ms(skew, 30), "call-once"
    )
    assert again["type"] == "ack" and again["duplicate"] is True, again


async def test_a_delayed_ping_does_not_make_a_late_call_look_fresh(
    server: LiveServer, clerk_ws: Client
) -> None:
    """A ping that sat 40 s in a dead link reads as a 40 s larger offset; the hub keeps the
    smallest one seen, so a call sent 20 s ago is still 20 s old."""
    _, skew = await at_counter(server, clerk_ws, 0.0)
    await clerk_ws.send({"type": "ping", "clock": client_ms(skew, 40)})
    await clerk_ws.until(lambda m: m["type"] == "pong")
    late = await command_at(clerk_ws, {"type": "CallNext", "counter": "c1"}, client_ms(skew, 20))
    assert late["code"] == "expired", late


def test_over_http_at_is_read_on_the_servers_clock(server: LiveServer) -> None:
    assert http_command(server, ("super01", "9999"), {"type": "CloseDay"})["type"] == "ack"
    who = ("clerk-shimin", "2222")
    assert http_command(server, who, {"type": "OpenCounter", "counter": "c1"})["type"] == "ack"
    http_command(server, ("guide01", "1111"), {"type": "CreateVisit", "intake": INTAKE})
    with server.signed_in(who[0], who[1]) as http:
        body = {
            "id": "http-late",
            "command": {"type": "CallNext", "counter": "c1"},
            "at": (time.time() - 30) * 1000,
        }
        reply = http.post(f"/api/sites/{SITE}/commands", json=body)
        assert reply.status_code == 409 and reply.json()["code"] == "expired", reply.text
        body = {"id": "http-fresh", "command": {"type": "CallNext", "counter": "c1"}}
        assert http.post(f"/api/sites/{SITE}/commands", json=body).json()["type"] == "ack"
