"""Server speech against a real server: the audio of a Japanese call is speech, calls are
rendered ahead so the audio is ready the moment a board sees the call, rendering never holds
up the event loop, addresses carry numbers only, and without the Japanese engine the server
says so."""

from __future__ import annotations

import asyncio
import re
import statistics
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pyopenjtalk
import pytest

from server.config.schema import Config
from server.speech import wording
from server.speech.audio import Pcm, from_wav
from tests.support.desk import INTAKE, SITE, Desk
from tests.support.live import Client, LiveServer

BOARD = "?device=demo-board-lobby-1f-token"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    live = LiveServer(tmp_path_factory.mktemp("speech"))
    live.start()
    yield live
    live.stop()


def status(server: LiveServer) -> dict[str, Any]:
    reply: dict[str, Any] = httpx.get(f"{server.url}/speech/{SITE}/status").json()
    return reply


def audio_url(server: LiveServer, lang: str, ticket: str, counter: str) -> str:
    template: str = status(server)["url"]
    return server.url + template.format(lang=lang, ticket=ticket, counter=counter)


def issue(server: LiveServer, count: int = 1) -> list[str]:
    with Desk(server, "guide01", "1111") as guide:
        return [guide.run("CreateVisit", intake=INTAKE)["ticket"] for _ in range(count)]


def metric(server: LiveServer, name: str) -> float:
    text = httpx.get(server.url + "/metrics").text
    return sum(float(line.split()[-1]) for line in text.splitlines() if line.startswith(name))


