"""Every visitor in their own language, with what to bring in hand (issue 14), in a real browser:
the visitor page opens in the intake's language, English is drawn at full size and contrast,
the documents still missing and the forms appear on the page and the printed ticket, a
deflected visitor gets a self-service slip, and a closed day gives advice, not promises.
"""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import Browser, Page, expect

from tests.support.a11y import audit, smallest_text
from tests.support.desk import INTAKE, SITE, Staff, server, staff
from tests.support.live import LiveServer, browser_sign_in
from tests.support.screenshots import save

__all__ = ["server", "staff"]  # fixtures

PHONE: dict[str, Any] = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}


def intake(language: str, **more: Any) -> dict[str, Any]:
    """The moved-in family of the board tests, speaking ``language``."""
    return {**INTAKE, "language": language, **more}


def visitor(browser: Browser, server: LiveServer, token: str, locale: str = "ja-JP") -> Page:
    page = browser.new_context(locale=locale, **PHONE).new_page()
    page.goto(f"{server.url}/visit/{SITE}/{token}")
    expect(page.locator("#ticket")).not_to_be_empty()
    return page


def computed(page: Page, selector: str) -> dict[str, Any]:
    style: dict[str, Any] = page.locator(selector).first.evaluate(
        "el => { const s = getComputedStyle(el);"
        " return {size: parseFloat(s.fontSize), color: s.color}; }"
    )
    return style


def test_a_vietnamese_visitor_sees_vietnamese_with_the_interpreter_stated(
    browser: Browser, server: LiveServer, staff: Staff
) -> None:
    ack = staff("guide01", "1111").run(
        "CreateVisit", intake=intake("vi", needs=["interpreter"], interpreter="vi")
    )
    page = visitor(browser, server, ack["token"], locale="vi-VN")
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    expect(page.locator("#number-label")).to_have_text("Số của bạn")
    expect(page.locator("#status-title")).to_have_text("Vui lòng chờ đến lượt")
    expect(page.locator("#interpreter")).to_have_text("Đã sắp xếp phiên dịch (Tiếng Việt) cho bạn.")
    expect(page.locator("#link")).to_have_text("Tự động cập nhật")
    # Office names in Vietnamese where config has them; names it lacks fall back to English.
    expect(page.locator('#steps > li[data-queue="A"] .step-label')).to_have_text(
        "Quầy tiếp nhận chung"
    )
    expect(page.locator("#where-main")).to_have_text("Chờ tại khu vực Quầy tiếp nhận chung")
    expect(page.locator('#steps > li[data-queue="A"] .procedures li').first).to_contain_text(
        "Moving-in notification"
    )
    expect(page.locator('#steps > li[data-queue="A"] .bring-title')).to_have_text(
        "Giấy tờ còn thiếu"
    )
    body = page.locator("main").inner_text()
    assert not re.search(r"[\u3040-\u30ff]", body), body  # no kana anywhere on the page
    assert smallest_text(page)["size"] >= 16, smallest_text(page)
    save(page, "visitor-waiting-vi.png", full_page=True)

    # The visitor switches to Nepali; the choice is kept for this ticket across reloads.
    page.get_by_label(re.compile("Language")).select_option("ne")
    expect(page.locator("html")).to_have_attribute("lang", "ne")
    expect(page.locator("#status-title")).to_have_text("कृपया आफ्नो पालो पर्खनुहोस्")
    expect(page.locator('#steps > li[data-queue="A"] .step-label')).to_have_text(
        "General reception"
    )
    page.reload()
    expect(page.locator("#status-title")).to_have_text("कृपया आफ्नो पालो पर्खनुहोस्")
    save(page, "visitor-waiting-ne.png", full_page=True)

    # A new ticket on the same phone opens in its own intake language.
    other = staff("guide01", "1111").run("CreateVisit", intake=intake("ja"))
    page.goto(f"{server.url}/visit/{SITE}/{other['token']}")
    expect(page.locator("#status-title")).to_have_text("順番をお待ちください")
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    page.context.close()


def test_an_english_page_is_drawn_at_full_size_and_contrast(
    browser: Browser, server: LiveServer, staff: Staff
) -> None:
    ack = staff("guide01", "1111").run("CreateVisit", intake=intake("en"))
    page = visitor(browser, server, ack["token"], locale="en-GB")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#status-title")).to_have_text("Please wait for your turn")
    ticket = computed(page, "#ticket")
    assert ticket["color"] == "rgb(17, 17, 17)" and ticket["size"] >= 60, ticket
    for selector in ("#status-detail", ".procedures li", ".bring li", "#where-main", "#privacy"):
        style = computed(page, selector)
        assert style["size"] >= 16, (selector, style)
    for selector in ("#status-title", "#status-detail", ".procedures li", ".bring li"):
        assert computed(page, selector)["color"] == "rgb(17, 17, 17)", selector
    save(page, "visitor-waiting-en.png", full_page=True)
    page.context.close()


