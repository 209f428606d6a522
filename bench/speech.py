"""Benchmark rows for the boards' server speech: render time per call, and how long after a
board sees a call its audio is ready, cold (nothing rendered ahead) and warm (rendered ahead).

A board plays the chime (1.7 s) the moment it sees the call and fetches the audio meanwhile,
so the voice follows the chime without a gap when the audio is ready within the chime; the
target for a warm call is 300 ms. The board's connection to the server is already open, as a
browser's is.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from pathlib import Path
from typing import Any

import httpx

from bench.measure import BOARD_QUERY, INTAKE, NO_LIMITS, SITE, Row, ms, pct
from tests.support.live import Client, LiveServer, login

CHIME_SECONDS = 1.7
# The registry clerk's counters of queue A: a cold call at each renders its counter part too.
COUNTERS = ["c1", "c2", "c3", "c4", "c30"]


class Desk:
    """A signed-in staff member's HTTP session (kept alive across commands)."""

    def __init__(self, server: LiveServer, who: tuple[str, str]) -> None:
        self.http = httpx.AsyncClient(
            base_url=server.url, timeout=60, headers={"Origin": server.url}
        )
        self.who = who
        self.n = 0

    async def run(self, kind: str, **fields: Any) -> dict[str, Any]:
        if self.n == 0:
            await self.http.post("/api/login", json={"id": self.who[0], "pin": self.who[1]})
        self.n += 1
        body = {"id": f"bench-{self.who[0]}-{self.n}", "command": {"type": kind, **fields}}
        reply: dict[str, Any] = (
            await self.http.post(f"/api/sites/{SITE}/commands", json=body)
        ).json()
        assert reply["type"] == "ack", reply
        return reply


def metric(server: LiveServer, name: str) -> float:
    return figure(httpx.get(server.url + "/metrics").text, name)


def figure(text: str, name: str) -> float:
    return sum(float(line.split()[-1]) for line in text.splitlines() if line.startswith(name))


async def idle(http: httpx.AsyncClient, server: LiveServer, timeout: float = 120) -> None:
    """Until the renderer has nothing queued (and has had a look at the latest change)."""
    await asyncio.sleep(0.7)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        text = (await http.get(server.url + "/metrics")).text
        if figure(text, "madoguchi_speech_queued") == 0:
            return
        await asyncio.sleep(0.05)


RenderTotals = dict[str, tuple[float, float]]


async def render_totals(http: httpx.AsyncClient, server: LiveServer) -> RenderTotals:
    """Per engine, the seconds spent rendering and the segments rendered so far."""
    text = (await http.get(server.url + "/metrics")).text
    name = "madoguchi_speech_render_seconds"
    return {
        engine: (
            figure(text, f'{name}_sum{{engine="{engine}"}}'),
            figure(text, f'{name}_count{{engine="{engine}"}}'),
        )
        for engine in ("open_jtalk", "espeak-ng")
    }


