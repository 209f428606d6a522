"""The walk-in ticket machine in a real browser, portrait 1080×1920: a certificate seeker is
sent to the convenience store, a wheelchair user gets a priority ticket that prints on the
kiosk's printer (a loopback stand-in), and an abandoned screen starts over by itself."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import zxingcpp
from playwright.sync_api import Browser, ConsoleMessage, Page, expect

from server.security.passwords import token_digest
from tests.support.a11y import audit
from tests.support.desk import Desk, new_page
from tests.support.hours import ALL_DAY, CLOSED_BY_NOW, away_from_midnight, set_hours
from tests.support.live import LiveServer
from tests.support.printer_stub import PrinterStub, config_with_printers
from tests.support.processes import free_port
from tests.support.screenshots import save

SITE = "shimogyo"
TOKEN = "demo-kiosk-entrance-token"
IDLE_SECONDS = 12
SPARE_TOKEN = "spare-nakagyo-kiosk-token"
blocked: list[str] = []  # CSP reports of every kiosk page of the module


@pytest.fixture(scope="module")
def printer() -> Iterator[PrinterStub]:
    stub = PrinterStub(free_port()).start()
    yield stub
    stub.stop()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, printer: PrinterStub) -> Iterator[LiveServer]:
    folder = tmp_path_factory.mktemp("kiosk")
    config = config_with_printers(folder / "config", {"entrance-kiosk": printer.address})
    # Shimogyo open all day (the photographs do not depend on the hour), Nakagyo closed by now.
    away_from_midnight()
    set_hours(config, {SITE: ALL_DAY, "nakagyo": CLOSED_BY_NOW})
    # A second token for Nakagyo's kiosk, for the test that revokes one.
    staff = config / "staff.toml"
    staff.write_text(
        staff.read_text(encoding="utf-8")
        + f'\n[[devices]]\nid = "kiosk-nakagyo-spare"\nsite = "nakagyo"\nkiosk = "lobby"\n'
        f'token_sha256 = "{token_digest(SPARE_TOKEN)}"\n',
        encoding="utf-8",
    )
    kiosk_toml = config / "kiosk.toml"
    kiosk_toml.write_text(
        kiosk_toml.read_text(encoding="utf-8").replace(
            "idle_seconds = 60", f"idle_seconds = {IDLE_SECONDS}"
        ),
        encoding="utf-8",
    )
    live = LiveServer(folder, MADOGUCHI_CONFIG=str(config), MADOGUCHI_RATE_LIMITS="0")
    live.start()
    yield live
    live.stop()


def note_csp(message: ConsoleMessage) -> None:
    if "Content Security Policy" in message.text:
        blocked.append(message.text)


def open_kiosk(
    browser: Browser, server: LiveServer, width: int = 1080, height: int = 1920, clock: bool = False
) -> Page:
    page = new_page(browser, width, height, has_touch=True)
    if clock:  # the page's timers under the test's control (it runs on meanwhile)
        page.clock.install()
    # Anything the page's Content-Security-Policy blocks is reported on the console.
    page.on(
        "console",
        lambda message: (
            blocked.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.goto(f"{server.url}/kiosk/{SITE}/entrance?device={TOKEN}")
    expect(page.locator("#kiosk")).to_have_attribute("data-screen", "home")
    # The token left the address bar (it is kept in the kiosk's storage).
    assert "device=" not in page.url
    return page


def metric(server: LiveServer, line_start: str) -> float:
    text = httpx.get(server.url + "/metrics").text
    for line in text.splitlines():
        if line.startswith(line_start):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_a_certificate_seeker_with_a_card_is_sent_to_the_convenience_store(
    browser: Browser, server: LiveServer
) -> None:
    page = open_kiosk(browser, server, clock=True)
    expect(page.get_by_role("heading", name="ご用件をお選びください")).to_be_visible()
    purpose = page.get_by_role("button", name=re.compile("住民票の写し"))
    box = purpose.bounding_box()
    assert box is not None and box["height"] >= 200 and box["width"] >= 400  # a big target
    save(page, "kiosk-home-portrait.png")

    purpose.click()
    expect(page.locator("#question-text")).to_have_text("マイナンバーカードをお持ちですか？")
    expect(page.locator("#question-step")).to_have_text("質問 1 / 2")
    page.get_by_role("button", name="はい", exact=True).click()
    expect(page.locator("#question-text")).to_have_text(
        "カードの暗証番号（数字4桁）をご存じですか？"
    )
    page.get_by_role("button", name="はい", exact=True).click()

    # Told at once: no ticket needed, with the convenience store's hours.
    expect(page.get_by_role("heading", name="窓口に並ばなくても手続きできます")).to_be_visible()
    expect(page.locator("#deflect-routes")).to_contain_text("コンビニ交付")
    expect(page.locator("#deflect-routes")).to_contain_text("6:30–23:00")
    save(page, "kiosk-deflection-portrait.png")
    before = metric(server, 'madoguchi_commands_total{command="RecordDeflection",outcome="ok"}')
    page.get_by_role("button", name="わかりました（番号札は不要）").click()
    expect(page.get_by_role("heading", name="ありがとうございました")).to_be_visible()
    after = metric(server, 'madoguchi_commands_total{command="RecordDeflection",outcome="ok"}')
    assert after == before + 1
    # The goodbye screen gives way to the start for the next visitor (six seconds later).
    page.clock.run_for(7000)
    expect(page.locator("#kiosk")).to_have_attribute("data-screen", "home")


def test_without_a_card_the_same_purpose_gets_a_ticket(
    browser: Browser, server: LiveServer, printer: PrinterStub
) -> None:
    page = open_kiosk(browser, server)
    printed = len(printer.tickets())
    page.get_by_role("button", name=re.compile("住民票の写し")).click()
    page.get_by_role("button", name="いいえ", exact=True).click()
    # The PIN question is hidden (show_if): straight to the ticket.
    expect(page.locator("#confirm-first")).to_contain_text("まず")
    page.get_by_role("button", name="番号札を発行する").click()
    expect(page.locator("#ticket-number")).to_have_text(re.compile(r"^[A-Z]\d{3}$"))
    expect(page.locator("#ticket-priority")).to_be_hidden()
    printer.wait_for_tickets(printed + 1)


def test_a_bereaved_family_is_sent_to_the_corner_not_given_a_line_ticket(
    browser: Browser, server: LiveServer, printer: PrinterStub
) -> None:
    """Shimogyo runs a bereavement corner: the departments come to the family's booth, so the
    kiosk points them to staff instead of sending them through three lines."""
    page = open_kiosk(browser, server)
    printed = len(printer.tickets())
    page.get_by_role("button", name=re.compile("おくやみ")).click()
    page.get_by_role("button", name="はい", exact=True).click()  # the death is notified
    page.get_by_role("button", name="はい", exact=True).click()  # on 国保
    expect(page.locator("#message-title")).to_have_text("おくやみコーナーでご案内します")
    expect(page.locator("#message-text")).to_contain_text("係員にお声がけください")
    expect(page.locator("#ticket-number")).to_be_hidden()
    assert len(printer.tickets()) == printed


def test_a_wheelchair_user_gets_a_priority_ticket_that_prints(
    browser: Browser, server: LiveServer, printer: PrinterStub
) -> None:
    page = open_kiosk(browser, server)
    printed = len(printer.tickets())
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", name="What brings you here today?")).to_be_visible()
    page.get_by_role("button", name="English").click()  # pressing again keeps English
    page.get_by_role("button", name=re.compile("Birth")).click()
    expect(page.locator("#question-text")).to_contain_text("Covered by workplace health insurance")
    page.get_by_role("button", name="No", exact=True).click()
    wheelchair = page.get_by_role("button", name="Wheelchair")
    expect(wheelchair).to_have_attribute("aria-pressed", "false")
    wheelchair.click()
    expect(wheelchair).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#confirm-first")).to_contain_text("First go to")
    expect(page.locator("#confirm-hours")).to_be_hidden()  # open all day here
    save(page, "kiosk-priority-portrait.png")
    page.get_by_role("button", name="Issue my ticket").click()

    number = page.locator("#ticket-number")
    expect(number).to_have_text(re.compile(r"^[A-Z]\d{3}$"))
    expect(page.locator("#ticket-priority")).to_have_text("★ Priority")
    expect(page.locator("#ticket-first")).to_contain_text("counter")
    expect(page.locator("#print-status")).to_have_text("Your ticket is printing — please take it.")
    expect(page.locator("#ticket-qr svg")).to_have_attribute("role", "img")
    save(page, "kiosk-ticket-portrait.png")

    ticket = printer.wait_for_tickets(printed + 1)[-1]
    codes = zxingcpp.read_barcodes(ticket)
    assert len(codes) == 1
    url = codes[0].text
    assert re.fullmatch(rf"{re.escape(server.url)}/visit/{SITE}/[\w-]+", url)
    # The visitor's page behind the printed QR code is the ticket just issued.
    shown = number.inner_text()
    page.goto(url)
    expect(page.locator("#ticket")).to_have_text(shown)
    assert blocked == []


def test_an_abandoned_kiosk_starts_over_by_itself(browser: Browser, server: LiveServer) -> None:
    page = new_page(browser, 1080, 1920, has_touch=True)
    page.clock.install()  # the page's clock: minutes of idling pass in an instant
    page.goto(f"{server.url}/kiosk/{SITE}/entrance?device={TOKEN}")
    expect(page.locator("#kiosk")).to_have_attribute("data-screen", "home")
    page.get_by_role("button", name="中文").click()
    page.get_by_role("button", name=re.compile("迁入")).click()
    expect(page.locator("#kiosk")).to_have_attribute("data-screen", "question")
    # The countdown warns before the reset, then the start screen is back, in Japanese.
    page.clock.run_for((IDLE_SECONDS - 5) * 1000)
    expect(page.locator("#idle")).to_be_visible()
    expect(page.locator("#idle")).to_contain_text("秒后返回首页")
    page.clock.run_for(6000)
    expect(page.locator("#kiosk")).to_have_attribute("data-screen", "home")
    expect(page.get_by_role("heading", name="ご用件をお選びください")).to_be_visible()


def test_a_kiosk_without_its_token_issues_nothing(browser: Browser, server: LiveServer) -> None:
    page = new_page(browser, 1080, 1920)
    page.goto(f"{server.url}/kiosk/{SITE}/entrance")
    expect(page.locator("#screen-loading")).to_contain_text("登録されていません")
    # A board's token is not a kiosk's.
    audit(page, "kiosk, not enrolled")
    # A board's token is not a kiosk's (the request is same-origin: the refusal is the
    # kiosk's own, not the CSRF check's).
    reply = kiosk_post(server, "demo-board-lobby-1f-token", f"{SITE}/entrance/ticket", "x")
    assert reply.status_code == 403 and "another kiosk" in reply.json()["message"]


def kiosk_post(server: LiveServer, token: str, path: str, command_id: str) -> httpx.Response:
    return httpx.post(
        f"{server.url}/api/kiosk/{path}",
        headers={"X-Madoguchi-Device": token, "Origin": server.origin},
        json={"id": command_id, "request": {"purpose": "shussei"}},
    )


def test_a_kiosk_token_works_at_its_own_kiosk_only_and_stops_when_revoked(
    server: LiveServer,
) -> None:
    nakagyo = SPARE_TOKEN
    # The entrance kiosk of Shimogyo cannot issue at Nakagyo's kiosk, nor the other way.
    assert kiosk_post(server, TOKEN, "nakagyo/lobby/ticket", "k1").status_code == 403
    assert kiosk_post(server, nakagyo, f"{SITE}/entrance/ticket", "k2").status_code == 403
    # Nor does a kiosk token sign anyone in for the staff command endpoint.
    with httpx.Client(base_url=server.url, headers={"Origin": server.origin}) as http:
        reply = http.post(
            "/api/sites/nakagyo/commands",
            headers={"X-Madoguchi-Device": nakagyo},
            json={"id": "k3", "command": {"type": "CloseDay"}},
        )
        assert reply.status_code == 401
    assert kiosk_post(server, nakagyo, "nakagyo/lobby/ticket", "k4").status_code == 200

    with Desk(server, "guide01", "1111") as guide:
        reply = guide.http.post("/api/devices/kiosk-nakagyo-spare/revoke")
        assert reply.status_code == 403  # a guide may not
    with Desk(server, "super01", "9999") as boss:
        assert boss.http.post("/api/devices/kiosk-nakagyo-spare/revoke").status_code == 200
    # Revoked: refused from the next request on, a retry of an acknowledged ticket included.
    for command_id in ("k4", "k5"):
        reply = kiosk_post(server, nakagyo, "nakagyo/lobby/ticket", command_id)
        assert reply.status_code == 401 and reply.json()["code"] == "not_authenticated"
    assert setup(server, nakagyo, "nakagyo/lobby").status_code == 401
    # The other kiosk, and the other token of the same kiosk, are untouched.
    assert setup(server, TOKEN, f"{SITE}/entrance").status_code == 200
    assert setup(server, "demo-kiosk-nakagyo-token", "nakagyo/lobby").status_code == 200


def setup(server: LiveServer, token: str, kiosk: str) -> httpx.Response:
    return httpx.get(f"{server.url}/api/kiosk/{kiosk}/setup", headers={"X-Madoguchi-Device": token})


def test_every_purpose_fits_a_landscape_screen_without_scrolling(
    browser: Browser, server: LiveServer
) -> None:
    page = open_kiosk(browser, server, 1920, 1080)
    buttons = page.locator(".purpose")
    expect(buttons).to_have_count(8)
    for i in range(buttons.count()):
        box = buttons.nth(i).bounding_box()
        assert box is not None and box["y"] + box["height"] <= 1080
        assert box["height"] >= 96 and box["width"] >= 96
    save(page, "kiosk-home-landscape.png")


def test_a_kiosk_pressed_without_end_is_rate_limited(tmp_path: Path) -> None:
    """With the rate limits on (as deployed): a burst goes through, then the kiosk is told to
    wait (nothing written), like a runaway guide phone."""
    live = LiveServer(tmp_path)
    live.start()

    async def burst() -> list[int]:
        headers = {"X-Madoguchi-Device": TOKEN, "Origin": live.origin}
        async with httpx.AsyncClient(base_url=live.url, headers=headers, timeout=30) as http:
            replies = await asyncio.gather(
                *(
                    http.post(
                        f"/api/kiosk/{SITE}/entrance/deflected",
                        json={"id": f"burst-{n}", "request": {"purpose": "jumin_hyo"}},
                    )
                    for n in range(30)
                )
            )
        return [reply.status_code for reply in replies]

    try:
        codes = asyncio.run(burst())
    finally:
        live.stop()
    assert codes.count(200) >= 20 and codes.count(429) >= 5, codes


def test_after_hours_the_kiosk_says_so_before_the_ticket(
    browser: Browser, server: LiveServer
) -> None:
    page = new_page(browser, 1080, 1920, has_touch=True)
    page.goto(f"{server.url}/kiosk/nakagyo/lobby?device=demo-kiosk-nakagyo-token")
    page.get_by_role("button", name=re.compile("出生")).click()
    page.get_by_role("button", name="いいえ", exact=True).click()
    hours = page.locator("#confirm-hours")
    expect(hours).to_contain_text("本日の受付は終了しました")
    expect(page.get_by_role("button", name="番号札を発行する")).to_be_enabled()
    audit(page, "kiosk, after hours")