def test_the_missing_documents_and_forms_are_on_the_page_and_the_ticket(
    browser: Browser, server: LiveServer, staff: Staff
) -> None:
    ack = staff("guide01", "1111").run("CreateVisit", intake=intake("ja"))
    page = visitor(browser, server, ack["token"])
    first = page.locator('#steps > li[data-queue="A"]')
    expect(first.locator(".bring-title")).to_have_text("まだお持ちでない書類")
    # Photo ID is not asked for: the visitor's My Number card is one (config: satisfied_by).
    expect(first.locator(".bring li")).to_have_text(["基礎年金番号通知書または年金手帳"])
    expect(first.locator(".fill li")).to_have_text(
        ["住民異動届", "国民健康保険 異動届", "国民年金被保険者関係届書"]
    )
    children = page.locator('#steps > li[data-queue="C"]')
    expect(children.locator(".bring li")).to_contain_text(["振込先の通帳"])
    # Documents the intake says the visitor has (転出証明書, マイナンバーカード) are not listed.
    assert "転出証明書" not in page.locator("#steps").inner_text()
    page.context.close()

    # The printed ticket of a Vietnamese visitor: Japanese first, then Vietnamese, and the
    # checklists in Vietnamese (English names where config has no Vietnamese).
    vi = staff("guide01", "1111").run("CreateVisit", intake=intake("vi"))
    paper = browser.new_context(locale="ja-JP").new_page()
    browser_sign_in(paper, server, "guide01", "1111")
    paper.goto(f"{server.url}/guide/{SITE}/ticket/{vi['ticket']}")
    expect(paper.locator(".check").first).to_have_text("まだお持ちでない書類 / Giấy tờ còn thiếu")
    expect(paper.locator(".bring").first.locator("li")).to_have_text(
        ["Basic pension number notice or pension book"]
    )
    expect(paper.locator(".fill").first.locator("li").first).to_have_text(
        "Notification of change of residence"
    )
    expect(paper.locator("figcaption")).to_contain_text("Quét để xem lượt của bạn")
    # Legible at arm's length: nothing under 12 pt (16 px) on the ticket.
    smallest = paper.evaluate(
        "() => Math.min(...[...document.querySelectorAll('.ticket *')]"
        ".filter(el => el.childNodes.length && [...el.childNodes].some(n => n.nodeType === 3"
        " && n.textContent.trim())).map(el => parseFloat(getComputedStyle(el).fontSize)))"
    )
    assert smallest >= 16, smallest
    audit(paper, "printable ticket (A6)")
    paper.goto(f"{server.url}/guide/{SITE}/ticket/{vi['ticket']}?paper=receipt")
    expect(paper.locator(".bring").first.locator("li")).to_have_count(1)
    audit(paper, "printable ticket (receipt)")
    paper.context.close()


def test_a_deflected_visitor_gets_a_self_service_slip(browser: Browser, server: LiveServer) -> None:
    page = browser.new_context(locale="vi-VN", **PHONE).new_page()
    page.goto(f"{server.url}/self-service/{SITE}/konbini?lang=vi&p=jumin_hyo,kazei_shomei")
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    expect(page.locator("h1")).to_have_text("Bạn có thể làm mà không cần xếp hàng")
    expect(page.locator(".route-name")).to_contain_text(
        "Nhận giấy chứng nhận tại cửa hàng tiện lợi"
    )
    expect(page.locator("#slip-procedures li")).to_have_text(
        [
            "Bản sao phiếu cư trú (Juminhyo) — Lệ phí: ¥200",
            "Giấy chứng nhận thu nhập và thuế — Lệ phí: ¥200",
        ]
    )
    expect(page.locator("#slip-bring li").first).to_have_text("Thẻ My Number của chính bạn")
    expect(page.locator("#slip-bring")).to_contain_text("Mã PIN 4 số")
    expect(page.locator("#slip-hours")).to_contain_text("6:30–23:00")
    expect(page.locator(".qr svg")).to_be_visible()
    save(page, "selfservice-slip-vi.png", full_page=True)
    # The language menu switches the slip without a script.
    page.get_by_label(re.compile("Language")).select_option("en")
    page.get_by_role("button", name="OK").click()
    expect(page.locator("h1")).to_have_text("You can do this without queueing")
    expect(page.locator("#slip-procedures li").first).to_have_text(
        "Certificate of residence — Fee: ¥200"
    )
    # Unknown routes are refused; sensitive or foreign procedures are never named.
    assert page.request.get(f"{server.url}/self-service/{SITE}/nowhere").status == 404
    page.goto(f"{server.url}/self-service/{SITE}/konbini?lang=en&p=rikon_todoke,jumin_hyo")
    expect(page.locator("#slip-procedures li")).to_have_count(1)
    page.context.close()


def test_after_the_day_closes_the_page_gives_advice_not_promises(
    browser: Browser, server: LiveServer, staff: Staff
) -> None:
    ack = staff("guide01", "1111").run("CreateVisit", intake=intake("ja"))
    page = visitor(browser, server, ack["token"])
    expect(page.locator("#link")).to_have_text("自動で更新しています")
    staff("super01", "9999").run("CloseDay")
    expect(page.locator("#status-title")).to_have_text("この番号札は本日の受付を終了しました")
    expect(page.locator("#link")).to_have_text("本日の受付は終了しました")
    expect(page.locator("#status-detail")).to_contain_text("次の開庁日（08:45–17:30）")
    text = page.locator("body").inner_text()
    assert "自動で更新しています" not in text and "本日の閉庁まで有効です" not in text
    # What to bring next time is still listed.
    expect(page.locator('#steps > li[data-queue="A"] .bring li').first).to_be_visible()
    page.context.close()
