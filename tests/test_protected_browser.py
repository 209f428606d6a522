"""A protected visitor in real browsers against a real server: the counter panel calls them
in person, the visitor's own page shows no number and says to wait, and every showing of
the details is in the supervisor's audit trail; a clerk marks another visitor protected
from the panel (online only)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, expect

from server.config.schema import Config
from tests.support.guide import answer_moved_in_family, choose_event, next_step, sign_in
from tests.support.live import LiveServer, audit_rows, browser_sign_in
from tests.support.live import http_command as command
from tests.support.panel import MOVED_IN, open_counter, open_panel, serving
from tests.support.screenshots import save

SITE = "shimogyo"
CLERK = ("clerk-shimin", "2222")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    live = LiveServer(tmp_path_factory.mktemp("protected"), MADOGUCHI_RATE_LIMITS="0")
    live.start()
    yield live
    live.stop()


def audit(server: LiveServer, visit: str) -> list[dict[str, str]]:
    return audit_rows(server, SITE, visit=visit)


def test_the_counter_calls_a_protected_visitor_in_person(
    browser: Browser, contexts: list[BrowserContext], fresh_day: LiveServer
) -> None:
    server = fresh_day
    panel = open_panel(browser, contexts, server, CLERK, "?counter=c1")
    open_counter(panel)
    # The guide marks the visitor protected at intake: the ack carries no number to print.
    ack = command(
        server, ("guide01", "1111"), {"type": "CreateVisit", "intake": MOVED_IN, "protect": "DV"}
    )
    assert ack["type"] == "ack" and ack["ticket"] == "", ack
    visit, token = ack["visit"], ack["token"]
    # The printed ticket has no number either, and printing it is on the audit trail.
    with server.signed_in("guide01", "1111") as http:
        page = http.get(f"/guide/{SITE}/ticket/{visit}")
        assert page.status_code == 200
        assert "係員が直接お声がけします" in page.text
        assert re.search(r"\bA\d{3}\b", page.text) is None
    printed = [r for r in audit(server, visit) if r["action"] == "VisitViewed"]
    assert [(r["actor"], r["target"]) for r in printed] == [("guide01", "view=ticket")]
    item = panel.locator(f".line-item[data-visit='{visit}']")
    expect(item.locator(".badge.protected")).to_have_text("🛡 保護対象")

    visitor = browser.new_context(viewport={"width": 390, "height": 844})
    contexts.append(visitor)
    own = visitor.new_page()
    own.goto(f"{server.url}/visit/{SITE}/{token}")
    expect(own.locator("#ticket")).to_have_text("—")

    panel.keyboard.press("n")
    call = serving(panel).locator("#protected-call")
    expect(call).to_have_attribute("role", "alert")
    expect(call.locator(".protected-how")).to_contain_text("直接お声がけ")
    expect(serving(panel).locator(".badge.protected")).to_be_visible()
    # Nothing on the panel shows their number large or in the messages: the shield instead.
    expect(serving(panel).locator(".ticket.big")).to_have_text("🛡 保護対象")
    real = serving(panel).locator(".record-ticket").inner_text()
    number = re.search(r"A\d{3}", real)
    assert number is not None, real
    expect(panel.locator("#message")).to_have_text("🛡 保護対象 をお呼びしました")
    expect(panel.locator(".dept-counters")).not_to_contain_text(number.group())
    save(panel, "counter-protected-call.png")
    # The visitor's page vibrates (not observable here) and says to stay: staff will come.
    expect(own.locator("#status-detail")).to_have_text(
        "その場でお待ちください。係員がお迎えにまいります"
    )
    assert "A0" not in own.title()
    # Where to wait: the line's waiting area, not the counter (staff come to them).
    expect(own.locator("#where")).to_contain_text("総合受付")
    expect(own.locator("#where")).not_to_contain_text("1番")
    save(own, "visitor-protected-called.png")

    # Showing the details on the panel, and opening them, are both on the audit trail.
    answers = serving(panel).locator(f"details[data-key='answers-{visit}'] summary")
    answers.click()  # open
    answers.click()  # close
    answers.click()  # and open again
    panel.wait_for_timeout(500)
    rows = audit(server, visit)
    actions = [(r["actor"], r["action"]) for r in rows]
    assert ("guide01", "VisitProtected") in actions
    viewed = [r for r in rows if r["action"] == "VisitViewed" and r["actor"] == CLERK[0]]
    assert len(viewed) >= 3, rows  # the card shown, then each opening


def test_a_clerk_marks_the_visitor_at_the_counter(
    browser: Browser, contexts: list[BrowserContext], fresh_day: LiveServer
) -> None:
    server = fresh_day
    panel = open_panel(browser, contexts, server, CLERK, "?counter=c1")
    open_counter(panel)
    ack = command(server, ("guide01", "1111"), {"type": "CreateVisit", "intake": MOVED_IN})
    ticket, visit = ack["ticket"], ack["visit"]
    panel.keyboard.press("n")
    expect(serving(panel).locator(".ticket.big")).to_have_text(ticket)
    panel.locator("button[data-action='protect']").click()
    dialog = panel.locator("#dlg-protect")
    expect(dialog).to_be_visible()
    dialog.get_by_label("理由").fill("証人保護")
    dialog.locator("button[type='submit']").click()
    expect(serving(panel).locator("#protected-call")).to_be_visible()
    expect(panel.locator("button[data-action='protect']")).to_be_disabled()
    # The number is no longer shown large on a panel that may face the public.
    expect(serving(panel).locator(".ticket.big")).to_have_text("🛡 保護対象")
    expect(serving(panel).locator(".record-ticket")).to_contain_text(ticket)
    rows = audit(server, visit)
    assert [r["actor"] for r in rows if r["action"] == "VisitProtected"] == [CLERK[0]]
    assert all("証人" not in str(r) for r in rows)  # the reason is never shown


def test_the_guide_issues_a_protected_ticket_at_intake(
    browser: Browser, contexts: list[BrowserContext], fresh_day: LiveServer, config: Config
) -> None:
    server = fresh_day
    phone = browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    contexts.append(phone)
    page = phone.new_page()
    sign_in(page, server)
    choose_event(page, config, "tennyu")
    next_step(page)
    answer_moved_in_family(page, config)
    next_step(page)  # the visitor
    next_step(page)  # the itinerary: protect here
    page.locator("#protect-on").check()
    page.get_by_label("理由（記録のみ・表示しません）").fill("支援措置（DV）")
    box = page.locator(".protect-box")
    box.evaluate("el => el.scrollIntoView({block: 'center'})")  # clear of the fixed bars
    save(box, "guide-protect-intake.png")
    next_step(page)  # forms
    page.locator("#all-forms").click()
    page.locator("#wizard-next").click()
    # No number on the guide's screen: the visitor is called in person.
    expect(page.get_by_test_id("ticket-number")).to_have_text("🛡 番号なし・係員が直接お声がけ")
    # Today's visits show it only as 保護対象.
    page.locator("[data-tab='visits']").click()
    item = page.locator("#visit-list li.visit.protected")
    expect(item).to_have_count(1)
    expect(item).to_contain_text("保護対象")
    assert re.search(r"\b[A-Z]\d{3}\b", item.inner_text()) is None
    save(page, "guide-protected.png")


def test_only_a_supervisor_unprotects_from_the_live_view(
    browser: Browser, contexts: list[BrowserContext], fresh_day: LiveServer
) -> None:
    server = fresh_day
    ack = command(
        server, ("guide01", "1111"), {"type": "CreateVisit", "intake": MOVED_IN, "protect": "DV"}
    )
    visit = ack["visit"]
    refused = command(server, CLERK, {"type": "UnmarkProtected", "visit": visit})
    assert refused["type"] == "error" and refused["code"] == "forbidden"
    context = browser.new_context(viewport={"width": 1600, "height": 1100})
    contexts.append(context)
    browser_sign_in(context, server, "super01", "9999")
    page = context.new_page()
    page.goto(f"{server.url}/supervisor/{SITE}")
    expect(page.locator("#conn")).to_have_attribute("data-status", "live")
    page.locator("#queues tr[data-queue='A']").get_by_role("button", name="列を見る").click()
    item = page.locator(f"#dlg-line li[data-visit='{visit}']")
    expect(item.locator(".badge", has_text="保護対象")).to_be_visible()
    page.once("dialog", lambda dialog: dialog.accept())
    item.get_by_role("button", name="保護解除").click()
    expect(page.locator("#message")).to_contain_text("の保護を解除しました")
    rows = audit(server, visit)
    assert [r["actor"] for r in rows if r["action"] == "VisitUnprotected"] == ["super01"]
