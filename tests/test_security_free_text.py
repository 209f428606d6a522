"""Staff-typed free text (intake notes, handoff and park notes, notice texts, cancel reasons)
is shown as text on every screen: HTML and script in it never run and never become elements,
and the layout holds (real server, Chromium). The CSV exports neutralise formulas."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, ViewportSize

from server.reports.csv_cells import safe_cell
from tests.support.desk import INTAKE
from tests.support.live import LiveServer, browser_sign_in, http_command

SITE = "shimogyo"
SUPER = ("super01", "9999")
# Each payload tries to become an element (data-xss) or to run (window.__xss).
PAYLOADS = {
    "note": '<img src=x data-xss onerror="window.__xss=1">メモ',
    "handoff": '"><svg data-xss onload="window.__xss=2"></svg>引継ぎ',
    "park": "<script>window.__xss=3</script><b data-xss>保留</b>",
    "notice": '<iframe data-xss srcdoc="<script>parent.__xss=4</script>"></iframe>お知らせ',
    "reason": '=HYPERLINK("http://evil.example","<a data-xss href=javascript:__xss=5>x</a>")',
}
INJECTED = "[data-xss], iframe, img[src='x'], svg[onload], a[href^='javascript']"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    live = LiveServer(tmp_path_factory.mktemp("free-text"))
    live.start()
    yield live
    live.stop()


def run(server: LiveServer, command: dict[str, Any]) -> dict[str, Any]:
    reply = http_command(server, SUPER, command)
    assert reply["type"] == "ack", reply
    return reply


@pytest.fixture(scope="module")
def visits(server: LiveServer) -> dict[str, Any]:
    """A parked visit with an intake note, a handoff note and a park note; a cancelled one
    with a reason; a notice on every board. Every text is a payload."""
    noted = run(server, {"type": "CreateVisit", "intake": {**INTAKE, "note": PAYLOADS["note"]}})
    run(server, {"type": "OpenCounter", "counter": "c1"})
    run(server, {"type": "CallNext", "counter": "c1"})
    run(server, {"type": "StartServing", "counter": "c1"})
    run(
        server,
        {
            "type": "AddProcedure",
            "visit": noted["visit"],
            "procedure": "kaigo_sodan",
            "note": PAYLOADS["handoff"],
        },
    )
    run(server, {"type": "Park", "counter": "c1", "note": PAYLOADS["park"]})
    cancelled = run(server, {"type": "CreateVisit", "intake": INTAKE})
    run(server, {"type": "CancelVisit", "visit": cancelled["visit"], "reason": PAYLOADS["reason"]})
    text = {"ja": PAYLOADS["notice"], "en": PAYLOADS["notice"]}
    run(server, {"type": "PostNotice", "text": text})
    return noted


DESK: ViewportSize = {"width": 1280, "height": 900}
PHONE: ViewportSize = {"width": 390, "height": 844}


def screens(visit: dict[str, Any]) -> list[tuple[str, ViewportSize]]:
    """Every screen, at the size it is made for."""
    return [
        (f"/counter/{SITE}?counter=c1", DESK),
        (f"/counter/{SITE}?department=choju", DESK),
        (f"/supervisor/{SITE}", DESK),
        ("/supervisor", DESK),
        (f"/supervisor/{SITE}/report", DESK),
        (f"/board/{SITE}/lobby-1f?device=demo-board-lobby-1f-token", DESK),
        (f"/guide/{SITE}", PHONE),
        (f"/guide/{SITE}/ticket/{visit['visit']}", PHONE),
        (f"/visit/{SITE}/{visit['token']}", PHONE),
    ]


def check(page: Page, url: str) -> str:
    """Open a screen; nothing may run or be injected, nothing may overflow; return its text."""
    page.goto(url)
    page.wait_for_load_state("load")
    page.wait_for_timeout(800)
    assert page.evaluate("window.__xss") is None, url
    assert page.locator(INJECTED).count() == 0, url
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 1, (url, overflow)
    return page.inner_text("body")


def test_free_text_renders_as_text_on_every_screen(
    browser: Browser, contexts: list[BrowserContext], server: LiveServer, visits: dict[str, Any]
) -> None:
    shown: set[str] = set()
    for url, viewport in screens(visits):
        context = browser.new_context(viewport=viewport)
        contexts.append(context)
        browser_sign_in(context, server, SUPER[0], SUPER[1])
        text = check(context.new_page(), server.url + url)
        shown |= {name for name, payload in PAYLOADS.items() if payload in text}
        context.close()
    # The texts are there, literally, where staff read them.
    assert {"note", "handoff", "park", "notice"} <= shown


def test_csv_cells_that_would_be_formulas_are_neutralised() -> None:
    for text in ("=1+1", "+1", "-1+2", "@SUM(A1)", "\t=1", "\r=1"):
        assert safe_cell(text) == "'" + text
    for value in ("A001", "窓口", "", 12, -3, 1.5):
        assert safe_cell(value) == value


def test_the_figures_csv_holds_no_formula(server: LiveServer, visits: dict[str, Any]) -> None:
    with server.signed_in(SUPER[0], SUPER[1]) as http:
        body = http.get(f"/supervisor/{SITE}/figures.csv").content.decode("utf-8-sig")
    for row in csv.reader(io.StringIO(body)):
        for cell in row:
            assert not cell.startswith(("=", "+", "@")), row
