"""Rate limits on commands, per connection and per actor: a burst of 20, then 5 a second, and
new visits per guide per minute. Over the limit: ``rate_limited``, nothing changed, nothing
written (real server, real WebSocket clients)."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import httpx

from server.security.ratelimit import BURST, PER_SECOND, VISITS_BURST
from tests.support.desk import INTAKE
from tests.support.live import Client, LiveServer, login

SITE = "shimogyo"


def seq(server: LiveServer) -> int:
    value: int = httpx.get(server.url + "/healthz").json()["sites"][SITE]["seq"]
    return value


async def flood(client: Client, commands: list[dict[str, Any]]) -> dict[str, int]:
    """Send every command at once while reading the replies; count them by outcome."""
    outcomes: dict[str, int] = {}

    async def read() -> None:
        while sum(outcomes.values()) < len(commands):
            message = await client.recv(timeout=60)
            if message["type"] in ("ack", "error"):
                key = "ack" if message["type"] == "ack" else message["code"]
                outcomes[key] = outcomes.get(key, 0) + 1

    reader = asyncio.ensure_future(read())
    for i, command in enumerate(commands):
        await client.ws.send(json.dumps({"type": "command", "id": f"f-{i}", "command": command}))
    await asyncio.wait_for(reader, 120)
    return outcomes


async def test_a_flood_of_new_visits_from_one_guide_is_cut_to_the_limit(live: LiveServer) -> None:
    guide = await Client.connect(live, login(live, "guide01", "1111"))
    await guide.hello(SITE, {"kind": "floor"})
    before = seq(live)
    started = time.monotonic()
    outcomes = await flood(guide, [{"type": "CreateVisit", "intake": INTAKE}] * 10_000)
    elapsed = time.monotonic() - started
    assert set(outcomes) == {"ack", "rate_limited"}, outcomes
    # A few more tokens may drip in while the flood lasts (10 a minute).
    assert VISITS_BURST <= outcomes["ack"] <= VISITS_BURST + 1 + int(elapsed / 6), outcomes
    assert seq(live) - before == outcomes["ack"]  # the log grew by the visits only
    # The series is not used up and other staff are not slowed down.
    other = await Client.connect(live, login(live, "super01", "9999"))
    assert (await other.hello(SITE, {"kind": "floor"}))["type"] == "snapshot"
    ack = await other.command("other-1", {"type": "CreateVisit", "intake": INTAKE})
    assert ack["type"] == "ack", ack
    assert int(ack["ticket"][1:]) == outcomes["ack"] + 1
    for client in (guide, other):
        await client.close()


async def test_a_burst_then_five_a_second_per_connection_and_per_actor(live: LiveServer) -> None:
    cookie = login(live, "clerk-shimin", "2222")
    panel = await Client.connect(live, cookie)
    await panel.hello(SITE, {"kind": "counter"})
    before = seq(live)
    # The counter is closed: each command is refused by the rules, but each one counts.
    burst = await flood(panel, [{"type": "CallNext", "counter": "c1"}] * (BURST + 10))
    assert burst.get("rate_limited", 0) >= 9, burst
    assert seq(live) == before
    emptied = time.monotonic()
    await asyncio.sleep(1.0)
    again = await flood(panel, [{"type": "CallNext", "counter": "c1"}] * 10)
    refilled = PER_SECOND * (time.monotonic() - emptied)  # tokens since the burst ran dry
    assert 4 <= 10 - again.get("rate_limited", 0) <= refilled + 1, again
    # The same clerk on a second connection shares the actor's bucket.
    emptied = time.monotonic()
    phone = await Client.connect(live, cookie)
    await phone.hello(SITE, {"kind": "counter"})
    second = await flood(phone, [{"type": "CallNext", "counter": "c1"}] * 10)
    refilled = PER_SECOND * (time.monotonic() - emptied)
    assert 10 - second.get("rate_limited", 0) <= refilled + 1, second
    # Over HTTP as well, with the same code.
    with httpx.Client(headers={"Cookie": cookie, "Origin": live.url}) as http:
        replies = [
            http.post(
                f"{live.url}/api/sites/{SITE}/commands",
                json={"id": f"http-{i}", "command": {"type": "CallNext", "counter": "c1"}},
            )
            for i in range(BURST + 10)
        ]
    limited = [r for r in replies if r.status_code == 429]
    assert limited and all(r.json()["code"] == "rate_limited" for r in limited)
    assert seq(live) == before
    for client in (panel, phone):
        await client.close()
