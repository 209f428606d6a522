"""Stepping out while waiting, on real screens (issue 19): the visitor marks "stepping out"
on their own page, the counter panel shows it, "call next" skips them and asks them back
(banner and vibration on their phone), they press "back" and are called next.

The server runs on a copy of the demo configuration open all day (its clock is the real one:
a back-by time must fall before closing). Screenshots go to docs/screenshots/.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.support.desk import Desk, new_page
from tests.support.guide import PHONE, sign_in
from tests.support.hours import set_hours
from tests.support.live import Client, LiveServer, http_command
from tests.support.panel import MOVED_IN, open_counter, open_panel, serving
from tests.support.screenshots import save

ROOT = Path(__file__).resolve().parent.parent
SITE = "shimogyo"
TOKYO = ZoneInfo("Asia/Tokyo")
# Recorded before any page script runs (an init script is not subject to the page's CSP).
RECORD_VIBRATION = (
    "window.__buzz = []; navigator.vibrate = (p) => { window.__buzz.push(p); return true; };"
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    # Open all day; the choices reach an hour ahead, so keep clear of midnight.
    while not "00:02" <= dt.datetime.now(TOKYO).strftime("%H:%M") < "22:30":
        time.sleep(30)
    folder = tmp_path_factory.mktemp("stepout") / "config"
    shutil.copytree(ROOT / "config", folder)
    set_hours(folder, {"shimogyo": ("00:00", "23:59")})
    live = LiveServer(tmp_path_factory.mktemp("server"), MADOGUCHI_CONFIG=str(folder))
    live.start()
    yield live
    live.stop()


def visitor_page(browser: Browser, server: LiveServer, token: str) -> Page:
    page = new_page(browser, 390, 844, device_scale_factor=2, is_mobile=True, has_touch=True)
    page.add_init_script(RECORD_VIBRATION)
    page.goto(f"{server.url}/visit/{SITE}/{token}")
    expect(page.locator("#link")).to_have_attribute("data-link", "live")
    return page


def test_visitor_steps_out_is_skipped_asked_back_and_called_on_return(
    browser: Browser, contexts: list[BrowserContext], fresh_day: LiveServer
) -> None:
    server = fresh_day
    with Desk(server, "guide01", "1111") as guide:
        first = guide.run("CreateVisit", intake=MOVED_IN)
        second = guide.run("CreateVisit", intake=MOVED_IN)
        third = guide.run("CreateVisit", intake=MOVED_IN)
    me = visitor_page(browser, server, first["token"])
    # Waiting: the page offers stepping out with times to be back.
    outing = me.locator("#outing")
    expect(outing.locator("h2")).to_have_text("いったん外出しますか？")
    choices = outing.locator("#outing-choices button")
    expect(choices.first).to_contain_text("いったん外出します・")
    back_by = choices.first.get_attribute("data-back-by")
    assert back_by
    save(me, "visitor-step-out-offer-ja.png", full_page=True)

    choices.first.click()
    expect(me.locator("#status-title")).to_have_text("外出中です")
    expect(me.locator("#status-detail")).to_have_text(
        f"順番はそのままです。{back_by}までにお戻りください。"
    )
    expect(me.locator("#back-button")).to_have_text("戻りました")
    expect(me.locator("#where-main")).to_have_text("お戻りの際は「総合受付」の待合へ")
    expect(me.locator("#outing-grace")).to_contain_text("お呼びしても来られなかった扱い")
    # First in line: told at once that their turn is near (the site's notify_ahead).
    expect(me.locator("#return-now")).to_contain_text("まもなく順番です")
    me.wait_for_function("() => window.__buzz.length === 1")
    save(me, "visitor-stepped-out-ja.png", full_page=True)

    # The counter panel shows the visitor out, with the time they will be back, in words.
    clerk = open_panel(browser, contexts, server, ("clerk-shimin", "2222"), "?counter=c1")
    open_counter(clerk)
    out_item = clerk.locator(f'.out-item[data-ticket="{first["ticket"]}"]')
    expect(out_item).to_contain_text(f"外出中・{back_by}に戻る")
    expect(clerk.locator('.line[data-queue="A"] h3')).to_contain_text("待ち 2人")
    expect(clerk.locator('.line[data-queue="A"] h3')).to_contain_text("外出中 1人")
    expect(clerk.locator(".line-item").first).to_have_attribute("data-ticket", second["ticket"])
    save(clerk, "counter-step-out.png")

    # Call next: the visitor out is skipped, the next present visitor is called, and the
    # visitor out is asked to come back (banner, and the phone buzzes).
    clerk.keyboard.press("n")
    expect(serving(clerk)).to_contain_text(second["ticket"])
    expect(out_item).to_contain_text("呼出保留")
    banner = me.locator("#return-now")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("順番が来ました。すぐにお戻りになり")
    me.wait_for_function("() => window.__buzz.length === 2")
    save(me, "visitor-asked-back-ja.png", full_page=True)

    # Back within the window: "I'm back" puts them next; the counter calls them.
    me.locator("#back-button").click()
    expect(me.locator("#status-title")).to_have_text("順番をお待ちください")
    expect(me.locator("#status-detail")).to_have_text("次にお呼びします")
    expect(me.locator("#return-now")).to_be_hidden()
    expect(out_item).to_have_count(0)
    clerk.keyboard.press("d")
    expect(serving(clerk)).to_have_count(0)
    clerk.keyboard.press("n")
    expect(serving(clerk)).to_contain_text(first["ticket"])
    expect(me.locator("#status-title")).to_have_text("お呼び出しです")
    assert third["ticket"] not in serving(clerk).inner_text()

    # A guide marks the third visitor out for them on the phone, then back.
    phone = browser.new_context(**PHONE)  # type: ignore[arg-type]
    contexts.append(phone)
    guide_phone = phone.new_page()
    sign_in(guide_phone, server)
    guide_phone.get_by_role("button", name="本日の来庁者").click()
    row = guide_phone.locator(f'li.visit[data-ticket="{third["ticket"]}"]')
    row.locator("button").click()
    sheet = guide_phone.locator("#visit-dialog")
    sheet.locator("#step-out-time").fill(back_by)
    sheet.locator("#step-out").click()
    expect(sheet.locator("#step-back")).to_be_visible()
    expect(sheet).to_contain_text("外出中：")
    expect(clerk.locator(f'.out-item[data-ticket="{third["ticket"]}"]')).to_contain_text(back_by)
    sheet.locator("#step-back").click()
    expect(clerk.locator(".out-item")).to_have_count(0)
    expect(row).to_contain_text("待ち")


def test_a_visitor_page_steps_out_only_its_own_visit_and_only_a_few_times(
    fresh_day: LiveServer,
) -> None:
    """The page's token is the capability: it acts for its own visit only (never another
    ticket, never staff work), and a small bucket per visit limits how often."""
    server = fresh_day
    with Desk(server, "guide01", "1111") as guide:
        mine = guide.run("CreateVisit", intake=MOVED_IN)
        theirs = guide.run("CreateVisit", intake=MOVED_IN)
    back_by = (dt.datetime.now(TOKYO) + dt.timedelta(minutes=30)).strftime("%H:%M")

    async def go() -> list[str]:
        page = await Client.connect(server)
        try:
            await page.hello(SITE, {"kind": "visitor", "token": mine["token"]})
            answers = []
            for n, command in enumerate(
                [
                    {"type": "StepOut", "visit": theirs["ticket"], "back_by": back_by},
                    {"type": "CallNext", "counter": "c1"},
                    {"type": "StepOut", "visit": mine["ticket"], "back_by": back_by},
                    {"type": "StepBack", "visit": mine["ticket"]},
                    {"type": "StepOut", "visit": mine["ticket"], "back_by": back_by},
                ]
            ):
                reply = await page.command(f"v-{n}", command)
                answers.append(reply.get("code", reply["type"]))
            return answers
        finally:
            await page.close()

    assert asyncio.run(go()) == ["forbidden", "forbidden", "ack", "ack", "rate_limited"]
    # The other visitor was never marked out; the refused (rate-limited) one left this in line.
    for ticket in (theirs["ticket"], mine["ticket"]):
        reply = http_command(server, ("guide01", "1111"), {"type": "StepBack", "visit": ticket})
        assert reply["code"] == "not_out"


def test_a_clerk_marks_a_visitor_out_from_the_counter_in_a_dialog(
    browser: Browser, contexts: list[BrowserContext], fresh_day: LiveServer
) -> None:
    """The visitor tells the clerk they will pop out: ↗外出 opens a dialog with a time field
    (half an hour ahead to start with), Enter records it; Escape leaves everything as it was."""
    server = fresh_day
    with Desk(server, "guide01", "1111") as guide:
        first = guide.run("CreateVisit", intake=MOVED_IN)
    clerk = open_panel(browser, contexts, server, ("clerk-shimin", "2222"), "?counter=c1")
    open_counter(clerk)
    out = clerk.get_by_role("button", name=f"{first['ticket']} が外出（戻る時刻を入力）")

    out.click()
    dialog = clerk.locator("#dlg-step-out")
    expect(dialog).to_be_visible()
    expect(dialog.locator(".dlg-visit")).to_have_text(first["ticket"])
    expect(dialog.locator("#step-out-hint")).to_contain_text("最長")
    clerk.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(clerk.locator(".out-item")).to_have_count(0)

    out.click()
    field = dialog.get_by_label("戻る時刻")
    expect(field).to_be_focused()
    suggested = field.input_value()
    assert len(suggested) == 5 and suggested[2] == ":", suggested  # HH:MM, 30 min ahead
    save(clerk, "counter-step-out-dialog.png")
    clerk.keyboard.press("Enter")
    expect(dialog).to_be_hidden()
    out_item = clerk.locator(f'.out-item[data-ticket="{first["ticket"]}"]')
    expect(out_item).to_contain_text(f"外出中・{suggested}に戻る")
