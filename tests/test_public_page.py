"""The public congestion page (混雑状況) and its open data, against a real server: numbers
only, cache-friendly, complete without JavaScript and live with it."""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import io
import re
from zoneinfo import ZoneInfo

import httpx
from playwright.sync_api import Browser, expect

from tests.support.desk import INTAKE, SITE, Staff, new_page, server, staff
from tests.support.live import Client, LiveServer
from tests.support.screenshots import save

__all__ = ["server", "staff"]  # fixtures


def test_the_page_shows_counts_per_line_and_answers_304_when_nothing_changed(
    server: LiveServer, staff: Staff
) -> None:
    guide, reception = staff("guide01", "1111"), staff("clerk-shimin", "2222")
    tickets = [guide.run("CreateVisit", intake=INTAKE)["ticket"] for _ in range(3)]
    reception.run("OpenCounter", counter="c1")
    with httpx.Client(base_url=server.url) as anyone:
        page = anyone.get(f"/congestion/{SITE}")
        assert page.status_code == 200
        row = re.search(r'<tr data-queue="A".*?</tr>', page.text, re.S)
        assert row is not None
        # Three waiting at the general reception, one counter, 15 min each: about 45 minutes.
        assert 'data-field="waiting">3<' in row.group(0)
        assert "30分以上" in row.group(0)
        assert 'data-field="open_counters">1<' in row.group(0)
        # Counts only: no ticket number of anyone.
        assert not any(t in page.text for t in tickets)
        assert page.headers["cache-control"].startswith("public, max-age=")
        etag = page.headers["etag"]
        again = anyone.get(f"/congestion/{SITE}", headers={"If-None-Match": etag})
        assert again.status_code == 304
        guide.run("CreateVisit", intake=INTAKE)
        changed = anyone.get(f"/congestion/{SITE}", headers={"If-None-Match": etag})
        assert changed.status_code == 200
        assert 'data-field="waiting">4<' in changed.text

        city = anyone.get("/congestion")
        assert city.status_code == 200
        assert "下京区役所" in city.text and "中京区役所" in city.text
        assert 'href="/congestion"' in anyone.get("/").text
        now = anyone.get(f"/open-data/{SITE}/now.json").json()
        assert now["queues"]["A"]["waiting"] == 4
        assert anyone.get("/congestion/nowhere").status_code == 404


def test_open_data_hourly_json_and_csv_count_joins_calls_and_waits(
    server: LiveServer, staff: Staff
) -> None:
    reception = staff("clerk-shimin", "2222")
    reception.run("OpenCounter", counter="c1")
    reception.run("CallNext", counter="c1")
    with httpx.Client(base_url=server.url) as anyone:
        data = anyone.get(f"/open-data/{SITE}/hourly.json").json()
        rows = [r for r in data["rows"] if r["line"] == "A"]
        assert sum(r["arrivals"] for r in rows) >= 4
        assert sum(r["called"] for r in rows) >= 1
        assert set(rows[0]) == {
            "date",
            "hour",
            "line",
            "arrivals",
            "called",
            "wait_mean_min",
            "wait_p90_min",
        }
        text = anyone.get(f"/open-data/{SITE}/hourly.csv").text
        parsed = list(csv.DictReader(io.StringIO(text)))
        assert sum(int(r["arrivals"]) for r in parsed if r["line"] == "A") == sum(
            r["arrivals"] for r in rows
        )
        assert anyone.get(f"/open-data/{SITE}/hourly.json?from=2026-13-01").status_code == 400
        assert anyone.get(f"/open-data/{SITE}/hourly.xml").status_code == 404


def test_without_javascript_the_page_shows_the_figures(
    server: LiveServer, staff: Staff, browser: Browser
) -> None:
    guide = staff("guide01", "1111")
    for _ in range(3):
        guide.run("CreateVisit", intake=INTAKE)
    context = browser.new_context(java_script_enabled=False, locale="ja-JP")
    page = context.new_page()
    page.goto(f"{server.url}/congestion/{SITE}")
    row = page.locator('tr[data-queue="A"]')
    expect(row.locator('[data-field="waiting"]')).to_have_text(re.compile(r"^\d+人$"))
    expect(row.locator('[data-field="band"]')).not_to_be_empty()
    assert int(row.locator('[data-field="waiting"]').inner_text().rstrip("人")) >= 3
    context.close()


def test_with_javascript_the_page_updates_live_after_a_command(
    server: LiveServer, staff: Staff, browser: Browser
) -> None:
    guide = staff("guide01", "1111")
    page = new_page(browser, 1024, 900)
    page.goto(f"{server.url}/congestion/{SITE}")
    expect(page.locator("body")).to_have_attribute("data-live", "live")
    waiting = page.locator('tr[data-queue="A"] [data-field="waiting"]')
    before = int(waiting.inner_text().rstrip("人"))
    guide.run("CreateVisit", intake=INTAKE)
    expect(waiting).to_have_text(f"{before + 1}人")
    # "As of" is the office's time (Tokyo), not the reader's (this browser runs in UTC).
    tokyo = dt.datetime.now(ZoneInfo("Asia/Tokyo"))
    as_of = page.locator("#as-of").inner_text()
    assert as_of in {(tokyo - dt.timedelta(minutes=m)).strftime("%H:%M") for m in (0, 1)}
    save(page, "public-congestion.png", full_page=True)
    page.context.close()


def test_anyone_may_open_the_public_view_and_it_carries_counts_only(
    server: LiveServer, staff: Staff
) -> None:
    guide, reception = staff("guide01", "1111"), staff("clerk-shimin", "2222")
    ticket = guide.run("CreateVisit", intake=INTAKE)["ticket"]

    async def scenario() -> None:
        anyone = await Client.connect(server, origin=server.url)
        snapshot = await anyone.hello(SITE, {"kind": "public"})
        assert snapshot["type"] == "snapshot"
        assert set(anyone.entities) == {"site", "queues"}
        waiting = anyone.entities["queues"]["A"]["waiting"]
        reception.run("OpenCounter", counter="c2")
        reception.run("CallNext", counter="c2")
        # The call shows as one fewer waiting at once (the delta follows the command).
        await anyone.until_seen(lambda: anyone.entities["queues"]["A"]["waiting"] == waiting - 1)
        # A call, a ticket, a visit: none ever reaches this view.
        assert not any(ticket in raw for raw in anyone.raw)
        assert all('"calls"' not in raw and '"visits"' not in raw for raw in anyone.raw)
        # The public view sends nothing: commands need a signed-in member of staff.
        refused = await anyone.command("p1", {"type": "CallNext", "counter": "c2"})
        assert refused["code"] == "not_authenticated"
        await anyone.close()

    asyncio.run(scenario())
