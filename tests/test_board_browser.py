"""Lobby boards in a real browser against a real server: calls, recalls, the announcement queue,
reconnecting, enrolment, language rotation and self-reload. Screenshots go to docs/screenshots/.

Headless Chromium has no speech voices, so the board captions each language instead of
speaking it; the tests read the announcement queue (``window.madoguchiBoard.announcements``).
Where announcements must run to the end, the page's clock is driven with Playwright's clock.
"""

from __future__ import annotations

import itertools
import re
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.support.desk import (
    BOARD_TOKENS,
    INTAKE,
    SITE,
    Staff,
    new_page,
    open_board,
    server,
    staff,
)
from tests.support.live import LiveServer
from tests.support.screenshots import save

__all__ = ["server", "staff"]  # fixtures

FRESH = re.compile(r"\bfresh\b")
LANGS = ["ja", "en", "zh", "ko"]
QUEUE_A = {"en": "General reception", "zh": "综合受理", "ko": "종합 접수"}


def announcements(page: Page) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = page.evaluate(
        "window.madoguchiBoard.announcements.map((a) => ({...a}))"
    )
    return records


def advance(page: Page, ms: int) -> None:
    """Run the page's clock forward in steps, letting real WebSocket traffic in between."""
    for _ in range(ms // 5_000):
        page.clock.run_for(5_000)
        page.wait_for_timeout(20)
    page.clock.run_for(ms % 5_000)


def call_text(ticket: str, counter: str) -> str:
    return (
        f"大変お待たせいたしました。受付番号{ticket}番の番号札でお待ちの方、"
        f"{counter}番窓口へお越しください。"
    )


def test_a_call_appears_within_a_second_and_a_recall_highlights_it_again(
    browser: Browser, server: LiveServer, staff: Staff
) -> None:
    guide, clerk = staff("guide01", "1111"), staff("clerk-shimin", "2222")
    page = new_page(browser, 1920, 1080)
    page.clock.install()
    open_board(page, server)
    ticket = guide.run("CreateVisit", intake=INTAKE)["ticket"]
    clerk.run("OpenCounter", counter="c2")

    clerk.run("CallTicket", counter="c2", visit=ticket)
    card = page.locator(f'#now-calls li[data-ticket="{ticket}"]')
    expect(card).to_be_visible(timeout=1000)
    expect(card.locator(".counter-number")).to_have_text("2", timeout=1000)
    expect(card).to_have_class(FRESH)
    expect(card.locator(".badge .t1")).to_have_text("お呼び出し")
    expect(page.locator("#caption .caption-ticket")).to_have_text(ticket)

    # Once the call has been announced and a few seconds have passed, it is no longer new.
    advance(page, 30_000)
    expect(card).not_to_have_class(FRESH)
    expect(page.locator("#caption")).to_be_hidden()

    clerk.run("Recall", counter="c2")
    recalled = page.locator(f'#now-calls li[data-ticket="{ticket}"][data-recall="1"]')
    expect(recalled).to_have_class(FRESH, timeout=1000)
    expect(recalled.locator(".badge .t1")).to_have_text("再呼出")
    expect(page.locator(f'li[data-ticket="{ticket}"]')).to_have_count(1)  # replaced, not doubled
    spoken = [a for a in announcements(page) if a["ticket"] == ticket and a["lang"] == "ja"]
    assert [(a["recall"], a["text"]) for a in spoken] == [
        (0, call_text(ticket, "2")),
        (1, call_text(ticket, "2")),
    ]
    clerk.run("CompleteStep", counter="c2")
    page.context.close()


def test_two_simultaneous_calls_queue_one_after_the_other(
    browser: Browser, server: LiveServer, staff: Staff
) -> None:
    guide, clerk = staff("guide01", "1111"), staff("clerk-shimin", "2222")
    page = new_page(browser, 1920, 1080)
    page.clock.install()
    open_board(page, server)
    tickets = [guide.run("CreateVisit", intake=INTAKE)["ticket"] for _ in range(2)]
    for counter in ("c3", "c4"):
        clerk.run("OpenCounter", counter=counter)
    other = staff("clerk-shimin", "2222")
    with ThreadPoolExecutor(2) as pool:  # two clerks press "call" at the same moment
        acks = list(
            pool.map(
                lambda job: job[0].run("CallTicket", counter=job[1], visit=job[2]),
                [(clerk, "c3", tickets[0]), (other, "c4", tickets[1])],
            )
        )
    for ticket in tickets:
        expect(page.locator(f'#now-calls li[data-ticket="{ticket}"]')).to_be_visible(timeout=1000)

    # The hub ordered the calls; the board announces them in that order, never together.
    order = sorted(zip(acks, tickets, ("3", "4"), strict=True), key=lambda job: job[0]["seq"])
    expected = [
        (ticket, kind, lang, call_text(ticket, counter) if lang == "ja" else None)
        for _, ticket, counter in order
        for kind, lang in [("chime", ""), *(("speech", lang) for lang in LANGS)]
    ]
    queued = announcements(page)
    assert [
        (a["ticket"], a["kind"], a["lang"], a["text"] if a["lang"] == "ja" else None)
        for a in queued
    ] == expected
    assert [a["state"] for a in queued] == ["playing"] + ["queued"] * 9
    en = next(a for a in queued if a["lang"] == "en")
    assert en["text"] == (
        f"Thank you for waiting. Ticket number {order[0][1]}, please come to counter {order[0][2]}."
    )
    assert en["spoken"].startswith("Thank you for waiting. Ticket number A ")  # "A 7", not "A007"

    advance(page, 40_000)
    done = announcements(page)
    assert [a["state"] for a in done] == ["done"] * 10
    # No voice on this machine: every language was captioned on screen instead.
    assert {a["mode"] for a in done if a["kind"] == "speech"} == {"caption"}
    for before, after in itertools.pairwise(done):
        assert after["startedAt"] >= before["endedAt"], (before, after)
    for counter in ("c3", "c4"):
        clerk.run("CompleteStep", counter=counter)
    page.context.close()


def test_the_board_shows_reconnecting_then_the_live_state_without_reloading(
    browser: Browser, server: LiveServer, staff: Staff
) -> None:
    guide, clerk = staff("guide01", "1111"), staff("clerk-shimin", "2222")
    page = open_board(new_page(browser, 1920, 1080), server)
    page.evaluate("window.notReloaded = true")
    ticket = guide.run("CreateVisit", intake=INTAKE)["ticket"]
    clerk.run("OpenCounter", counter="c1")
    clerk.run("CallTicket", counter="c1", visit=ticket)
    card = page.locator(f'#now-calls li[data-ticket="{ticket}"]')
    expect(card).to_have_class(FRESH, timeout=1000)
    conn = page.locator("#conn")
    expect(conn).to_be_hidden()

    server.stop()
    expect(conn).to_be_visible(timeout=15_000)
    expect(conn).to_contain_text("再接続中")
    expect(page.locator("body")).to_have_attribute("data-link", "lost")
    # Without the hub nothing is presented as being called right now.
    expect(page.locator(".calls > li.fresh")).to_have_count(0)
    expect(card).to_be_visible()  # still listed (dimmed) for orientation

    server.start()
    expect(conn).to_be_hidden(timeout=40_000)
    expect(page.locator("body")).to_have_attribute("data-link", "live")
    assert page.evaluate("window.notReloaded") is True
    # Live again: the next call arrives as before.
    clerk = staff("clerk-shimin", "2222")
    clerk.run("CompleteStep", counter="c1")
    nxt = guide.run("CreateVisit", intake=INTAKE)["ticket"]
    clerk.run("CallTicket", counter="c1", visit=nxt)
    expect(page.locator(f'#now-calls li[data-ticket="{nxt}"]')).to_have_class(FRESH, timeout=1000)
    clerk.run("CompleteStep", counter="c1")
    page.context.close()


def test_enrolment_keeps_the_token_out_of_the_address_and_refuses_unknown_displays(
    browser: Browser, server: LiveServer, staff: Staff
) -> None:
    page = open_board(new_page(browser, 1920, 1080), server, "lobby-2f")
    assert page.url == f"{server.url}/board/{SITE}/lobby-2f"
    stored = page.evaluate(f"localStorage.getItem('madoguchi.board.{SITE}.lobby-2f.device')")
    assert stored == BOARD_TOKENS["lobby-2f"]
    page.reload()  # a power cut: the TV comes back on the plain address
    expect(page.locator("body")).to_have_attribute("data-link", "live")
    expect(page.locator("#waiting tbody tr")).to_have_count(4)  # C, D, E, F
    page.context.close()

    stranger = new_page(browser, 1920, 1080)
    stranger.goto(f"{server.url}/board/{SITE}/lobby-1f?device=not-a-real-token")
    expect(stranger.locator("#setup")).to_be_visible()
    expect(stranger.locator("#setup")).to_contain_text("登録されていません")
    expect(stranger.locator("#now-calls li")).to_have_count(0)
    stranger.context.close()
    missing = new_page(browser, 640, 480)
    assert missing.goto(f"{server.url}/board/{SITE}/no-such-board").status == 404  # type: ignore[union-attr]
    missing.context.close()


def test_the_board_rotates_its_second_language(browser: Browser, server: LiveServer) -> None:
    page = new_page(browser, 1920, 1080)
    page.clock.install()
    open_board(page, server)
    heading = page.locator("#now-heading")
    expect(heading.locator(".t1")).to_have_text("お呼び出し中")
    for text, lang in [("Now calling", "en"), ("正在呼叫", "zh"), ("호출 중", "ko")] * 2:
        expect(heading.locator(".t2")).to_have_text(text)
        expect(heading.locator(".t2")).to_have_attribute("lang", lang)
        label = page.locator('#waiting tr[data-queue="A"] .label .t2')
        expect(label).to_have_text(QUEUE_A[lang])
        page.clock.run_for(8_000)
    page.context.close()


def test_the_board_reloads_itself_when_the_server_version_changes(
    browser: Browser, server: LiveServer, staff: Staff
) -> None:
    page = open_board(new_page(browser, 1920, 1080), server)
    page.evaluate("window.notReloaded = true")
    # As if this page had been served before an upgrade: its version no longer matches.
    with page.expect_event("load", timeout=15_000):
        page.evaluate(
            "const hub = window.madoguchiBoard.hub; hub.version = 'old'; hub.socket.close()"
        )
    expect(page.locator("body")).to_have_attribute("data-link", "live")
    assert page.evaluate("window.notReloaded") is None
    page.context.close()


def test_many_calls_keep_the_board_bounded(
    browser: Browser, server: LiveServer, staff: Staff
) -> None:
    guide, clerk = staff("guide01", "1111"), staff("clerk-shimin", "2222")
    page = open_board(new_page(browser, 1920, 1080), server)
    clerk.run("OpenCounter", counter="c30")
    tickets = [guide.run("CreateVisit", intake=INTAKE)["ticket"] for _ in range(40)]
    for ticket in tickets:
        clerk.run("CallTicket", counter="c30", visit=ticket)
        clerk.run("CompleteStep", counter="c30")
    # Each visitor was served: nothing stands, the last calls are the recent ones.
    expect(page.locator(f'#recent-calls li[data-ticket="{tickets[-1]}"]')).to_be_visible()
    expect(page.locator("#now-calls li")).to_have_count(0)
    sizes = page.evaluate(
        """() => { const b = window.madoguchiBoard; return {
             items: document.querySelectorAll('.calls > li').length,
             records: b.announcements.length, pending: b.announcer.pending.length,
             extras: b.announcer.pending.filter((r) => !r.essential).length,
             waiting: b.announcer.pending.filter((r) => r.kind === 'chime').map((r) => r.ticket),
             lost: b.announcements.filter((r) => r.essential && r.state === 'skipped').length,
             announced: b.state.announced.ids.size, fresh: b.state.freshUntil.size }; }"""
    )
    assert sizes["items"] <= 8  # the site's recent_calls
    assert sizes["records"] <= 120
    # The burst sheds repeats and further languages, never a call: every call still to come
    # keeps its chime and its Japanese announcement, in call order.
    assert sizes["pending"] <= 60 or sizes["extras"] == 0
    assert sizes["lost"] == 0
    assert sizes["waiting"] == tickets[len(tickets) - len(sizes["waiting"]) :]
    assert sizes["announced"] <= 8 and sizes["fresh"] <= 40
    page.context.close()


def test_now_calling_shows_only_the_calls_standing_and_each_ticket_once(
    browser: Browser, server: LiveServer, staff: Staff
) -> None:
    guide, clerk = staff("guide01", "1111"), staff("clerk-shimin", "2222")
    page = open_board(new_page(browser, 1920, 1080), server)
    for counter in ("c1", "c2", "c3"):
        clerk.run("OpenCounter", counter=counter)
    first, second = (guide.run("CreateVisit", intake=INTAKE)["ticket"] for _ in range(2))
    now = page.locator("#now-calls li")
    recent = page.locator("#recent-calls li")

    # Called at 1, did not come (back in the line), called again at 2: one card, at 2.
    clerk.run("CallTicket", counter="c1", visit=first)
    expect(now).to_have_count(1)
    clerk.run("NoShow", counter="c1")
    expect(now).to_have_count(0)
    # The lobby is no longer sent to counter 1: what was still to be said of it is dropped,
    # the sentence being spoken included.
    page.wait_for_function(
        "() => !window.madoguchiBoard.announcements.some("
        "(a) => a.counter === '1' && ['queued', 'playing'].includes(a.state))",
        timeout=2000,
    )
    assert "dropped" in {a["state"] for a in announcements(page) if a["counter"] == "1"}
    expect(recent.filter(has_text=first)).to_have_count(1)
    clerk.run("CallTicket", counter="c2", visit=first)
    expect(page.locator(f'#now-calls li[data-ticket="{first}"]')).to_have_attribute(
        "data-counter", "2"
    )
    expect(page.locator(f'li[data-ticket="{first}"]')).to_have_count(1)

    # A call leaves "now calling" when the visitor is transferred; it stays in recent calls.
    clerk.run("CallTicket", counter="c3", visit=second)
    expect(now).to_have_count(2)
    clerk.run("Transfer", counter="c3", queue="C", note="先に子どもの手続き")
    expect(page.locator(f'#now-calls li[data-ticket="{second}"]')).to_have_count(0)
    expect(page.locator(f'#recent-calls li[data-ticket="{second}"]')).to_have_count(1)
    expect(now).to_have_count(1)
    save(page, "board-standing-calls.png")
    clerk.run("CompleteStep", counter="c2")
    expect(now).to_have_count(0)
    page.context.close()


def test_board_screenshots(browser: Browser, server: LiveServer, staff: Staff) -> None:
    guide, clerk = staff("guide01", "1111"), staff("clerk-shimin", "2222")
    hoken = staff("clerk-hoken", "2223")
    desks = {"c1": clerk, "c2": clerk, "c3": clerk, "c4": clerk, "c5": hoken}
    for counter, desk in desks.items():
        desk.run("OpenCounter", counter=counter)
    for _ in range(10):
        guide.run("CreateVisit", intake=INTAKE)
    for counter in ("c2", "c3", "c4", "c5"):
        desks[counter].run("CallNext", counter=counter)

    page = new_page(browser, 1920, 1080)
    page.clock.install()
    open_board(page, server)  # switched on after those calls: shown, not announced again
    clerk.run("CallNext", counter="c1")
    newest = page.locator("#now-calls li").first
    expect(newest).to_have_attribute("data-counter", "1")
    expect(newest).to_have_class(FRESH)
    advance(page, 4_000)  # after the chime: the Japanese call is captioned
    expect(page.locator("#caption .caption-text")).to_contain_text("大変お待たせいたしました")
    save(page, "board-calling-ja.png")
    advance(page, 25_000)  # announced in every language: a quiet board
    expect(page.locator("#caption")).to_be_hidden()
    expect(page.locator(".calls > li.fresh")).to_have_count(0)
    save(page, "board-landscape-ja.png")
    page.context.close()

    portrait = new_page(browser, 1080, 1920)
    open_board(portrait, server, "entrance")
    expect(portrait.locator("#waiting tbody tr")).to_have_count(6)
    save(portrait, "board-portrait-ja.png")
    portrait.context.close()
    for counter, desk in desks.items():
        desk.run("CompleteStep", counter=counter)


# Every counter of line A calling at once (09:00 on a March Monday), and counter 30 with them.
LINE_A = ["c1", "c2", "c3", "c4", "c5", "c6", "c30"]
# The rectangles of the calls on screen, and of the parts of the board they must stay inside.
LAYOUT = """() => {
  const box = (el) => { const r = el.getBoundingClientRect();
    return {left: r.left, top: r.top, right: r.right, bottom: r.bottom}; };
  const shown = (list) => { const limit = list.getBoundingClientRect();
    return [...list.children].map(box).filter((r) => r.bottom <= limit.bottom + 1); };
  return {
    viewport: {left: 0, top: 0, right: innerWidth, bottom: innerHeight},
    now: shown(document.getElementById("now-calls")),
    nowCount: document.getElementById("now-calls").children.length,
    cut: [...document.querySelectorAll("#now-calls > li, #recent-calls > li")]
      .filter((li) => li.scrollWidth > li.clientWidth + 1).map((li) => li.textContent),
    recent: shown(document.getElementById("recent-calls")),
    others: [".recent h2", ".waiting", ".notices"].map((s) => box(document.querySelector(s))),
    waiting: box(document.querySelector(".waiting")),
    lines: [...document.querySelectorAll("#waiting tbody tr")].map(box),
  };
}"""


def _overlap(a: dict[str, float], b: dict[str, float]) -> bool:
    return (
        min(a["right"], b["right"]) - max(a["left"], b["left"]) > 1
        and min(a["bottom"], b["bottom"]) - max(a["top"], b["top"]) > 1
    )


def _inside(inner: dict[str, float], outer: dict[str, float]) -> bool:
    return all(
        (inner[k] >= outer[k] - 1) if k in ("left", "top") else (inner[k] <= outer[k] + 1)
        for k in ("left", "top", "right", "bottom")
    )


@pytest.mark.parametrize("calling", [5, 7])
@pytest.mark.parametrize(
    ("board", "size"), [("lobby-1f", (1920, 1080)), ("entrance", (1080, 1920))]
)
def test_at_a_busy_moment_every_called_number_is_on_the_board_whole(
    browser: Browser,
    fresh_day: LiveServer,
    staff: Staff,
    board: str,
    size: tuple[int, int],
    calling: int,
) -> None:
    """Five or seven counters calling at once and a row of earlier calls: a visitor finds
    their number whole on the screen, no card covers another, the recent calls or the waiting
    table, and every line's wait is still there to read."""
    supervisor, guide = staff("super01", "9999"), staff("guide01", "1111")
    for counter in LINE_A:
        supervisor.run("OpenCounter", counter=counter)
    for _ in range(2 * len(LINE_A)):
        guide.run("CreateVisit", intake=INTAKE)
    for counter in LINE_A:  # earlier calls, served: they fill "recent calls"
        supervisor.run("CallNext", counter=counter)
        supervisor.run("CompleteStep", counter=counter)
    page = open_board(new_page(browser, *size), fresh_day, board)
    for counter in LINE_A[:calling]:
        supervisor.run("CallNext", counter=counter)
    expect(page.locator("#now-calls > li")).to_have_count(calling)
    layout = page.evaluate(LAYOUT)
    assert len(layout["now"]) == layout["nowCount"] == calling  # none cut off
    assert layout["cut"] == []  # no card's text runs past its edge
    assert layout["recent"], "the latest earlier calls are still shown"
    calls = layout["now"] + layout["recent"]
    for i, card in enumerate(calls):
        assert _inside(card, layout["viewport"]), card
        assert not any(_overlap(card, other) for other in calls[i + 1 :]), card
        assert not any(_overlap(card, part) for part in layout["others"]), card
    assert len(layout["lines"]) == (2 if board == "lobby-1f" else 6)
    for line in layout["lines"]:
        assert _inside(line, layout["waiting"]) and _inside(line, layout["viewport"]), line
    save(page, f"board-busy-{calling}-{board}.png")
    for counter in LINE_A[:calling]:
        supervisor.run("CompleteStep", counter=counter)
    page.context.close()


def test_a_revoked_board_goes_dark_at_once_and_says_it_is_not_enrolled(
    browser: Browser, live: LiveServer
) -> None:
    """A lobby TV reported stolen: as soon as a supervisor revokes its token, the open page
    stops showing the lobby and says it is not enrolled; reloading it does not bring it back."""
    page = open_board(new_page(browser, 1920, 1080), live, "lobby-2f")
    with live.signed_in("super01", "9999") as boss:
        assert boss.post("/api/devices/board-lobby-2f/revoke").status_code == 200
    expect(page.locator("#setup")).to_be_visible()
    expect(page.locator("#setup")).to_contain_text("登録されていません")
    expect(page.locator("body")).to_have_attribute("data-link", "refused")
    page.reload()
    expect(page.locator("#setup")).to_be_visible()
    expect(page.locator("#now-calls li")).to_have_count(0)
    page.context.close()
