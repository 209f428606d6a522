"""Shared pieces of the board and visitor browser tests (no tests of its own).

Staff act through the HTTP command endpoint, as their phones and panels do; boards and visitor
pages are real pages in Debian's Chromium against a real server process.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from typing import Any

import msgspec
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.support.harness import MOVED_IN_WITH_CHILDREN
from tests.support.live import LiveServer

SITE = "shimogyo"
BOARD_TOKENS = {
    "lobby-1f": "demo-board-lobby-1f-token",
    "lobby-2f": "demo-board-lobby-2f-token",
    "entrance": "demo-board-entrance-token",
}
# Moving in with two children: general reception (A, 1F), then children & families (C, 2F).
INTAKE: dict[str, Any] = {
    **msgspec.to_builtins(MOVED_IN_WITH_CHILDREN),
    "needs": ["hearing"],
    "language": "en",
    "note": "聴覚に配慮。筆談希望 (writes notes)",
    "party_size": 3,
}
_ids = itertools.count(1)


class Desk:
    """One signed-in staff member sending commands over HTTP."""

    def __init__(self, server: LiveServer, staff_id: str, pin: str) -> None:
        self.http = server.client(timeout=10)
        self.http.post("/api/login", json={"id": staff_id, "pin": pin}).raise_for_status()
        self.staff_id = staff_id

    def run(self, kind: str, **fields: Any) -> dict[str, Any]:
        """Send one command; fail the test unless it is acknowledged."""
        body = {"id": f"{self.staff_id}-{next(_ids)}", "command": {"type": kind, **fields}}
        response = self.http.post(f"/api/sites/{SITE}/commands", json=body)
        assert response.status_code == 200, response.text
        reply: dict[str, Any] = response.json()
        return reply

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> Desk:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """One real server for a whole module (state carries over between its tests).

    Without server speech: these tests drive the page's clock, which server audio (played in
    real time) would not follow; boards then caption, as without a voice. The desks call dozens
    of visitors a second: past the rate limits of a person (not tested here).
    tests/test_board_speech_browser.py plays the server's audio."""
    live = LiveServer(
        tmp_path_factory.mktemp("server"), MADOGUCHI_SPEECH_ENGINES="", MADOGUCHI_RATE_LIMITS="0"
    )
    live.start()
    yield live
    live.stop()


Staff = Callable[[str, str], Desk]


@pytest.fixture
def staff(server: LiveServer) -> Iterator[Staff]:
    """Sign staff in for one test (``staff("guide01", "1111")``); signed out afterwards."""
    made: list[Desk] = []

    def sign_in(staff_id: str, pin: str) -> Desk:
        made.append(Desk(server, staff_id, pin))
        return made[-1]

    yield sign_in
    for desk in made:
        desk.close()


def new_page(browser: Browser, width: int, height: int, **options: Any) -> Page:
    """A fresh context (own storage) with a given viewport, in Japanese."""
    context = browser.new_context(
        viewport={"width": width, "height": height}, locale="ja-JP", **options
    )
    return context.new_page()


def open_board(page: Page, server: LiveServer, board: str = "lobby-1f") -> Page:
    """Open an enrolled board with its device token and wait until it is live."""
    page.goto(f"{server.url}/board/{SITE}/{board}?device={BOARD_TOKENS[board]}")
    expect(page.locator("body")).to_have_attribute("data-link", "live")
    return page
