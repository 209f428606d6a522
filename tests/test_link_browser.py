"""Screens tell the truth about their link: a counter panel whose link dies says so within
5 s (network cut in the browser, and a server that stops answering without closing), a call
pressed offline is refused on the panel and never carried out later, a call that reaches a
frozen hub late is refused there (``expired``), and other counter actions wait visibly.

Figures measured are printed (``-s``): time from the cut to the banner.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.support.live import LiveServer, browser_sign_in, http_command
from tests.support.panel import MOVED_IN, SITE, open_counter, open_panel, register
from tests.support.screenshots import save

LIMIT_S = 5.0
# The hub refuses a call older than this (MADOGUCHI_SUMMON_MAX_AGE, 10 s by default); shorter
# here so the frozen-hub test waits less.
SUMMON_MAX_AGE_S = 5.0


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    live = LiveServer(
        tmp_path_factory.mktemp("link"), MADOGUCHI_SUMMON_MAX_AGE=str(SUMMON_MAX_AGE_S)
    )
    live.start()
    yield live
    live.stop()


@pytest.fixture
def live(fresh_day: LiveServer) -> LiveServer:
    """The module's server with the day closed: no visitor waiting, no counter open."""
    return fresh_day


def time_to_offline(page: Page) -> float:
    """Seconds from now until the panel shows it is offline (banner up), at most 5 s."""
    started = time.monotonic()
    expect(page.locator("#conn")).to_have_attribute(
        "data-status", "offline", timeout=LIMIT_S * 1000
    )
    expect(page.locator("#banner")).to_be_visible(timeout=100)
    return time.monotonic() - started


@contextmanager
def frozen(server: LiveServer) -> Iterator[None]:
    """The server process stopped (SIGSTOP): sockets stay open, nothing answers."""
    assert server.proc is not None
    os.kill(server.proc.pid, signal.SIGSTOP)
    try:
        yield
    finally:
        os.kill(server.proc.pid, signal.SIGCONT)


def reception(browser: Browser, contexts: list[BrowserContext], live: LiveServer) -> Page:
    page = open_panel(browser, contexts, live, ("clerk-shimin", "2222"), "?counter=c1")
    open_counter(page)
    return page


def reception_with_one_waiting(
    browser: Browser, contexts: list[BrowserContext], live: LiveServer
) -> tuple[Page, str]:
    page = reception(browser, contexts, live)
    ticket = register(live)
    expect(page.locator(f".line-item[data-ticket='{ticket}']")).to_be_visible()
    return page, ticket


def still_waiting_once_live(page: Page, ticket: str) -> None:
    """Back online, and a while later the visitor was not called: nothing went out late."""
    expect(page.locator("#conn")).to_have_attribute("data-status", "live", timeout=20_000)
    page.wait_for_timeout(3000)  # anything still held would have gone out by now
    expect(page.locator(".serving-card")).to_have_count(0)
    expect(page.locator(f".line-item[data-ticket='{ticket}']")).to_be_visible()


def test_a_panel_whose_network_is_cut_shows_offline_within_5_s_and_queues_bookkeeping(
    browser: Browser, contexts: list[BrowserContext], live: LiveServer
) -> None:
    page = reception(browser, contexts, live)
    ticket = register(live)
    page.keyboard.press("n")
    expect(page.locator(".serving-card .ticket")).to_have_text(ticket)

    page.context.set_offline(True)
    took = time_to_offline(page)
    print(f"network cut → offline banner: {took:.2f} s")
    banner = page.locator("#banner")
    expect(banner).to_contain_text("オフライン")
    expect(banner).to_contain_text("呼び出し（次の方・番号指定・再呼出）は接続が戻るまでできません")
    expect(page.locator("[data-action='recall']")).to_be_disabled()
    # Bookkeeping waits in the outbox, visibly: the message, the banner's count.
    expect(page.locator("[data-action='start']")).to_be_enabled()
    page.keyboard.press("s")
    expect(page.locator("#message")).to_contain_text("送信待ち: 対応開始")
    expect(banner.locator(".link-pending")).to_have_text("⇡ 送信待ち 1件")
    expect(page.locator("html")).to_have_attribute("data-hub-pending", "1")
    save(page, "counter-offline-pending.png")

    page.context.set_offline(False)
    expect(page.locator("#conn")).to_have_attribute("data-status", "live", timeout=15_000)
    expect(banner).to_be_hidden()
    expect(page.locator(".serving-card .state-label")).to_have_text("対応中")
    expect(page.locator("#message")).to_contain_text(f"{ticket}")