async def calls(
    server: LiveServer, n: int, langs: list[str], warm: bool
) -> tuple[dict[str, list[float]], RenderTotals]:
    """Make ``n`` calls; per language, seconds from the board seeing each call to its audio;
    and what rendering took after the first call (which also loads the engines)."""
    guide, clerk = Desk(server, ("guide01", "1111")), Desk(server, ("clerk-shimin", "2222"))
    board = await Client.connect(server, query=BOARD_QUERY)
    await board.hello(SITE, {"kind": "board", "board": "lobby-1f"})
    waited: dict[str, list[float]] = {lang: [] for lang in langs}
    after_first: RenderTotals = {}
    async with httpx.AsyncClient(timeout=60) as http:
        status = (await http.get(f"{server.url}/speech/{SITE}/status")).json()
        template = server.url + status["url"]
        for _ in range(n + 3):
            await guide.run("CreateVisit", intake=INTAKE)
        for i in range(n):
            counter = COUNTERS[i % len(COUNTERS)] if not warm else "c1"
            if not warm or i == 0:
                await clerk.run("OpenCounter", counter=counter)
            if warm:
                await idle(http, server)
            await clerk.run("CallNext", counter=counter)
            delta = await board.until(lambda m: m["type"] == "delta" and "calls" in m["upsert"])
            seen = time.perf_counter()
            (call,) = [c for c in delta["upsert"]["calls"].values() if not c["recall"]]

            async def fetch(lang: str, call: dict[str, Any] = call, seen: float = seen) -> float:
                url = template.format(lang=lang, ticket=call["ticket"], counter=call["counter"])
                (await http.get(url)).raise_for_status()
                return time.perf_counter() - seen

            # A board fetches every language of the call at once when it queues it.
            for lang, seconds in zip(langs, await asyncio.gather(*map(fetch, langs)), strict=True):
                waited[lang].append(seconds)
            if i == 0:
                after_first = await render_totals(http, server)
            await clerk.run("CompleteStep", counter=counter)
            if not warm:
                await clerk.run("CloseCounter", counter=counter)
        end = await render_totals(http, server)
    await board.close()
    await guide.http.aclose()
    await clerk.http.aclose()
    spent = {k: (end[k][0] - after_first[k][0], end[k][1] - after_first[k][1]) for k in end}
    return waited, spent


def speech_rows(tmp: Path, quick: bool) -> list[Row]:
    """Render time per call, and call → audio ready, cold and warm."""
    n = 2 if quick else 7
    langs = ["ja", "en", "zh", "ko"]
    # Cold: nothing rendered ahead, every call's ticket and counter new to the renderer.
    cold_server = LiveServer(tmp / "speech-cold", MADOGUCHI_SPEECH_AHEAD="0", **NO_LIMITS)
    cold_server.start()
    try:
        login(cold_server, "super01", "9999")
        cold, spent = asyncio.run(calls(cold_server, n + 1, langs, warm=False))
    finally:
        cold_server.stop()
    warm_server = LiveServer(tmp / "speech-warm", **NO_LIMITS)
    warm_server.start()
    try:
        warm, _ = asyncio.run(calls(warm_server, n, langs, warm=True))
        hits = metric(warm_server, 'madoguchi_speech_calls_total{cache="hit"}')
        asked = metric(warm_server, "madoguchi_speech_calls_total")
    finally:
        warm_server.stop()
    # The first cold call also loads Open JTalk's dictionary: shown apart.
    first, ja_cold = cold["ja"][0], cold["ja"][1:]
    warm_all = [s for lang in langs for s in warm[lang]]
    # A cold call renders its ticket's and its counter's parts (the greeting is rendered once).
    jt_sum, jt_segments = spent["open_jtalk"]
    es_sum, es_segments = spent["espeak-ng"]
    return [
        Row(
            "speech: render time per call (ticket + counter parts)",
            f"ja (Open JTalk) {ms(jt_sum / n)}, en·zh·ko (espeak-ng) {ms(es_sum / n / 3)} "
            f"each ({n} calls, {jt_segments + es_segments:.0f} segments)",
        ),
        Row(
            "speech: call → Japanese audio ready, cold (nothing rendered ahead)",
            f"p50 {ms(statistics.median(ja_cold))}, max {ms(max(ja_cold))}; first call of "
            f"the process (loads Open JTalk) {ms(first)}",
            target=f"within the chime ({CHIME_SECONDS:.1f} s)",
            ok=max(ja_cold) <= CHIME_SECONDS if not quick else None,
        ),
        Row(
            "speech: call → audio ready, warm (rendered ahead)",
            f"p50 {ms(statistics.median(warm_all))}, p95 {ms(pct(warm_all, 95))} "
            f"(4 languages × {n} calls; {hits:.0f}/{asked:.0f} calls all cached)",
            target="≤ 300 ms",
            ok=pct(warm_all, 95) <= 0.3 if not quick else None,
        ),
    ]
