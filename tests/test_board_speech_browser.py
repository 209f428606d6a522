"""Lobby boards speak calls with the server's audio, in a real Chromium that may play sound.

Chromium runs with ``--autoplay-policy=no-user-gesture-required``, as the README tells kiosks
to; the page's media elements really play (headless, with no sound card: the element still
plays, fires ``playing`` and ``ended``). The tests watch those events: the chime, then each
language's rendered call, one after another, for every call in the order the hub made them.
Playback runs at 12× so three calls fit in a test's time; the audio is the server's own.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, BrowserType, Page, expect

from tests.support.browser import CHROMIUM_ARGS, chromium_path
from tests.support.desk import INTAKE, SITE, Desk, new_page, open_board
from tests.support.live import ROOT, LiveServer, browser_sign_in
from tests.support.screenshots import save

LANGS = ["ja", "en", "zh", "ko"]
RATE = 12
# Every media element the page plays reports `playing` and `ended` with the time.
WATCH_MEDIA = f"""
window.__media = [];
const play = HTMLMediaElement.prototype.play;
HTMLMediaElement.prototype.play = function () {{
  if (this.muted) return play.call(this);
  if (!this.__watched) {{
    this.__watched = true;
    for (const type of ["play", "playing", "ended"]) {{
      this.addEventListener(type, () => window.__media.push({{
        type, src: new URL(this.currentSrc || this.src, location.href).pathname, at: Date.now(),
      }}));
    }}
  }}
  this.playbackRate = {RATE};
  return play.call(this);
}};
"""


@pytest.fixture(scope="module")
def kiosk(browser_type: BrowserType) -> Iterator[Browser]:
    """Chromium as a lobby kiosk runs it: sound without a tap."""
    browser = browser_type.launch(
        executable_path=chromium_path(),
        args=[*CHROMIUM_ARGS, "--autoplay-policy=no-user-gesture-required"],
    )
    yield browser
    browser.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    live = LiveServer(tmp_path_factory.mktemp("speech"))
    live.start()
    yield live
    live.stop()


def media(page: Page) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = page.evaluate("window.__media")
    return events


def steps(page: Page) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = page.evaluate(
        "window.madoguchiBoard.announcements.map((a) => ({...a}))"
    )
    return records


def metric(server: LiveServer, name: str) -> float:
    text = httpx.get(server.url + "/metrics").text
    return sum(float(line.split()[-1]) for line in text.splitlines() if line.startswith(name))


def wait_for_metric(server: LiveServer, name: str, at_least: float, timeout: float = 90) -> None:
    # Renders ahead run at the lowest CPU priority on purpose (the hub goes first), so on a
    # machine busy with other work they may take a while: wait long, poll often.
    deadline = time.monotonic() + timeout
    while metric(server, name) < at_least:
        assert time.monotonic() < deadline, f"{name} stayed below {at_least}"
        time.sleep(0.1)


@pytest.mark.timeout(150)
def test_three_quick_calls_play_chime_then_voice_in_order_never_overlapping(
    kiosk: Browser, server: LiveServer
) -> None:
    page = new_page(kiosk, 1920, 1080)
    page.add_init_script(WATCH_MEDIA)
    open_board(page, server)
    with Desk(server, "guide01", "1111") as guide, Desk(server, "clerk-shimin", "2222") as clerk:
        tickets = [guide.run("CreateVisit", intake=INTAKE)["ticket"] for _ in range(3)]
        counters = {"c1": "1", "c2": "2", "c30": "30"}
        for counter in counters:
            clerk.run("OpenCounter", counter=counter)
        # The board is up and the line is waiting: the server renders the next calls ahead
        # (the greeting, the first tickets, the open counters' numbers, in every language).
        wait_for_metric(server, "madoguchi_speech_ahead_total", len(LANGS) * (1 + 3 + 3))
        # Three clerks call one after another, as fast as they can press the key.
        calls = [
            (clerk.run("CallTicket", counter=c, visit=t)["seq"], t, n)
            for (c, n), t in zip(counters.items(), tickets, strict=True)
        ]
        expected = []
        for _, ticket, number in sorted(calls):
            expected.append(("chime", "/displays/chime.wav"))
            for lang in LANGS:
                expected.append((lang, f"/{ticket}/{number}.wav"))
        page.wait_for_function(
            f"() => window.__media.filter((e) => e.type === 'ended').length >= {len(expected)}",
            timeout=90_000,
        )
        for counter in counters:
            clerk.run("CompleteStep", counter=counter)
    events = media(page)
    # `playing` repeats after a stall (the machine is busy): a sound starts at its first one.
    played = [
        next(e for e in events[i:] if e["type"] == "playing" and e["src"] == play["src"])
        for i, play in enumerate(events)
        if play["type"] == "play"
    ]
    assert len(played) == len(expected), events
    for (what, path), event in zip(expected, played, strict=True):
        assert event["src"].endswith(path), (what, event)
        if what != "chime":
            assert f"/{what}/" in event["src"], (what, event)
    # Never two at once: each sound starts only after the one before it ended.
    ended = [e for e in events if e["type"] == "ended"]
    assert len(ended) == len(expected)
    for before, after in zip(ended, played[1:], strict=False):
        assert after["at"] >= before["at"], (before, after)
    records = steps(page)
    assert {r["mode"] for r in records if r["kind"] == "speech"} == {"audio"}
    assert [r["state"] for r in records] == ["done"] * len(expected)
    # The voice follows its chime at once: it was rendered ahead or while the chime played.
    for chime_end, voice in zip(ended[0::5], played[1::5], strict=True):
        assert voice["at"] - chime_end["at"] < 1000, (chime_end, voice)
    page.context.close()


@pytest.mark.timeout(120)
def test_a_site_that_repeats_its_japanese_call_plays_it_twice(
    kiosk: Browser, tmp_path: Path
) -> None:
    config = tmp_path / "config"
    shutil.copytree(ROOT / "config", config)
    site_file = config / "sites" / "shimogyo.toml"
    site_file.write_text(
        site_file.read_text().replace("repeat = { ja = 1 }", "repeat = { ja = 2 }")
    )
    live = LiveServer(tmp_path / "server", MADOGUCHI_CONFIG=str(config))
    live.start()
    try:
        page = new_page(kiosk, 1920, 1080)
        page.add_init_script(WATCH_MEDIA)
        open_board(page, live)
        with (
            Desk(live, "guide01", "1111") as guide,
            Desk(live, "clerk-shimin", "2222") as clerk,
        ):
            ticket = guide.run("CreateVisit", intake=INTAKE)["ticket"]
            clerk.run("OpenCounter", counter="c4")
            wait_for_metric(live, "madoguchi_speech_ahead_total", len(LANGS) * 3)
            clerk.run("CallTicket", counter="c4", visit=ticket)
            page.wait_for_function(
                "() => window.__media.filter((e) => e.type === 'ended').length >= 6", timeout=60_000
            )
        plays = [e["src"] for e in media(page) if e["type"] == "play"]
        voice = f"/{ticket}/4.wav"
        assert plays[0] == "/displays/chime.wav"
        assert [p.split("/")[-3] for p in plays[1:]] == ["ja", "ja", "en", "zh", "ko"]
        assert all(p.endswith(voice) for p in plays[1:])
        records = steps(page)
        assert [(r["lang"], r["repeat"], r["mode"]) for r in records[1:]] == [
            ("ja", 0, "audio"),
            ("ja", 1, "audio"),
            ("en", 0, "audio"),
            ("zh", 0, "audio"),
            ("ko", 0, "audio"),
        ]
        page.context.close()
    finally:
        live.stop()


@pytest.mark.timeout(120)
def test_without_japanese_speech_the_supervisor_is_told_and_boards_caption_japanese(
    kiosk: Browser, tmp_path: Path
) -> None:
    live = LiveServer(tmp_path, MADOGUCHI_SPEECH_ENGINES="espeak-ng")
    live.start()
    try:
        context = kiosk.new_context(viewport={"width": 1400, "height": 900}, locale="ja-JP")
        browser_sign_in(context, live, "super01", "9999")
        supervisor = context.new_page()
        supervisor.goto(f"{live.url}/supervisor/{SITE}")
        expect(supervisor.locator("#conn")).to_have_attribute("data-status", "live")
        notice = supervisor.locator("#speech-fallback")
        expect(notice).to_be_visible()
        expect(notice).to_contain_text("日本語の音声なし")
        expect(notice).to_contain_text("calls are chimed and captioned")
        save(supervisor, "supervisor-speech-fallback.png")

        page = new_page(kiosk, 1920, 1080)
        page.add_init_script(WATCH_MEDIA)
        open_board(page, live)
        with (
            Desk(live, "guide01", "1111") as guide,
            Desk(live, "clerk-shimin", "2222") as clerk,
        ):
            ticket = guide.run("CreateVisit", intake=INTAKE)["ticket"]
            clerk.run("OpenCounter", counter="c3")
            clerk.run("CallTicket", counter="c3", visit=ticket)
            # Japanese is captioned (no voice on this kiosk either), then English is played.
            page.wait_for_function(
                "() => window.madoguchiBoard.announcements.some((a) => a.lang === 'en' && a.mode)",
                timeout=40_000,
            )
            records = steps(page)
            assert [(r["lang"], r["mode"]) for r in records[:3]] == [
                ("", "audio"),
                ("ja", "caption"),
                ("en", "audio"),
            ]
            assert records[1]["audio"] == ""  # nothing asked of the server for Japanese
        context.close()
        page.context.close()
    finally:
        live.stop()
