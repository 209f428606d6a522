"""Opening hours on real screens: boards say 「開庁前」/「本日の受付は終了しました」 by the site's
hours and 「受付準備中」 only for a line with no open counter during hours; the guide is told
before issuing a ticket outside hours.

The server runs on a copy of the demo configuration whose hours put "now" where each test
needs it (the server's clock is the real one), and a restart changes them.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from server.config.schema import Config
from tests.support.desk import Desk, new_page
from tests.support.hours import (
    ALL_DAY,
    CLOSED_BY_NOW,
    away_from_midnight,
    guide_preview,
    set_hours,
)
from tests.support.live import LiveServer
from tests.support.screenshots import save

ROOT = Path(__file__).resolve().parent.parent
NOT_YET = ("23:58", "23:59")  # opens at 23:58 today
BOARDS = {
    "shimogyo": "/board/shimogyo/lobby-1f?device=demo-board-lobby-1f-token",
    "nakagyo": "/board/nakagyo/lobby?device=demo-board-nakagyo-lobby-token",
}


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
