"""A guide phone keeps issuing real numbers while the hub or the Wi-Fi is away.

Signed in and online, the phone is leased numbers of every series (with their QR codes); cut
off, it issues the next one at once, with its QR code; back online, each becomes a visit with
exactly that number, in the order it was issued. Two phones offline at once never share a
number, and a phone whose numbers run out says so plainly.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from server.config.schema import Config
from server.domain.leases import LEASE_SIZE, series_of
from tests.support.guide import PHONE, SITE, Watcher, choose_event, next_step, shot, sign_in
from tests.support.live import Client, LiveServer, browser_sign_in, http_command

pytestmark = [
    pytest.mark.browser_context_args(**PHONE),
    pytest.mark.usefixtures("patient_expect"),
]


@pytest.fixture
def watcher() -> Iterator[Watcher]:
    watch = Watcher()
    yield watch
    watch.close()


def phone(browser: Browser, contexts: list[BrowserContext], live: LiveServer) -> Page:
    """A guide's phone, signed in, online, holding its lease of numbers."""
    context = browser.new_context(**PHONE)  # type: ignore[arg-type]
    contexts.append(context)
    page = context.new_page()
    sign_in(page, live)
    expect(page.locator("#conn")).to_have_attribute("data-status", "live")
    expect(page.locator("html")).to_have_attribute("data-offline-ready", "true")
    page.wait_for_function("() => window.madoguchiGuide.lease.left('A').length === 5")
    return page


def issue_offline(page: Page, config: Config, note: str) -> str:
    """One intake with the Wi-Fi down: the ticket number shows at once; return it."""
    choose_event(page, config, "tennyu")
    next_step(page)
    next_step(page)
    page.get_by_label("職員メモ").fill(note)
    next_step(page)
    next_step(page)  # issue
    page.locator(".queue-choice button[data-series='A']").click()
    number = page.get_by_test_id("ticket-number")
    expect(number).to_have_text(re.compile(r"^A\d{3}$"))
    expect(page.locator(".ticket-card img.qr")).to_have_attribute(
        "src", re.compile("^data:image/svg")
    )
    expect(page.get_by_test_id("leased-note")).to_be_visible()
    return number.inner_text()


def next_visitor(page: Page) -> None:
    page.locator("#next-visitor").click()
    expect(page.locator("#wizard-body")).to_be_visible()


def visits_by_ticket(client: Client) -> dict[str, dict[str, object]]:
    return {v["ticket"]: v for v in client.entities.get("visits", {}).values()}


def test_a_phone_offline_issues_three_real_numbers_at_once_and_they_become_visits(
    browser: Browser,
    contexts: list[BrowserContext],
    live: LiveServer,
    config: Config,
    watcher: Watcher,
) -> None:
    page = phone(browser, contexts, live)
    page.context.set_offline(True)
    expect(page.locator("#conn")).to_have_attribute("data-status", "offline")
    tickets = []
    for i in range(3):
        tickets.append(issue_offline(page, config, f"offline-{i}"))
        if i == 0:
            shot(page, "guide-offline-ticket.png")
        next_visitor(page)
    assert tickets == ["A001", "A002", "A003"]
    expect(page.locator("#outbox")).to_contain_text("3")
    # Meanwhile, another guide registers someone online: the next number after the lease.
    online = http_command(
        live, ("guide01", "1111"), {"type": "CreateVisit", "intake": {"events": ["tennyu"]}}
    )
    assert online["type"] == "ack" and online["ticket"] == "A006", online

    page.context.set_offline(False)
    expect(page.locator("#outbox")).to_be_hidden()
    floor = watcher.connect(live, "super01", "9999", {"kind": "supervisor"})
    watcher.until(floor, lambda c: all(t in visits_by_ticket(c) for t in tickets))
    visits = visits_by_ticket(floor)
    assert sorted(visits) == [*tickets, "A006"]
    assert [visits[t]["intake"]["note"] for t in tickets] == [f"offline-{i}" for i in range(3)]  # type: ignore[index]
    # Their place in line is when they were issued: ahead of the later online one.
    line = floor.entities["queues"]["A"]["line"]
    order = [next(t for t, v in visits.items() if v["id"] == vid) for vid in line]
    assert order == [*tickets, "A006"]
    # The supervisor sees the phone's lease outstanding, topped up again.
    full = LEASE_SIZE * len(series_of(config.site(SITE)))
    watcher.until(
        floor,
        lambda c: any(lease["count"] == full for lease in c.entities.get("leases", {}).values()),
    )
    supervisor = browser.new_context(viewport={"width": 1400, "height": 1000})
    contexts.append(supervisor)
    board = supervisor.new_page()
    browser_sign_in(board, live, "super01", "9999")
    board.goto(f"{live.url}/supervisor/{SITE}")
    expect(board.locator("#leases .lease-item")).to_have_count(1)
    expect(board.locator("#leases .lease-item")).to_contain_text(f"予備 {full}件")


def test_two_phones_offline_at_once_never_share_a_number(
    browser: Browser,
    contexts: list[BrowserContext],
    live: LiveServer,
    config: Config,
    watcher: Watcher,
) -> None:
    phones = [phone(browser, contexts, live) for _ in range(2)]
    for page in phones:
        page.context.set_offline(True)
        expect(page.locator("#conn")).to_have_attribute("data-status", "offline")
    issued = []
    for round_ in range(2):
        for i, page in enumerate(phones):
            issued.append(issue_offline(page, config, f"phone{i}-{round_}"))
            next_visitor(page)
    assert len(set(issued)) == 4, issued
    for page in phones:
        page.context.set_offline(False)
    floor = watcher.connect(live, "super01", "9999", {"kind": "supervisor"})
    watcher.until(floor, lambda c: all(t in visits_by_ticket(c) for t in issued))
    assert len(visits_by_ticket(floor)) == 4


def test_a_phone_whose_numbers_run_out_says_so_plainly(
    browser: Browser, contexts: list[BrowserContext], live: LiveServer, config: Config
) -> None:
    page = phone(browser, contexts, live)
    page.context.set_offline(True)
    expect(page.locator("#conn")).to_have_attribute("data-status", "offline")
    for i in range(5):
        issue_offline_quick = issue_offline(page, config, f"n{i}")
        assert issue_offline_quick == f"A00{i + 1}"
        next_visitor(page)
    choose_event(page, config, "tennyu")
    for _ in range(4):
        next_step(page)
    page.locator(".queue-choice button[data-series='A']").click()
    expect(page.get_by_test_id("lease-used-up")).to_contain_text("予備の番号（A）を使い切りました")
    expect(page.get_by_test_id("ticket-pending")).to_contain_text("送信待ち")
    page.context.set_offline(False)
    expect(page.get_by_test_id("ticket-number")).to_have_text("A006")
