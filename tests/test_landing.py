"""The landing page: a newcomer is one click from every screen, with demo sign-ins."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from server.config.schema import Config
from tests.support.live import LiveServer


def test_landing_lists_sites_screens_and_demo_sign_ins(
    page: Page, live: LiveServer, config: Config
) -> None:
    page.goto(live.url + "/")
    expect(page.get_by_role("heading", name="下京区役所")).to_be_visible()
    expect(page.get_by_role("heading", name="中京区役所")).to_be_visible()
    for sign_in in config.deployment.demo_sign_ins:
        expect(page.get_by_text(sign_in.id or sign_in.device, exact=True).first).to_be_visible()
    # Each demo kiosk is one click away, enrolled by its demo token.
    kiosk = page.locator("ul.screens a", has_text="正面玄関 発券機")
    expect(kiosk).to_have_attribute(
        "href", "/kiosk/shimogyo/entrance?device=demo-kiosk-entrance-token"
    )
    expect(page.locator("ul.screens a", has_text="ロビー 発券機")).to_have_count(1)
    for link in page.locator("ul.screens a").all():
        href = link.get_attribute("href")
        assert href
        response = page.request.get(live.url + href)
        assert response.ok, href