def sox_stat(path: Path) -> dict[str, float]:
    """sox's own measurements of a sound file."""
    done = subprocess.run(["sox", str(path), "-n", "stat"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    found = re.findall(r"^(.+?):\s+(-?[\d.]+)$", done.stderr, re.M)
    return {key.strip(): float(value) for key, value in found}


def frames(pcm: Pcm, ms: int = 20) -> list[float]:
    """RMS of each ``ms`` frame, on the 0..1 scale."""
    step = pcm.rate * ms // 1000
    values = memoryview(pcm.samples).cast("h")
    return [
        (sum(v * v for v in values[i : i + step]) / step) ** 0.5 / 32768
        for i in range(0, len(values) - step, step)
    ]


def pauses(levels: list[float], quiet: float, frames_long: int) -> int:
    """Runs of at least ``frames_long`` quiet frames inside the sound."""
    runs, run = 0, 0
    for level in levels:
        if level < quiet:
            run += 1
        else:
            runs += run >= frames_long
            run = 0
    return runs


async def rendered_ahead(server: LiveServer, before: float, timeout: float = 60) -> None:
    """Until the server has rendered ahead and has nothing left queued."""
    deadline = time.monotonic() + timeout
    while (
        metric(server, "madoguchi_speech_ahead_total") <= before
        or metric(server, "madoguchi_speech_queued") > 0
    ):
        assert time.monotonic() < deadline, "nothing rendered ahead"
        await asyncio.sleep(0.1)


def test_a_japanese_call_is_rendered_as_speech_of_a_plausible_length(
    server: LiveServer, config: Config, tmp_path: Path
) -> None:
    (ticket,) = issue(server)
    response = httpx.get(audio_url(server, "ja", ticket, "30"), timeout=30)
    assert response.status_code == 200 and response.headers["content-type"] == "audio/wav"
    path = tmp_path / "call.wav"
    path.write_bytes(response.content)

    # sox: about ten seconds of loud enough, unclipped sound.
    stat = sox_stat(path)
    assert 7 < stat["Length (seconds)"] < 16, stat
    assert stat["RMS     amplitude"] > 0.04, stat
    assert 0.3 < stat["Maximum amplitude"] < 0.999, stat
    # Speech, not a tone or noise: sound with pauses between phrases (the greeting, each
    # character of the ticket, the counter), and most of it voiced.
    pcm = from_wav(response.content)
    levels = frames(pcm)
    loud = sum(level > 0.02 for level in levels) / len(levels)
    assert 0.5 < loud < 0.95, loud
    assert pauses(levels, 0.005, frames_long=6) >= 3
    assert statistics.pstdev(levels) > 0.02  # a steady tone's level would not vary
    # And it says the right thing: Open JTalk's reading of what was rendered.
    reading = pyopenjtalk.g2p(wording.call_text(config.site(SITE), "ja", ticket, "30"), kana=True)
    spelled = wording.read_ticket(ticket, "ja")  # 「エー、ゼロ、ゼロ、イチ」
    assert f"ウケツケバンゴー、{spelled}バンノバンゴーサツデオマチノホー" in reading
    assert "サンジューバンマドグチエオコシクダサイ" in reading


def test_every_board_language_is_spoken(server: LiveServer) -> None:
    (ticket,) = issue(server)
    assert status(server)["voices"] == {
        "ja": "open_jtalk",
        "en": "espeak-ng",
        "zh": "espeak-ng",
        "ko": "espeak-ng",
    }
    for lang in ("en", "zh", "ko"):
        pcm = from_wav(httpx.get(audio_url(server, lang, ticket, "2"), timeout=30).content)
        levels = frames(pcm)
        assert 3 < pcm.seconds < 14, (lang, pcm.seconds)
        assert sum(level > 0.02 for level in levels) / len(levels) > 0.4, lang


def test_audio_addresses_carry_numbers_only_and_refuse_what_was_not_issued(
    server: LiveServer,
) -> None:
    (ticket,) = issue(server)
    version = status(server)["version"]
    good = f"{server.url}/speech/{SITE}/{version}/en/{ticket}/1.wav"
    response = httpx.get(good, timeout=30)
    assert response.status_code == 200
    assert response.headers["cache-control"] == "public, max-age=86400, immutable"
    for url, code in [
        (f"/speech/{SITE}/0000000000/en/{ticket}/1.wav", "unknown_version"),
        (f"/speech/{SITE}/{version}/en/Z999/1.wav", "unknown_ticket"),
        (f"/speech/{SITE}/{version}/en/{ticket}/99.wav", "unknown_counter"),
        (f"/speech/{SITE}/{version}/vi/{ticket}/1.wav", "no_voice"),  # no board speaks it
        (f"/speech/atlantis/{version}/en/{ticket}/1.wav", "unknown_site"),
    ]:
        refused = httpx.get(server.url + url)
        assert (refused.status_code, refused.json()["code"]) == (404, code), url


async def test_calls_are_rendered_ahead_so_the_call_finds_its_audio_ready(
    server: LiveServer,
) -> None:
    """The audio of a call is in the cache before the call (how soon it is ready is a
    benchmark row: bench/speech.py, 'call → audio ready, warm')."""
    board = await Client.connect(server, query=BOARD)
    await board.hello(SITE, {"kind": "board", "board": "lobby-1f"})
    issue(server, 3)
    with Desk(server, "clerk-shimin", "2222") as clerk:
        clerk.run("OpenCounter", counter="c4")
        # With a board up, the server renders the heads of the waiting line ahead.
        await rendered_ahead(server, metric(server, "madoguchi_speech_ahead_total"))
        hits = metric(server, 'madoguchi_speech_calls_total{cache="hit"}')
        template = server.url + status(server)["url"]
        # The board's connection to the server is open already, as a browser's is.
        async with httpx.AsyncClient() as http:
            await http.get(server.url + "/healthz")
            clerk.run("CallNext", counter="c4")
            delta = await board.until(lambda m: m["type"] == "delta" and "calls" in m["upsert"])
            (call,) = delta["upsert"]["calls"].values()
            response = await http.get(
                template.format(lang="ja", ticket=call["ticket"], counter=call["counter"])
            )
        clerk.run("CompleteStep", counter="c4")
        clerk.run("CloseCounter", counter="c4")
    await board.close()
    assert response.status_code == 200
    assert metric(server, 'madoguchi_speech_calls_total{cache="hit"}') == hits + 1
    assert metric(server, 'madoguchi_speech_render_seconds_count{engine="open_jtalk"}') > 0


def test_rendering_never_holds_up_the_event_loop(tmp_path: Path) -> None:
    # A server of its own: nothing rendered yet, so the engine loads and renders cold (seconds
    # of work). Rendered on the event loop, every request would wait that long; in the worker,
    # the server keeps answering in a small part of it (the machine may be busy with more).
    live = LiveServer(tmp_path)
    live.start()
    try:
        (ticket,) = issue(live)
        answers: list[float] = []
        done = threading.Event()

        def fetch() -> None:
            httpx.get(audio_url(live, "ja", ticket, "1"), timeout=60).raise_for_status()
            done.set()

        worker = threading.Thread(target=fetch)
        started = time.perf_counter()
        worker.start()
        with httpx.Client(base_url=live.url) as http:
            while not done.is_set():
                asked = time.perf_counter()
                http.get("/healthz").raise_for_status()
                answers.append(time.perf_counter() - asked)
                time.sleep(0.02)
        rendering = time.perf_counter() - started
        worker.join()
        assert rendering > 0.5 and len(answers) >= 10, (rendering, answers)
        assert max(answers) < max(0.25, rendering / 4), (rendering, max(answers))
        assert metric(live, 'madoguchi_speech_calls_total{cache="miss"}') == 1
    finally:
        live.stop()


def test_without_the_japanese_engine_boards_fall_back_and_the_server_says_so(
    tmp_path: Path,
) -> None:
    live = LiveServer(tmp_path, MADOGUCHI_SPEECH_ENGINES="espeak-ng")
    live.start()
    try:
        health = httpx.get(live.url + "/healthz").json()
        assert health["status"] == "ok"  # still in service
        assert health["speech"]["status"] == "fallback"
        assert health["speech"]["missing"] == ["ja"]
        assert "caption" in health["speech"]["fallback"]
        assert "ja" not in status(live)["voices"]
        (ticket,) = issue(live)
        refused = httpx.get(audio_url(live, "ja", ticket, "1"))
        assert refused.json()["code"] == "no_voice"
        with live.signed_in("super01", "9999") as http:
            page = http.get(f"/supervisor/{SITE}").text
        assert "日本語の音声なし" in page and "no Japanese voice" in page
    finally:
        live.stop()
