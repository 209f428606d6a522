"""Office hours for browser tests: rewrite a site's opening hours in a test's configuration
folder, keep a test away from midnight in Tokyo, and open the guide's plan preview."""

from __future__ import annotations

import datetime as dt
import re
import time
from pathlib import Path
from zoneinfo import ZoneInfo

from playwright.sync_api import Browser, Page, expect

from server.config.schema import Config
from tests.support.guide import PHONE, answer, choose_event, next_step, sign_in
from tests.support.live import LiveServer

TOKYO = ZoneInfo("Asia/Tokyo")


ALL_DAY = ("00:00", "23:59")


CLOSED_BY_NOW = ("00:00", "00:01")  # reception ended at 00:01 today


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
