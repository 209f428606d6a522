"""The visit plan on real screens (issue 13): for a marriage with a change of name the guide's
preview, and then the visitor's own page, put the family-register line first and say why the
general reception comes after it; a My Number card counts as photo ID."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Browser, expect

from server.config.schema import Config
from tests.support.desk import Staff, new_page, server, staff
from tests.support.guide import PHONE, answer, choose_event, next_step, shot, sign_in
from tests.support.live import LiveServer

__all__ = ["server", "staff"]  # fixtures

ANSWERS: dict[str, bool] = {
    "changes_name": True,
    "has_my_number_card": True,
    "knows_pin": True,
    "wants_inkan": False,
    "joins_spouse_insurance": True,
}
MARRIAGE: dict[str, Any] = {"events": ["konin"], "answers": ANSWERS}


def test_the_guide_sees_the_marriage_first_and_why(
    browser: Browser, server: LiveServer, config: Config
) -> None:
    context = browser.new_context(locale="ja-JP", **PHONE)  # type: ignore[arg-type]
    page = context.new_page()
    sign_in(page, server)
    choose_event(page, config, "konin")
    next_step(page)
    for qid, value in ANSWERS.items():
        answer(page, config, qid, value)
    next_step(page)  # the visitor
    next_step(page)  # the itinerary
    stops = page.locator(".itinerary > li.stop")
    expect(stops).to_have_count(2)
    expect(stops.nth(0)).to_have_attribute("data-queue", "B")
    expect(stops.nth(0).locator("li[data-procedure]")).to_have_text(["婚姻届"])
    expect(stops.nth(0).locator(".stop-after")).to_have_count(0)
    expect(stops.nth(1)).to_have_attribute("data-queue", "A")
    expect(stops.nth(1).locator(".stop-after")).to_have_text("婚姻届の受理後")
    expect(stops.nth(1).locator("li[data-procedure]").first).to_have_attribute(
        "data-procedure", "kokuho_dattai"
    )
    photo = page.locator('.documents li[data-document="photo_id"]')
    expect(photo).to_have_class("have")
    expect(photo.locator(".doc-state")).to_have_text("持参済み（マイナンバーカードで可）")
    shot(page, "guide-preview-marriage.png", full_page=True)
    context.close()


def test_the_visitor_page_says_why_a_stop_comes_later(
    browser: Browser, server: LiveServer, staff: Staff
) -> None:
    ack = staff("guide01", "1111").run("CreateVisit", intake=MARRIAGE)
    page = new_page(browser, 390, 844, is_mobile=True, has_touch=True)
    page.goto(f"{server.url}/visit/shimogyo/{ack['token']}")
    expect(page.locator("#link")).to_have_attribute("data-link", "live")
    steps = page.locator("#steps > li")
    expect(steps).to_have_count(2)
    expect(steps.nth(0)).to_have_attribute("data-queue", "B")
    expect(steps.nth(1)).to_have_attribute("data-queue", "A")
    expect(steps.nth(1).locator(".step-after")).to_have_text("婚姻届の受理後")
    page.context.close()
