"""The visitor's own status page in a real browser: following one ticket through two counters,
the language choice, and expired links. Screenshots go to docs/screenshots/.
"""

from __future__ import annotations

import re

from playwright.sync_api import Browser, Page, expect

from tests.support.desk import (
    INTAKE,
    SITE,
    Desk,
    Staff,
    new_page,
    server,
    staff,
)
from tests.support.live import LiveServer
from tests.support.screenshots import save

__all__ = ["server", "staff"]  # fixtures

JAPANESE = {**INTAKE, "language": "ja"}


def open_visit(browser: Browser, server: LiveServer, token: str) -> Page:
    page = new_page(browser, 390, 844, device_scale_factor=2, is_mobile=True, has_touch=True)
    page.goto(f"{server.url}/visit/{SITE}/{token}")
    expect(page.locator("#link")).to_have_attribute("data-link", "live")
    return page


def step(page: Page, queue: str) -> tuple[str, str]:
    """(status word, procedure marks) of the itinerary step at ``queue``."""
    item = page.locator(f'#steps > li[data-queue="{queue}"]')
    return item.locator(".step-status").inner_text(), "".join(
        item.locator(".procedures .mark").all_inner_texts()
    )


def test_the_visitor_follows_their_ticket_through_two_counters(
    browser: Browser, server: LiveServer, staff: Staff
) -> None:
    guide, reception = staff("guide01", "1111"), staff("clerk-shimin", "2222")
    children = staff("clerk-hagukumi", "4444")
    others = [guide.run("CreateVisit", intake=INTAKE)["ticket"] for _ in range(2)]
    ack = guide.run("CreateVisit", intake=JAPANESE)
    ticket = ack["ticket"]
    page = open_visit(browser, server, ack["token"])

    # Waiting at the general reception behind two others; no counter open yet.
    expect(page.locator("#ticket")).to_have_text(ticket)
    expect(page.locator("#status-title")).to_have_text("順番をお待ちください")
    expect(page.locator("#status-detail")).to_have_text("あなたの前に 2人")
    expect(page.locator("#status-extra")).to_have_text("窓口の開始をお待ちください")
    reception.run("OpenCounter", counter="c1")
    # One counter, 15 minutes a visitor (config), two ahead: about 30 minutes.
    expect(page.locator("#status-extra")).to_have_text("待ち時間の目安 約30分")
    expect(page.locator("#where-main")).to_have_text("「総合受付」の待合でお待ちください")
    expect(page.locator("#where-sub")).to_have_text("1F")
    expect(page.locator("#steps > li")).to_have_count(2)
    assert step(page, "A") == ("待ち", "○○○○")
    assert step(page, "C") == ("このあと", "○○")
    save(page, "visitor-waiting-ja.png", full_page=True)

    # Counter 1 calls: the page says where to go, at once. Nothing of the others shows.
    reception.run("CallTicket", counter="c1", visit=ticket)
    expect(page.locator("#status-title")).to_have_text("お呼び出しです", timeout=1000)
    expect(page.locator("#status-detail")).to_have_text("1番窓口へお越しください")
    expect(page.locator("#where-main")).to_have_text("1番窓口")
    expect(page.locator("#where-sub")).to_have_text("1F · 市民窓口課（戸籍住民）")
    expect(page).to_have_title(re.compile(f"【お呼び出し】{ticket} → 1番窓口"))
    assert step(page, "A")[0] == "お呼び出し中"
    save(page, "visitor-called-ja.png", full_page=True)

    reception.run("StartServing", counter="c1")
    expect(page.locator("#status-title")).to_have_text("手続き中です")
    reception.run("CompleteStep", counter="c1")

    # On to the children's counter upstairs.
    expect(page.locator("#where-main")).to_have_text("「子ども・子育て」の待合でお待ちください")
    expect(page.locator("#where-sub")).to_have_text("2F")
    expect(page.locator('#steps > li[data-queue="A"] .step-status')).to_have_text("完了")
    assert step(page, "A") == ("完了", "✓✓✓✓")
    expect(page.locator('#steps > li[aria-current="step"]')).to_have_attribute("data-queue", "C")
    children.run("OpenCounter", counter="c40")
    expect(page.locator("#status-extra")).to_have_text("まもなくお呼びします")  # first in line
    children.run("CallNext", counter="c40")
    expect(page.locator("#status-detail")).to_have_text("40番窓口へお越しください", timeout=1000)
    expect(page.locator("#where-sub")).to_have_text("2F · 子どもはぐくみ室")
    children.run("CompleteStep", counter="c40")

    expect(page.locator("#status-title")).to_have_text("すべての手続きが終わりました")
    expect(page.locator("#where")).to_be_hidden()
    assert step(page, "C") == ("完了", "✓✓")
    body = page.locator("body").inner_text()
    assert not any(other in body for other in others)
    save(page, "visitor-done-ja.png", full_page=True)
    page.context.close()


def test_the_visitor_chooses_a_language_and_it_is_kept(
    browser: Browser, server: LiveServer, staff: Staff
) -> None:
    ack = staff("guide01", "1111").run("CreateVisit", intake=JAPANESE)
    page = open_visit(browser, server, ack["token"])
    expect(page.locator("#number-label")).to_have_text("受付番号")
    expect(page.get_by_label(re.compile("言語 / Language"))).to_be_visible()
    menu = page.locator("#lang-select")
    expect(menu.locator("option")).to_have_count(14)  # every intake language with own texts
    menu.select_option("en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#number-label")).to_have_text("Your number")
    expect(page.locator("#status-title")).to_have_text("Please wait for your turn")
    expect(page.locator('#steps > li[data-queue="A"] .step-label')).to_have_text(
        "General reception"
    )
    expect(page.locator("#site-name")).to_have_text("Shimogyo Ward Office")
    page.reload()
    expect(page.locator("#number-label")).to_have_text("Your number")
    expect(page.locator("#lang-label")).to_have_text("🌐 Language", use_inner_text=True)
    # Keyboard: the menu is reachable and changes with the arrow keys.
    menu.focus()
    page.keyboard.press("ArrowDown")  # English → 中文（简体）
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
    menu.select_option("ko")
    expect(page.locator("#number-label")).to_have_text("접수 번호")
    expect(page.locator("html")).to_have_attribute("lang", "ko")
    box = menu.bounding_box()
    assert box is not None and box["height"] >= 44 and box["width"] >= 44
    page.context.close()


def test_an_unknown_or_expired_link_says_so(browser: Browser, live: LiveServer) -> None:
    page = new_page(browser, 390, 844)
    page.goto(f"{live.url}/visit/{SITE}/AAAAAAAAAAAAAAAAAAAAAA")
    expect(page.locator("#expired")).to_be_visible()
    expect(page.locator("#expired-title")).to_have_text("この番号札のリンクは有効期限が切れました")
    expect(page.locator("#ticket-card")).to_be_hidden()

    with Desk(live, "guide01", "1111") as guide, Desk(live, "super01", "9999") as supervisor:
        ack = guide.run("CreateVisit", intake=JAPANESE)
        page.goto(f"{live.url}/visit/{SITE}/{ack['token']}")
        expect(page.locator("#ticket")).to_have_text(ack["ticket"])
        # The day closes: the open page says the ticket has ended, without a reload.
        supervisor.run("CloseDay")
    expect(page.locator("#status-title")).to_have_text("この番号札は本日の受付を終了しました")
    expect(page.locator("#steps > li .step-status")).to_have_text(["中止", "中止"])
    save(page, "visitor-expired-ja.png")
    page.context.close()
