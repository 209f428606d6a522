"""Opening hours on real screens: boards say 「開庁前」/「本日の受付は終了しました」 by the site's
hours and 「受付準備中」 only for a line with no open counter during hours; the guide is told
before issuing a ticket outside hours.

The server runs on a copy of the demo configuration whose hours put "now" where each test
needs it (the server's clock is the real one), and a restart changes them.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, Page, expect

from server.config.schema import Config
from tests.guide_support import PHONE, answer, choose_event, next_step, sign_in
from tests.live import LiveServer
from tests.screenshots import save
from tests.test_board_support import Desk, new_page

ROOT = Path(__file__).resolve().parent.parent
TOKYO = ZoneInfo("Asia/Tokyo")
ALL_DAY = ("00:00", "23:59")
CLOSED_BY_NOW = ("00:00", "00:01")  # reception ended at 00:01 today
NOT_YET = ("23:58", "23:59")  # opens at 23:58 today
BOARDS = {
    "shimogyo": "/board/shimogyo/lobby-1f?device=demo-board-lobby-1f-token",
    "nakagyo": "/board/nakagyo/lobby?device=demo-board-nakagyo-lobby-token",
}


def away_from_midnight() -> None:
    """The hours above hold from 00:01 to 23:58 Tokyo time: wait out the minutes between."""
    while not "00:02" <= dt.datetime.now(TOKYO).strftime("%H:%M") < "23:57":
        time.sleep(10)


def set_hours(folder: Path, hours: dict[str, tuple[str, str]]) -> None:
    for site, (opens, closes) in hours.items():
        path = folder / "sites" / f"{site}.toml"
        text = re.sub(
            r"(?m)^hours = .*$",
            f'hours = {{ open = "{opens}", close = "{closes}" }}',
            path.read_text(encoding="utf-8"),
        )
        path.write_text(text, encoding="utf-8")


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    copy = tmp_path_factory.mktemp("hours") / "config"
    shutil.copytree(ROOT / "config", copy)
    return copy


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, folder: Path) -> Iterator[LiveServer]:
    away_from_midnight()
    set_hours(folder, {"shimogyo": ALL_DAY, "nakagyo": CLOSED_BY_NOW})
    live = LiveServer(tmp_path_factory.mktemp("server"), MADOGUCHI_CONFIG=str(folder))
    live.start()
    yield live
    live.stop()


def board(browser: Browser, server: LiveServer, site: str) -> Page:
    page = new_page(browser, 1920, 1080)
    page.goto(server.url + BOARDS[site])
    expect(page.locator("body")).to_have_attribute("data-link", "live")
    return page


def guide_preview(browser: Browser, server: LiveServer, config: Config, site: str) -> Page:
    """The guide's itinerary for a PIN reset (one stop), ready to issue."""
    context = browser.new_context(locale="ja-JP", **PHONE)  # type: ignore[arg-type]
    page = context.new_page()
    sign_in(page, server, site=site)
    choose_event(page, config, "my_number_card")
    next_step(page)
    answer(page, config, "card_task", "pin_reset")
    next_step(page)  # the visitor
    next_step(page)  # the itinerary
    expect(page.locator(".itinerary > li.stop")).to_have_count(1)
    return page


def test_in_hours_only_a_line_without_an_open_counter_is_being_prepared(
    browser: Browser, server: LiveServer
) -> None:
    page = board(browser, server, "shimogyo")
    with Desk(server, "clerk-shimin", "2222") as clerk:
        clerk.run("OpenCounter", counter="c1")  # line A opens; nothing serves line B yet
    expect(page.locator('tr[data-queue="A"] .band .t1')).not_to_have_text("受付準備中")
    expect(page.locator('tr[data-queue="B"] .band .t1')).to_have_text("受付準備中")
    expect(page.locator("#phase")).to_be_hidden()
    with Desk(server, "clerk-shimin", "2222") as clerk:
        clerk.run("CloseCounter", counter="c1")
    page.context.close()


def test_after_closing_time_the_board_and_the_guide_say_reception_has_ended(
    browser: Browser, server: LiveServer, config: Config
) -> None:
    page = board(browser, server, "nakagyo")
    expect(page.locator("#phase .t1")).to_have_text("本日の受付は終了しました")
    expect(page.locator("body")).to_have_attribute("data-phase", "after_close")
    for band in page.locator("#waiting tbody .band .t1").all():
        expect(band).to_have_text("本日の受付は終了しました")
    save(page, "board-after-close.png")
    page.context.close()

    guide = guide_preview(browser, server, config, "nakagyo")
    warning = guide.get_by_test_id("office-hours")
    expect(warning).to_contain_text("本日の受付は終了しました")
    expect(warning).to_contain_text("受付時間は00:01まで")
    # In hours (Shimogyo today), nothing is said.
    open_guide = guide_preview(browser, server, config, "shimogyo")
    expect(open_guide.get_by_test_id("office-hours")).to_have_count(0)
    guide.context.close()
    open_guide.context.close()


def test_before_opening_the_board_and_the_guide_say_it_is_not_open_yet(
    browser: Browser, server: LiveServer, config: Config, folder: Path
) -> None:
    away_from_midnight()
    server.stop()
    set_hours(folder, {"shimogyo": NOT_YET})
    server.start()
    page = board(browser, server, "shimogyo")
    expect(page.locator("#phase .t1")).to_have_text("開庁前")
    expect(page.locator('tr[data-queue="A"] .band .t1')).to_have_text("開庁前")
    page.context.close()
    guide = guide_preview(browser, server, config, "shimogyo")
    warning = guide.get_by_test_id("office-hours")
    expect(warning).to_contain_text("開庁前です")
    expect(warning).to_contain_text("窓口の受付は23:58から")
    save(guide, "guide-before-opening.png")
    guide.context.close()
