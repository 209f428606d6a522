"""Counter panels survive the server being killed (-9) and started again, without a reload."""

from __future__ import annotations

from playwright.sync_api import Browser, BrowserContext, expect

from tests.support.live import LiveServer
from tests.support.live import http_command as command
from tests.support.panel import HANDOFF, open_counter, open_panel, register
from tests.support.screenshots import save

# HubClient backs off (with jitter) up to several seconds between attempts while the server
# is down; give it room to come back.
RECONNECT_MS = 30_000


def test_panels_reconnect_and_show_the_right_state_after_a_server_kill(
    browser: Browser, contexts: list[BrowserContext], live: LiveServer
) -> None:
    reception = open_panel(browser, contexts, live, ("clerk-shimin", "2222"), "?counter=c1")
    care = open_panel(browser, contexts, live, ("clerk-choju", "3333"), "?counter=c50")
    open_counter(reception)
    open_counter(care)
    ticket = register(live)
    reception.keyboard.press("n")
    expect(reception.locator(".serving-card .ticket")).to_have_text(ticket)
    reception.keyboard.press("a")
    reception.locator("#add-procedure").select_option("kaigo_sodan")
    reception.locator("#add-note").fill(HANDOFF)
    reception.keyboard.press("Control+Enter")
    expect(care.locator(f".incoming-card[data-ticket='{ticket}']")).to_be_visible()
    for page in (reception, care):
        page.evaluate("window.__sameDocument = true")

    live.kill()
    for page in (reception, care):
        banner = page.locator("#banner")
        expect(banner).to_be_visible()
        expect(banner).to_contain_text("サーバーとの接続が切れました")
        expect(page.locator("#conn")).not_to_have_attribute("data-status", "live")
    # Calls are off while disconnected (never sent late), and say why when tried by key.
    expect(reception.locator("[data-action='recall']")).to_be_disabled()
    reception.keyboard.press("r")
    expect(reception.locator("#error")).to_contain_text("オフラインのため呼び出していません")
    save(reception, "counter-offline.png")

    live.start()
    # Work goes on at once elsewhere (the guide registers someone, reception finishes on
    # another device), whether or not the panels are back yet.
    newcomer = register(live)
    ack = command(live, ("clerk-shimin", "2222"), {"type": "CompleteStep", "counter": "c1"})
    assert ack["type"] == "ack", ack

    for page in (reception, care):
        expect(page.locator("#conn")).to_have_attribute("data-status", "live", timeout=RECONNECT_MS)
        expect(page.locator("#banner")).to_be_hidden()
        assert page.evaluate("window.__sameDocument") is True  # no reload
    expect(reception.locator(".serving-card")).to_have_count(0)
    expect(reception.locator(f".line-item[data-ticket='{newcomer}']")).to_be_visible()
    expect(reception.locator(f".recent li[data-ticket='{ticket}'] .rec-next")).to_have_text(
        "次: 健康長寿・介護（D）"
    )
    expect(care.locator(f".incoming-card[data-ticket='{ticket}']")).to_have_count(0)
    expect(care.locator(f".line-item[data-ticket='{ticket}']")).to_be_visible()

    # And the panels work again: the care counter calls the visitor with the handoff note.
    care.keyboard.press("n")
    expect(care.locator(".serving-card .note.handoff")).to_contain_text(HANDOFF)
