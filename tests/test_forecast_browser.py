"""The forecast on real screens, from a demo history in a real event log: the public page's
「空いている時間帯」 (without JavaScript) and the guide's "come back at" suggestion when the
wait for a procedure that is not pressing is long (and none for one that is)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Browser, expect

from server.config.schema import Config
from tests.support.a11y import audit
from tests.support.desk import INTAKE, SITE, Desk
from tests.support.hours import ALL_DAY, away_from_midnight, guide_preview, set_hours
from tests.support.live import ROOT, LiveServer, browser_sign_in
from tests.support.screenshots import folder, save

HISTORY_DAYS = 28


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """Shimogyo open all day (the test may run at any hour) with four weeks of history."""
    away_from_midnight()
    folder = tmp_path_factory.mktemp("forecast") / "config"
    shutil.copytree(ROOT / "config", folder)
    set_hours(folder, {SITE: ALL_DAY})
    data = tmp_path_factory.mktemp("server")
    store = f"sqlite:{data / 'madoguchi.db'}"
    env = {**os.environ, "MADOGUCHI_STORE": store, "MADOGUCHI_CONFIG": str(folder)}
    command = [sys.executable, "-m", "server", "demo-history", "--days", str(HISTORY_DAYS)]
    done = subprocess.run(
        [*command, "--site", SITE], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    live = LiveServer(data, store=store, MADOGUCHI_CONFIG=str(folder))
    live.start()
    yield live
    live.stop()


def test_the_public_page_shows_usually_quiet_hours_without_javascript(
    browser: Browser, server: LiveServer
) -> None:
    context = browser.new_context(
        java_script_enabled=False, locale="ja-JP", viewport={"width": 1024, "height": 900}
    )
    page = context.new_page()
    page.goto(f"{server.url}/congestion/{SITE}")
    quiet = page.locator("[data-quiet]")
    expect(quiet.get_by_role("heading")).to_contain_text("空いている時間帯")
    cells = quiet.locator('tr[data-quiet-line="A"] td')
    expect(cells).to_have_count(5)
    expect(cells.first).to_contain_text("時台")
    # Line A's late morning is its busiest time: never offered as quiet.
    assert all("10時台" not in c and "11時台" not in c for c in cells.all_inner_texts())
    # axe-core runs inside the page and needs its JavaScript: the same page is audited as a
    # browser with JavaScript sees it; the screenshot is the one without.
    page.screenshot(path=str(folder() / "public-forecast.png"), full_page=True)
    scripted = browser.new_page(locale="ja-JP", viewport={"width": 1024, "height": 900})
    scripted.goto(f"{server.url}/congestion/{SITE}")
    audit(scripted, "public-forecast.png")
    scripted.close()
    forecast = httpx.get(f"{server.url}/open-data/{SITE}/forecast.json").json()
    assert len(forecast["days"]) == 14 and forecast["history_from"]
    page.context.close()


def test_the_guide_suggests_coming_back_when_the_wait_is_long_and_nothing_is_pressing(
    browser: Browser, server: LiveServer, config: Config
) -> None:
    with Desk(server, "guide01", "1111") as guide, Desk(server, "clerk-shimin", "2222") as clerk:
        for _ in range(5):
            guide.run("CreateVisit", intake=INTAKE)
        clerk.run("OpenCounter", counter="c1")
        # Five ahead at one counter, 15 minutes each: about 75 minutes, over A's 60.
        pressing = guide.http.post(f"/api/sites/{SITE}/plan", json={"intake": INTAKE}).json()
        assert pressing["come_back"] is None  # moving in has a legal deadline: no advice
    page = guide_preview(browser, server, config, SITE)  # a PIN reset: nothing pressing
    advice = page.get_by_test_id("come-back")
    # The estimate uses the measured service times (the history's): over an hour either way.
    expect(advice).to_contain_text(re.compile(r"待ち時間が長くなっています（約([6-9]\d|1\d\d)分）"))
    expect(advice.locator("li").first).to_contain_text("時台")
    save(page, "guide-come-back.png")
    page.context.close()


def test_the_supervisor_sees_the_staffing_plan_and_what_opening_a_counter_now_would_do(
    browser: Browser, server: LiveServer
) -> None:
    with Desk(server, "guide01", "1111") as guide, Desk(server, "clerk-shimin", "2222") as clerk:
        clerk.run("OpenCounter", counter="c1")
        clerk.run("CloseCounter", counter="c2")
        for _ in range(4):
            guide.run("CreateVisit", intake=INTAKE)
    context = browser.new_context(locale="ja-JP", viewport={"width": 1600, "height": 900})
    page = context.new_page()
    browser_sign_in(page, server, "super01", "9999")
    page.goto(f"{server.url}/supervisor/{SITE}/staffing")
    line_a = page.locator('tr[data-line="A"]')
    rush = int(line_a.locator('td[data-hour="10"]').get_attribute("data-counters") or 0)
    early = int(line_a.locator('td[data-hour="8"]').get_attribute("data-counters") or 0)
    assert rush > early >= 1  # the late morning needs more counters
    expect(line_a.locator("[data-simulated]")).to_contain_text("平均")
    # Opening counter 2 now halves line A's estimate (one open counter becomes two).
    what_if = page.locator('.what-if li[data-counter="c2"]')
    expect(what_if).to_contain_text(re.compile(r"A 総合受付\s+約(\d+)分 → 約\d+分"))
    text = what_if.inner_text()
    before, after = (int(x) for x in re.findall(r"約(\d+)分", text)[:2])
    assert after < before
    save(page, "supervisor-staffing.png", full_page=True)
    assert page.request.get(f"{server.url}/api/sites/{SITE}/staffing").json()["lines"]
    context.close()


def test_the_supervisor_view_says_live_what_opening_a_closed_counter_would_do(
    browser: Browser, server: LiveServer
) -> None:
    with Desk(server, "clerk-shimin", "2222") as clerk:
        clerk.run("OpenCounter", counter="c1")
        clerk.run("CloseCounter", counter="c3")
    context = browser.new_context(locale="ja-JP", viewport={"width": 1280, "height": 900})
    browser_sign_in(context, server, "super01", "9999")
    page = context.new_page()
    page.goto(f"{server.url}/supervisor/{SITE}")
    expect(page.locator("#conn")).to_have_attribute("data-status", "live")
    hint = page.locator('[data-what-if="c3"]')
    expect(hint).to_contain_text(re.compile(r"開けると: A 約\d+→\d+分"))
    before = hint.inner_text()
    with Desk(server, "guide01", "1111") as guide:
        for _ in range(2):
            guide.run("CreateVisit", intake=INTAKE)
    expect(hint).not_to_have_text(before)  # two more waiting: the figures follow at once
    numbers = [int(x) for x in re.findall(r"約(\d+)→(\d+)分", hint.inner_text())[0]]
    assert numbers[1] < numbers[0]
    context.close()
