"""Booth mode on two hub processes sharing Redis (issue 22b): two clerks on different
processes take the same booth request at the same moment; the log's compare-and-append lets
exactly one of them have it, every time."""

from __future__ import annotations

import asyncio

import msgspec

from server.domain.events import BoothVisitTaken
from tests.support.harness import BEREAVED
from tests.support.live import LiveServer
from tests.support.redis_proc import RedisServer
from tests.support.scaleout import pair, read_log, staff

__all__ = ["pair"]  # the two-process fixture, shared with the scale-out tests
ROUNDS = 6


async def test_two_processes_never_hand_one_booth_request_to_two_clerks(
    pair: tuple[LiveServer, LiveServer], redis_server: RedisServer
) -> None:
    a, b = pair
    guides = [await staff(s, "guide01", "1111", {"kind": "floor"}) for s in (a, b)]
    view = {"kind": "counter", "department": "hoken"}
    clerks = {"c5": await staff(a, "clerk-hoken", "2223", view)}
    clerks["c6"] = await staff(b, "clerk-hoken", "2223", view)
    for counter, client in clerks.items():
        ack = await client.command(f"open-{counter}", {"type": "OpenCounter", "counter": counter})
        assert ack["type"] == "ack", ack
    for n in range(ROUNDS):
        guide = guides[n % 2]
        seated = await guide.command(
            f"seat-{n}", {"type": "SeatAtBooth", "intake": msgspec.to_builtins(BEREAVED)}
        )
        assert seated["type"] == "ack", seated
        visit = seated["visit"]
        replies = await asyncio.gather(
            *(
                client.command(
                    f"take-{n}-{counter}",
                    {"type": "TakeBoothVisit", "counter": counter, "visit": visit},
                )
                for counter, client in clerks.items()
            )
        )
        assert sorted(r["type"] for r in replies) == ["ack", "error"], replies
        assert next(r for r in replies if r["type"] == "error")["code"] == "booth_taken"
        # The family is done with insurance; the booth frees for the next round.
        winner = next(c for (c, r) in zip(clerks, replies, strict=True) if r["type"] == "ack")
        done = await clerks[winner].command(
            f"done-{n}", {"type": "CompleteStep", "counter": winner}
        )
        assert done["type"] == "ack", done
        cancel = await guide.command(f"end-{n}", {"type": "CancelVisit", "visit": visit})
        assert cancel["type"] == "ack", cancel
    taken = [
        e.visit
        for record in await read_log(redis_server.url)
        for e in record.events
        if isinstance(e, BoothVisitTaken)
    ]
    assert len(taken) == ROUNDS == len(set(taken))
    for client in [*guides, *clerks.values()]:
        await client.close()