def test_a_call_pressed_while_the_network_is_cut_is_never_carried_out_later(
    browser: Browser, contexts: list[BrowserContext], live: LiveServer
) -> None:
    page, ticket = reception_with_one_waiting(browser, contexts, live)
    page.context.set_offline(True)
    time_to_offline(page)
    expect(page.locator("[data-action='callNext']")).to_be_disabled()
    page.keyboard.press("n")
    expect(page.locator("#error")).to_contain_text("オフラインのため呼び出していません")
    expect(page.locator("html")).to_have_attribute("data-hub-pending", "0")

    page.context.set_offline(False)
    still_waiting_once_live(page, ticket)


def test_a_panel_whose_server_stops_answering_shows_offline_within_5_s(
    browser: Browser, contexts: list[BrowserContext], live: LiveServer
) -> None:
    page, ticket = reception_with_one_waiting(browser, contexts, live)
    with frozen(live):
        took = time_to_offline(page)
        print(f"server frozen (SIGSTOP) → offline banner: {took:.2f} s")
        page.keyboard.press("n")
        expect(page.locator("#error")).to_contain_text("オフラインのため呼び出していません")
        save(page, "counter-offline.png")
    still_waiting_once_live(page, ticket)


def test_a_call_that_reaches_a_frozen_hub_too_late_is_refused_there(
    browser: Browser, contexts: list[BrowserContext], live: LiveServer
) -> None:
    """Pressed in the instant the hub froze (the panel cannot know yet): the command is on
    its way, and reaches the hub only when it thaws, past the hub's limit (SUMMON_MAX_AGE_S).
    The hub refuses it."""
    page, ticket = reception_with_one_waiting(browser, contexts, live)
    with frozen(live):
        page.keyboard.press("n")
        time_to_offline(page)
        page.wait_for_timeout((SUMMON_MAX_AGE_S + 2) * 1000)
    still_waiting_once_live(page, ticket)
    expect(page.locator("#error")).to_contain_text("届くのが遅すぎたため呼び出していません")


WATCH_OFFLINE = """() => {
  const root = document.documentElement;
  new MutationObserver(() => {
    if (root.dataset.hubLink === "offline" && !window.__offlineAt) window.__offlineAt = Date.now();
  }).observe(root, { attributes: true, attributeFilter: ["data-hub-link"] });
}"""


def test_every_screen_shows_a_dead_link_the_same_way(
    browser: Browser, contexts: list[BrowserContext], live: LiveServer
) -> None:
    """Guide, counter, supervisor, board and visitor page: the same banner, within 5 s."""
    ticket = http_command(live, ("guide01", "1111"), {"type": "CreateVisit", "intake": MOVED_IN})
    staff_pages = {
        "guide": (("guide01", "1111"), f"/guide/{SITE}"),
        "counter": (("clerk-shimin", "2222"), f"/counter/{SITE}?counter=c1"),
        "supervisor": (("super01", "9999"), f"/supervisor/{SITE}"),
        "board": (None, f"/board/{SITE}/lobby-1f?device=demo-board-lobby-1f-token"),
        "visitor": (None, f"/visit/{SITE}/{ticket['token']}"),
    }
    pages = {}
    for name, (who, path) in staff_pages.items():
        context = browser.new_context(viewport={"width": 1200, "height": 800})
        contexts.append(context)
        page = context.new_page()
        if who:
            browser_sign_in(page, live, who[0], who[1])
        page.goto(live.url + path)
        expect(page.locator("html")).to_have_attribute("data-hub-link", "live")
        pages[name] = page
    for page in pages.values():
        page.evaluate(WATCH_OFFLINE)
    frozen_at = time.time() * 1000
    with frozen(live):
        for name, page in pages.items():
            expect(page.locator("html"), name).to_have_attribute(
                "data-hub-link", "offline", timeout=LIMIT_S * 1000
            )
        # Each page noted when it turned offline (the same machine's clock as ours).
        took = {
            name: (page.evaluate("window.__offlineAt") - frozen_at) / 1000
            for name, page in pages.items()
        }
        print("server frozen → offline:", ", ".join(f"{n} {t:.2f} s" for n, t in took.items()))
        assert max(took.values()) < LIMIT_S, took
        for name, page in pages.items():
            banner = page.locator(".link-banner")
            expect(banner, name).to_be_visible()
            expect(banner.locator(".link-state"), name).to_contain_text(
                "オフライン — サーバーとの接続が切れました"
            )
        save(pages["board"], "board-offline.png")
    for name, page in pages.items():
        expect(page.locator("html"), name).to_have_attribute(
            "data-hub-link", "live", timeout=20_000
        )
        expect(page.locator(".link-banner"), name).to_be_hidden()
