"""Helpers for the guide app's browser tests: answer questions by their config text, sign in,
and watch a view with a real WebSocket client on its own thread while Playwright drives the page.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any, TypeVar

from playwright.sync_api import Page, expect

from server.config.schema import Config
from tests.support.harness import MOVED_IN_WITH_CHILDREN
from tests.support.live import Client, LiveServer, browser_sign_in, login
from tests.support.screenshots import save

T = TypeVar("T")
SITE = "shimogyo"
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
ROOT = Path(__file__).resolve().parents[2]


def sign_in(
    page: Page, server: LiveServer, staff: str = "guide01", pin: str = "1111", site: str = SITE
) -> None:
    """Sign in through the API (the context shares the cookie) and open the guide app."""
    browser_sign_in(page, server, staff, pin)
    open_app(page, server, site)


def open_app(page: Page, server: LiveServer, site: str = SITE) -> None:
    page.goto(f"{server.url}/guide/{site}")
    expect(page.locator("html")).to_have_attribute("data-ready", "true")


def choose_event(page: Page, config: Config, event: str) -> None:
    name = config.life_events.events[event].name.ja
    page.get_by_role("button", name=name).click()
    expect(page.get_by_role("button", name=name)).to_have_attribute("aria-pressed", "true")


def answer(page: Page, config: Config, qid: str, value: bool | str | int) -> None:
    """Answer a question the way a guide does: find it by its text, tap the option."""
    question = config.life_events.questions[qid]
    group = page.get_by_role("group", name=question.text.ja, exact=True)
    if question.kind == "count":
        assert isinstance(value, int)
        box = group.get_by_role("spinbutton")
        current = int(box.input_value())
        button = "増やす" if value > current else "減らす"
        for _ in range(abs(value - current)):
            group.get_by_role("button", name=button).click()
        expect(box).to_have_value(str(value))
        return
    if question.kind == "bool":
        label = "はい" if value is True else "いいえ"
    else:
        label = next(o.label.ja for o in question.options if o.id == value)
    radio = group.get_by_role("radio", name=label, exact=True)
    radio.check()
    expect(radio).to_be_checked()


def next_step(page: Page) -> None:
    page.locator("#wizard-next").click()


def shot(page: Page, name: str, full_page: bool = False) -> Path:
    """Screenshot for docs/ (see tests.support.screenshots); a full page keeps the fixed bars at the
    bottom by making the viewport as tall as the page."""
    if not full_page:
        return save(page, name)
    size = page.viewport_size
    assert size is not None
    height = page.evaluate("document.documentElement.scrollHeight")
    page.set_viewport_size({"width": size["width"], "height": max(height, size["height"])})
    path = save(page, name)
    page.set_viewport_size(size)
    return path


class Watcher:
    """A real WebSocket client (tests.support.live.Client) on its own event loop and thread.

    Playwright's sync API owns the main thread's loop, so the client runs beside it; calls
    block until the coroutine finishes or ``timeout`` passes.
    """

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.clients: list[Client] = []

    def run(self, coro: Coroutine[Any, Any, T], timeout: float = 15.0) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def connect(self, server: LiveServer, staff: str, pin: str, view: dict[str, Any]) -> Client:
        cookie = login(server, staff, pin)

        async def go() -> Client:
            client = await Client.connect(server, cookie)
            await client.hello(SITE, view)
            return client

        client = self.run(go())
        self.clients.append(client)
        return client

    def until(
        self, client: Client, predicate: Callable[[Client], bool], timeout: float = 10.0
    ) -> None:
        """Read messages until ``predicate(client)`` holds on the folded entities."""

        self.run(client.until_seen(lambda: predicate(client), timeout), timeout + 5)

    def close(self) -> None:
        for client in self.clients:
            self.run(client.close())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
        self.loop.close()


def answer_moved_in_family(page: Page, config: Config) -> None:
    """Scenario 1 of life_events.toml, answered question by question as the server asks."""
    for qid, value in MOVED_IN_WITH_CHILDREN.answers.items():
        question = config.life_events.questions[qid]
        if value == question.default:
            continue  # preselected: the guide only confirms it
        answer(page, config, qid, value)
