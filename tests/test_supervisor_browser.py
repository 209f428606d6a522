"""The supervisor's live view in a real browser against a real server (Debian Chromium).

Must show: an alert appears when a queue's estimated wait passes its threshold and clears when
a counter is opened; a counter pointed at another queue from the live view calls from that
queue (driven from the clerk's own counter panel). Also: moving a visitor, a notice that
reaches a lobby board and is withdrawn, thresholds, English. One server serves the module;
each test starts from a closed day. Screenshots of a generated busy day are made at the end.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Locator, Page, ViewportSize, expect

from server.config.schema import Config
from server.domain import commands as c
from tests.support.busy_day import BusyDay, write_log
from tests.support.harness import MORNING, SUPERVISOR, Office
from tests.support.live import LiveServer, browser_sign_in
from tests.support.live import http_command as command
from tests.support.screenshots import save

SITE = "shimogyo"
ROOT = Path(__file__).resolve().parent.parent
VIEWPORT: ViewportSize = {"width": 1600, "height": 1100}
BOARD_TOKEN = "demo-board-lobby-1f-token"
# Only a care consultation: one step at queue D (20 minutes a visit, alert at 45).
CARE: dict[str, Any] = {"events": ["shomeisho"], "extra_procedures": ["kaigo_sodan"]}
# Only the marriage notification: one step at queue B (family register).
MARRIAGE: dict[str, Any] = {
    "events": ["konin"],
    "answers": {"changes_name": False, "joins_spouse_insurance": False},
}
MOVED_IN: dict[str, Any] = {
    "events": ["tennyu"],
    "answers": {"moved_from": "other_prefecture", "has_tenshutsu_cert": True, "children": 0},
}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    live = LiveServer(tmp_path_factory.mktemp("supervisor"))
    live.start()
    yield live
    live.stop()


def register(server: LiveServer, intake: dict[str, Any]) -> str:
    ack = command(server, ("guide01", "1111"), {"type": "CreateVisit", "intake": intake})
    assert ack["type"] == "ack", ack
    return str(ack["ticket"])


def signed_in(
    browser: Browser, contexts: list[BrowserContext], server: LiveServer, who: tuple[str, str]
) -> Page:
    context = browser.new_context(viewport=VIEWPORT)
    contexts.append(context)
    browser_sign_in(context, server, *who)
    return context.new_page()


def open_live(browser: Browser, contexts: list[BrowserContext], server: LiveServer) -> Page:
    page = signed_in(browser, contexts, server, ("super01", "9999"))
    page.goto(f"{server.url}/supervisor/{SITE}")
    expect(page.locator("#conn")).to_have_attribute("data-status", "live")
    return page


def queue_row(page: Page, queue: str) -> Locator:
    return page.locator(f"#queues tr[data-queue='{queue}']")


def counter_row(page: Page, counter: str) -> Locator:
    return page.locator(f"#counters tr[data-counter='{counter}']")


def test_an_alert_appears_past_the_threshold_and_clears_when_a_counter_opens(
    browser: Browser, contexts: list[BrowserContext], fresh_day: LiveServer
) -> None:
    server = fresh_day
    page = open_live(browser, contexts, server)
    page.get_by_role("button", name="アラート音: 切").click()
    expect(page.locator("#sound-toggle")).to_have_attribute("aria-pressed", "true")
    beeps = page.evaluate("window.supervisorBeeps || 0")
    counter_row(page, "c50").get_by_role("button", name="開ける").click()
    expect(counter_row(page, "c50").locator(".status-badge")).to_have_text("受付中")
    expect(page.locator("#message")).to_have_text("50番 を開けました")

    # Two visitors for the care line: 2 × 20 min at one counter = 40 min, under the 45.
    register(server, CARE)
    register(server, CARE)
    expect(queue_row(page, "D").locator(".estimate")).to_have_text("40分")
    expect(page.locator("#alert-list li")).to_have_count(0)
    expect(page.locator("#no-alerts")).to_be_visible()

    # The third makes it 60 minutes: the alert is raised, in words, with the counter to open.
    register(server, CARE)
    alert = page.locator("#alert-list li[data-queue='D']")
    expect(alert).to_contain_text("D 健康長寿・介護: 推定待ち 60分が基準 45分に達しました")
    expect(alert).to_contain_text("開けられる窓口: 51番")
    expect(queue_row(page, "D")).to_have_attribute("data-alert", "over")
    expect(queue_row(page, "D").locator(".badge.alert")).to_have_text("⚠ 警告")
    page.wait_for_function(f"() => (window.supervisorBeeps || 0) > {beeps}")
    page.evaluate("window.scrollTo(0, 0)")
    save(page, "supervisor-alert.png")

    # Opening the second care counter from the alert halves the estimate and clears it.
    alert.get_by_role("button", name="51番 開ける").click()
    expect(counter_row(page, "c51").locator(".status-badge")).to_have_text("受付中")
    expect(page.locator("#alert-list li")).to_have_count(0)
    expect(queue_row(page, "D").locator(".estimate")).to_have_text("30分")
    expect(queue_row(page, "D")).to_have_attribute("data-alert", "")


def test_a_counter_pointed_at_another_queue_calls_from_it(
    browser: Browser, contexts: list[BrowserContext], fresh_day: LiveServer
) -> None:
    server = fresh_day
    page = open_live(browser, contexts, server)
    care_visitor = register(server, CARE)
    marriage = register(server, MARRIAGE)
    row = counter_row(page, "c50")
    row.get_by_role("button", name="開ける").click()
    expect(row.locator(".status-badge")).to_have_text("受付中")

    # The rush is at the family register: point the care counter at queue B instead of D.
    row.get_by_role("button", name="呼出列を変更").click()
    dialog = page.locator("#dlg-assign")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("heading")).to_have_text("50番 の呼出列")
    expect(dialog.get_by_label("D 健康長寿・介護")).to_be_checked()
    dialog.get_by_label("D 健康長寿・介護").uncheck()
    dialog.get_by_label("B 戸籍の届出").check()
    page.evaluate("window.scrollTo(0, 0)")
    save(page, "supervisor-reassign.png")
    dialog.get_by_role("button", name="変更する").click()
    expect(dialog).to_be_hidden()
    expect(row.locator(".calls-from")).to_have_text("B変更中")
    expect(page.locator("#message")).to_have_text("50番 の呼出列を変更しました")

    # The care clerk at counter 50 presses "call next" on their own panel: the marriage
    # visitor from queue B is called, not the care visitor waiting in D.
    clerk = signed_in(browser, contexts, server, ("clerk-choju", "3333"))
    clerk.goto(f"{server.url}/counter/{SITE}?counter=c50")
    expect(clerk.locator("#conn")).to_have_attribute("data-status", "live")
    clerk.keyboard.press("n")
    expect(clerk.locator(".serving-card .ticket")).to_have_text(marriage)
    expect(row.locator(".serving .ticket")).to_have_text(marriage)
    expect(queue_row(page, "B").locator(".waiting")).to_have_text("0人")
    expect(queue_row(page, "D").locator(".waiting")).to_have_text("1人")
    assert care_visitor.startswith("D")

    # Back to its configured queue once the rush is over.
    row.get_by_role("button", name="呼出列を変更").click()
    dialog.get_by_role("button", name="設定どおりに戻す").click()
    expect(row.locator(".calls-from")).to_have_text("D")


def test_moving_a_visitor_to_another_line_from_the_live_view(
    browser: Browser, contexts: list[BrowserContext], fresh_day: LiveServer
) -> None:
    server = fresh_day
    page = open_live(browser, contexts, server)
    first = register(server, MOVED_IN)
    register(server, MOVED_IN)
    expect(queue_row(page, "A").locator(".waiting")).to_have_text("2人")
    queue_row(page, "A").get_by_role("button", name="列を見る").click()
    line = page.locator("#dlg-line")
    expect(line.locator("li")).to_have_count(2)
    line.locator("li").first.get_by_role("button", name="他の列へ移す").click()
    move = page.locator("#dlg-move")
    expect(move.get_by_role("heading")).to_have_text(f"{first} を他の列へ移す")
    # Only lines with a counter that can do the move-in: registry clerks also sit at B.
    expect(move.locator("#move-target option")).to_have_text(["B 戸籍の届出"])
    move.get_by_label("移動先の列").select_option("B")
    move.get_by_role("button", name="移す", exact=True).click()
    expect(page.locator("#message")).to_have_text(f"{first} を B 戸籍の届出 へ移しました")
    expect(queue_row(page, "A").locator(".waiting")).to_have_text("1人")
    expect(queue_row(page, "B").locator(".waiting")).to_have_text("1人")

    # Insurance only: no other line has insurance staff, so there is nowhere to move them.
    insured = register(server, {"events": ["shushoku"], "answers": {"employee_insured": True}})
    queue_row(page, "A").get_by_role("button", name="列を見る").click()
    line.locator("li", has_text=insured).get_by_role("button", name="他の列へ移す").click()
    expect(move).to_be_hidden()
    expect(page.locator("#error")).to_have_text(f"{insured} の手続きを扱う他の列はありません")


def test_a_notice_reaches_the_lobby_board_until_withdrawn(
    browser: Browser, contexts: list[BrowserContext], fresh_day: LiveServer
) -> None:
    server = fresh_day
    page = open_live(browser, contexts, server)
    board_context = browser.new_context(viewport={"width": 1920, "height": 1080})
    contexts.append(board_context)
    board = board_context.new_page()
    board.goto(f"{server.url}/board/{SITE}/lobby-1f?device={BOARD_TOKEN}")
    expect(board.locator("body")).to_have_attribute("data-link", "live")
    configured = board.locator("#notice .t1")
    expect(configured).not_to_be_empty()

    text = "本日は大変混み合っています。証明書はコンビニ交付もご利用ください。"
    page.get_by_label("お知らせ（日本語・必須）").fill(text)
    page.get_by_label("英語（任意）").fill(
        "Very busy today: certificates are also at convenience stores."
    )
    page.get_by_label("2階ロビー", exact=True).uncheck()
    page.get_by_label("正面玄関", exact=True).uncheck()
    page.get_by_role("button", name="表示板に出す").click()
    notice = page.locator("#notices li.notice-item")
    expect(notice).to_contain_text(text)
    expect(notice).to_contain_text("1階ロビー")
    expect(board.locator("#notice .t1")).to_have_text(text)
    expect(board.locator("footer.notices")).to_have_class("notices posted")
    save(board, "supervisor-board-notice.png")

    notice.get_by_role("button", name="取り下げる").click()
    expect(page.locator("#notices li.notice-item")).to_have_count(0)
    expect(board.locator("footer.notices")).to_have_class("notices")
    expect(board.locator("#notice .t1")).not_to_have_text(text)


def test_a_threshold_changed_for_the_day_and_the_english_view(
    browser: Browser, contexts: list[BrowserContext], fresh_day: LiveServer
) -> None:
    server = fresh_day
    page = open_live(browser, contexts, server)
    command(server, ("super01", "9999"), {"type": "OpenCounter", "counter": "c32"})
    register(server, MARRIAGE)  # 15 minutes at one counter: under the 45
    expect(queue_row(page, "B").locator(".estimate")).to_have_text("15分")
    queue_row(page, "B").get_by_role("button", name="基準を変更").click()
    dialog = page.locator("#dlg-threshold")
    expect(dialog).to_contain_text("設定値: 45分")
    dialog.get_by_label("推定待ちがこの分数に達したら警告（本日のみ）").fill("15")
    dialog.get_by_role("button", name="変更する").click()
    expect(queue_row(page, "B").locator(".threshold")).to_have_text("15分（設定 45分）")
    expect(page.locator("#alert-list li[data-queue='B']")).to_be_visible()

    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", name="Queues")).to_be_visible()
    expect(page.locator("#alert-list li[data-queue='B']")).to_contain_text(
        "B Family register: estimated wait 15 min has reached the 15 min threshold"
    )
    expect(counter_row(page, "c32").locator(".status-badge")).to_have_text("Open")
    page.locator("#lang-toggle").click()
    expect(page.get_by_role("heading", name="待ち行列")).to_be_visible()


# --- a generated busy day: charts, report, CSV download and the screenshots -------------------


@pytest.fixture(scope="module")
def busy(config: Config, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A server whose log holds a generated busy Monday (2026-03-30) and today so far (the
    last four and a half hours, generated the same way)."""
    office = Office(config, now=MORNING)
    BusyDay(office, seed=2026).run(minutes=8 * 60 + 30, arrivals_until=8 * 60)
    office.run(c.CloseDay(), SUPERVISOR)
    office.now = float(int(time.time() // 60 * 60) - 270 * 60)
    BusyDay(office, seed=7, scale=3).run(minutes=270, arrivals_until=270)
    folder = tmp_path_factory.mktemp("supervisor-busy")
    write_log(f"sqlite:{folder / 'madoguchi.db'}", office.records)
    live = LiveServer(folder)
    live.start()
    yield live
    live.stop()


def test_the_live_view_of_a_busy_day_with_its_charts(
    browser: Browser, contexts: list[BrowserContext], busy: LiveServer
) -> None:
    page = open_live(browser, contexts, busy)
    expect(page.locator("#alert-list li").first).to_be_visible()
    expect(page.locator("#watch li.watch-item").first).to_be_visible()
    for chart in ("chart-waiting", "chart-estimate", "chart-arrivals", "chart-service"):
        expect(page.locator(f"#{chart} canvas")).to_have_count(1)
    expect(page.locator("#chart-waiting")).to_have_attribute(
        "aria-label", re.compile(r"^A 総合受付 \d+人")
    )
    # Touch targets: every visible button is at least 44 px tall.
    heights = page.evaluate(
        "[...document.querySelectorAll('button')].filter((b) => b.offsetParent)"
        ".map((b) => b.getBoundingClientRect().height)"
    )
    assert heights and min(heights) >= 44
    save(page, "supervisor-live.png")
    save(page.locator("#charts-section"), "supervisor-charts.png", audited=True)


def test_the_printable_report_and_its_csv_for_a_past_day(
    browser: Browser, contexts: list[BrowserContext], busy: LiveServer
) -> None:
    page = signed_in(browser, contexts, busy, ("super01", "9999"))
    page.goto(f"{busy.url}/supervisor/{SITE}/report?from=2026-03-30")
    expect(page.locator("body")).to_have_attribute("data-charts", "ready")
    visits = int(page.locator("#sum-visits").inner_text())
    assert visits >= 400
    expect(page.locator("#section-wait_queue tr[data-code='A'] th")).to_contain_text("A 総合受付")
    with page.expect_download() as info:
        page.get_by_role("link", name="CSV（Excel用） CSV for Excel").click()
    download = info.value
    assert download.suggested_filename == "madoguchi-shimogyo-2026-03-30.csv"
    content = Path(download.path()).read_bytes()
    assert content.startswith(b"\xef\xbb\xbf")
    assert f"2026-03-30,visits,visits,来庁者,{visits}".encode() in content
    page.emulate_media(media="print")
    expect(page.locator("form.report-form")).to_be_hidden()
    page.emulate_media(media="screen")
    page.set_viewport_size({"width": 1400, "height": 1300})
    save(page, "supervisor-report.png")


def test_the_city_overview_shows_both_sites(
    browser: Browser, contexts: list[BrowserContext], busy: LiveServer
) -> None:
    page = signed_in(browser, contexts, busy, ("super01", "9999"))
    page.goto(f"{busy.url}/supervisor")
    expect(page.locator(".city-site")).to_have_count(2)
    shimogyo = page.locator(".city-site[data-site='shimogyo']")
    expect(shimogyo.locator(".has-alerts")).to_contain_text("アラート")
    expect(page.locator(".city-site[data-site='nakagyo'] h2")).to_have_text("中京区役所")
    save(page, "supervisor-city.png")
    shimogyo.get_by_role("link", name="管理者ビューを開く →").click()
    expect(page).to_have_url(f"{busy.url}/supervisor/shimogyo")


def test_a_stolen_lobby_board_is_revoked_from_the_live_view_and_goes_dark(
    browser: Browser, contexts: list[BrowserContext], live: LiveServer
) -> None:
    """The 2F lobby TV is reported stolen: the supervisor finds it under boards and kiosks,
    presses revoke twice (once is not enough), and the TV's page stops showing the lobby.
    Only that board: the 1F board and the kiosk stay enrolled."""
    board_context = browser.new_context(viewport={"width": 1920, "height": 1080})
    contexts.append(board_context)
    tv = board_context.new_page()
    tv.goto(f"{live.url}/board/{SITE}/lobby-2f?device=demo-board-lobby-2f-token")
    expect(tv.locator("body")).to_have_attribute("data-link", "live")

    page = open_live(browser, contexts, live)
    devices = page.locator("#devices-section")
    expect(devices).to_be_visible()
    row = devices.locator("li[data-device='board-lobby-2f']")
    expect(row).to_contain_text("2階ロビー")
    expect(row).to_contain_text("使用可")
    row.get_by_role("button", name="2階ロビーを失効させる").click()
    expect(row.get_by_role("button")).to_have_text("もう一度押すと失効します")
    expect(tv.locator("body")).to_have_attribute("data-link", "live")  # not yet
    row.get_by_role("button").click()
    expect(row).to_contain_text("失効済み")
    expect(row.get_by_role("button")).to_have_count(0)
    expect(page.locator("#devices-status")).to_contain_text("2階ロビーを失効させました")
    expect(tv.locator("#setup")).to_contain_text("登録されていません")
    for other in ("board-lobby-1f", "kiosk-shimogyo-entrance"):
        expect(devices.locator(f"li[data-device='{other}']")).to_contain_text("使用可")
    save(page.locator("#devices-section"), "supervisor-devices.png")
