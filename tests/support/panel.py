"""The counter panel in a browser: a registered visitor with an intake (moving in, a hand-off
note), the panel opened at a counter, and what it is serving."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Browser, BrowserContext, Page, ViewportSize, expect

from tests.support.live import LiveServer, browser_sign_in
from tests.support.live import http_command as command

SITE = "shimogyo"


VIEWPORT: ViewportSize = {"width": 1600, "height": 1000}


GUIDE_NOTE = "筆談希望。母(78)と同居予定"


HANDOFF = "同居予定の母(78)の介護認定について相談"


# A move from another prefecture, no children: everything at general reception (queue A).
MOVED_IN: dict[str, Any] = {
    "events": ["tennyu"],
    "answers": {
        "moved_from": "other_prefecture",
        "tenshutsu_online": False,
        "has_tenshutsu_cert": True,
        "children": 0,
        "employee_insured": False,
        "age_20_59_not_employee": True,
        "senior_65": False,
        "care_certified": False,
        "wants_inkan": False,
        "has_my_number_card": True,
        "knows_pin": True,
        "foreign_national": False,
        "needs_consultation": "none",
    },
    "needs": ["hearing"],
    "note": GUIDE_NOTE,
    "party_size": 2,
}


def register(server: LiveServer, intake: dict[str, Any] | None = None) -> str:
    """The floor guide registers a visitor; return the ticket."""
    ack = command(
        server, ("guide01", "1111"), {"type": "CreateVisit", "intake": intake or MOVED_IN}
    )
    assert ack["type"] == "ack", ack
    return str(ack["ticket"])


def open_panel(
    browser: Browser,
    contexts: list[BrowserContext],
    server: LiveServer,
    who: tuple[str, str],
    query: str,
    *,
    via_form: bool = False,
) -> Page:
    """A clerk's browser on the counter panel, signed in and live."""
    context = browser.new_context(viewport=VIEWPORT)
    contexts.append(context)
    page = context.new_page()
    url = f"{server.url}/counter/{SITE}{query}"
    if via_form:
        page.goto(url)
        expect(page).to_have_url(
            f"{server.url}/signin?next=/counter/{SITE}"
            + query.replace("?", "%3F").replace("=", "%3D")
        )
        page.get_by_label("職員ID").fill(who[0])
        page.get_by_label("PIN").fill(who[1])
        page.get_by_role("button", name="サインイン").click()
    else:
        browser_sign_in(context, server, who[0], who[1])
        page.goto(url)
    expect(page.locator("#conn")).to_have_attribute("data-status", "live")
    return page


def open_counter(page: Page) -> None:
    page.keyboard.press("o")
    expect(page.locator("#counter-status")).to_have_attribute("data-status", "open")


def serving(page: Page) -> Any:
    return page.locator(".serving-card")
