"""Protected visits on the real wire: a real server, real WebSocket clients for every lobby
board, the public page, a guide's floor view, the protected visitor's own page and another
visitor's; a short morning with protected visitors called, recalled, transferred and marked at
the counter. Every message each of them received is searched for the protected tickets.
(tests/test_protected_day.py does the same over a whole generated day in the pure core.)"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.desk import BOARD_TOKENS
from tests.support.live import Client, LiveServer, login
from tests.support.panel import MOVED_IN

SITE = "shimogyo"
GUIDE = ("guide01", "1111")
CLERK = ("clerk-shimin", "2222")
TICKET = re.compile(r"\b[A-Z]\d{3}\b")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    live = LiveServer(tmp_path_factory.mktemp("wire"), MADOGUCHI_RATE_LIMITS="0")
    live.start()
    yield live
    live.stop()


_ids = iter(range(1, 10**6))


async def run(client: Client, kind: str, **fields: Any) -> dict[str, Any]:
    reply = await client.command(f"w{next(_ids)}", {"type": kind, **fields})
    assert reply["type"] == "ack", reply
    return reply


def test_no_message_to_a_screen_without_need_to_know_carries_a_protected_ticket(
    server: LiveServer,
) -> None:
    since: dict[str, dict[str, int]] = {}

    async def scenario() -> tuple[dict[str, Client], set[str], list[str]]:
        watchers: dict[str, Client] = {}
        for board, token in BOARD_TOKENS.items():
            client = await Client.connect(server, origin=server.url)
            await client.hello(SITE, {"kind": "board", "board": board}, device_token=token)
            watchers[f"board {board}"] = client
        watchers["public"] = await Client.connect(server, origin=server.url)
        await watchers["public"].hello(SITE, {"kind": "public"})
        guide = await Client.connect(server, login(server, *GUIDE), origin=server.url)
        await guide.hello(SITE, {"kind": "floor"})
        watchers["floor"] = guide

        clerk = await Client.connect(server, login(server, *CLERK), origin=server.url)
        await clerk.hello(SITE, {"kind": "counter", "department": "shimin"})
        await run(clerk, "OpenCounter", counter="c1")
        await run(clerk, "OpenCounter", counter="c2")
        protected: set[str] = set()
        plain: list[str] = []
        tokens: dict[str, str] = {}
        for i in range(6):
            extra = {"protect": "支援措置"} if i in (1, 4) else {}
            ack = await run(guide, "CreateVisit", intake=MOVED_IN, **extra)
            tokens[ack["visit"]] = ack["token"]
            if extra:
                assert ack["ticket"] == ""
        # The real tickets, as only supervisors see them.
        sup = await Client.connect(server, login(server, "super01", "9999"), origin=server.url)
        await sup.hello(SITE, {"kind": "supervisor"})
        for vid, visit in sup.entities["visits"].items():
            if vid in tokens and visit["protected"]:
                protected.add(visit["ticket"])
            elif vid in tokens:
                plain.append(visit["ticket"])
        first = next(v for v in tokens if sup.entities["visits"][v]["protected"])
        for vid, label in ((first, "visitor protected"), (next(iter(tokens)), "visitor other")):
            client = await Client.connect(server, origin=server.url)
            await client.hello(SITE, {"kind": "visitor", "token": tokens[vid]})
            watchers[label] = client

        async def drain() -> None:
            for client in watchers.values():
                try:
                    while True:
                        await client.recv(0.02)
                except TimeoutError:
                    pass

        # A morning at two counters: calls, recalls, one marked at the counter, a transfer.
        marked = transferred = False
        for _ in range(6):
            for counter in ("c1", "c2"):
                reply = await clerk.command(
                    f"w{next(_ids)}", {"type": "CallNext", "counter": counter}
                )
                if reply["type"] != "ack":
                    continue
                seq = (await run(clerk, "Recall", counter=counter))["seq"]
                await drain()
                at_counter = await _current(sup, counter, seq)
                if not marked and not at_counter["protected"]:
                    marked = True
                    # What the screens got before the mark may carry it; nothing after.
                    since[at_counter["ticket"]] = {n: len(c.raw) for n, c in watchers.items()}
                    await run(clerk, "MarkProtected", visit=at_counter["id"], reason="証人")
                    protected.add(at_counter["ticket"])
                    plain.remove(at_counter["ticket"])
                    await run(clerk, "Recall", counter=counter)
                await run(clerk, "StartServing", counter=counter)
                if not transferred and at_counter["protected"]:
                    transferred = True
                    await run(clerk, "Transfer", counter=counter, queue="B", note="戸籍へ")
                else:
                    await run(clerk, "CompleteStep", counter=counter)
                await drain()
        await drain()
        for client in (*watchers.values(), clerk, sup):  # what they received stays in .raw
            await client.close()
        return watchers, protected, plain

    async def _current(sup: Client, counter: str, seq: int) -> dict[str, Any]:
        """The visit at ``counter`` as the supervisor's view shows it once at ``seq``."""
        if sup.seq < seq:
            await sup.until(lambda m: sup.seq >= seq)
        visit: dict[str, Any] = sup.entities["visits"][sup.entities["counters"][counter]["visit"]]
        return visit

    watchers, protected, plain = asyncio.run(scenario())
    assert len(protected) == 3 and len(since) == 1
    boards_saw: set[str] = set()
    for name, client in watchers.items():
        assert client.raw, name
        seen = {t for raw in client.raw for t in TICKET.findall(raw)}
        for ticket in protected:
            after = client.raw[since.get(ticket, {}).get(name, 0) :]
            assert not any(ticket in TICKET.findall(raw) for raw in after), f"{name}: {ticket}"
        if name.startswith("board"):
            boards_saw |= seen
    # The boards did call the others (the search can find a ticket when there is one).
    assert set(plain) & boards_saw
