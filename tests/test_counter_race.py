"""Many clerks pressing "call next" at once over real WebSockets: never the same visitor twice."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from tests.support.live import Client, LiveServer, login
from tests.support.panel import MOVED_IN, SITE

# Every counter that calls from general reception (queue A), across two departments.
COUNTERS = {
    "c1": ("clerk-shimin", "2222"),
    "c2": ("clerk-shimin", "2222"),
    "c3": ("clerk-shimin", "2222"),
    "c4": ("clerk-shimin", "2222"),
    "c30": ("clerk-shimin", "2222"),
    "c5": ("clerk-hoken", "2223"),
    "c6": ("clerk-hoken", "2223"),
}


@pytest.fixture
def live(tmp_path: Path) -> Iterator[LiveServer]:
    """One clerk id stands in for the clerks of five counters, all at machine speed: past the
    rate limits of a person (server/security/ratelimit.py), which are not what is tested here."""
    server = LiveServer(tmp_path, MADOGUCHI_RATE_LIMITS="0")
    server.start()
    yield server
    server.stop()


@pytest.fixture
async def clerks(live: LiveServer) -> AsyncIterator[dict[str, Client]]:
    cookies = {who: login(live, *who) for who in set(COUNTERS.values())}
    out: dict[str, Client] = {}
    for counter, who in COUNTERS.items():
        client = await Client.connect(live, cookies[who])
        department = "shimin" if who[0] == "clerk-shimin" else "hoken"
        await client.hello(SITE, {"kind": "counter", "department": department})
        ack = await client.command(f"open-{counter}", {"type": "OpenCounter", "counter": counter})
        assert ack["type"] == "ack", ack
        out[counter] = client
    yield out
    for client in out.values():
        await client.close()


async def test_simultaneous_call_next_hands_each_visitor_to_one_counter(
    live: LiveServer, clerks: dict[str, Client]
) -> None:
    guide = await Client.connect(live, login(live, "guide01", "1111"))
    await guide.hello(SITE, {"kind": "floor"})
    seen: set[str] = set()
    # Fewer, as many as, and more visitors than counters.
    for round_no, visitors in enumerate((3, len(COUNTERS), len(COUNTERS) + 2)):
        for i in range(visitors):
            ack = await guide.command(
                f"g-{round_no}-{i}", {"type": "CreateVisit", "intake": MOVED_IN}
            )
            assert ack["type"] == "ack", ack
        replies = await asyncio.gather(
            *(
                client.command(
                    f"call-{round_no}-{counter}", {"type": "CallNext", "counter": counter}
                )
                for counter, client in clerks.items()
            )
        )
        called = [r for r in replies if r["type"] == "ack"]
        refused = [r for r in replies if r["type"] == "error"]
        assert len(called) == min(visitors, len(COUNTERS))
        assert {r["code"] for r in refused} <= {"queue_empty"}

        # Every counter's view agrees: distinct visitors, none called before.
        last = max(r["seq"] for r in called)
        await guide.until(lambda m, last=last: m.get("seq", 0) >= last)
        at_counters = [
            c["visit"] for c in guide.entities["counters"].values() if c["id"] in COUNTERS
        ]
        busy = [v for v in at_counters if v]
        assert len(busy) == len(set(busy)) == len(called)
        assert not seen & set(busy)
        seen |= set(busy)

        finished = await asyncio.gather(
            *(
                clerks[c["id"]].command(
                    f"done-{round_no}-{c['id']}", {"type": "CompleteStep", "counter": c["id"]}
                )
                for c in guide.entities["counters"].values()
                if c["id"] in COUNTERS and c["visit"]
            )
        )
        assert all(r["type"] == "ack" for r in finished)
    await guide.close()
