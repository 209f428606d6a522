"""Thermal ticket printers, end to end: the server sends ESC/POS to a loopback stand-in for
the printer, the test reads the raster back into a picture and scans its QR code. A printer
that is off or out of paper holds its tickets (retried), the supervisor sees the fault on the
live view and /metrics, and every ticket comes out once it is back."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import zxingcpp
from PIL import Image
from playwright.sync_api import Browser, BrowserContext, expect

from server.config.loading import load_config
from server.config.schema import Config, Text
from server.printing.escpos import raster_job
from server.printing.ticket_image import render_ticket
from server.ticket_facts import Stop, TicketFacts
from tests.support.a11y import audit
from tests.support.desk import INTAKE, Desk, new_page
from tests.support.escpos_decode import raster_images
from tests.support.guide import answer, choose_event, next_step, sign_in
from tests.support.live import ROOT, LiveServer, audit_rows, browser_sign_in
from tests.support.printer_stub import PrinterStub, config_with_printers
from tests.support.processes import free_port
from tests.support.screenshots import DOCS, folder

SITE = "shimogyo"
GUIDE_PRINTER = "guide-1f"


def qr_text(image: Image.Image) -> str:
    codes = zxingcpp.read_barcodes(image)
    assert len(codes) == 1, f"{len(codes)} QR codes on the ticket"
    return codes[0].text


def test_the_raster_stream_reads_back_as_the_same_picture() -> None:
    facts = TicketFacts(
        site=Text("下京区役所", "Shimogyo Ward Office"),
        ticket="C007",
        issued="2026-03-30 09:12",
        language="ko",
        priority=False,
        stops=[Stop(Text("子どもはぐくみ室", "Children"), "2F", ["21", "22"])],
        documents=[Text("母子健康手帳", "Maternal handbook")],
        url="https://madoguchi.city.example/visit/shimogyo/abc_DEF-123",
    )
    for width in (576, 384):  # 80 mm and 58 mm paper
        image = render_ticket(facts, width, load_config(ROOT / "config").texts)
        (back,) = raster_images(raster_job(image))
        assert back.size == image.size and back.tobytes() == image.convert("1").tobytes()
        assert qr_text(back) == facts.url


# One server and one stand-in printer for the module; each test switches the printer on or
# off as it needs (pytest-playwright runs the browser tests after the others).
@pytest.fixture(scope="module")
def printer_stub() -> Iterator[PrinterStub]:
    stub = PrinterStub(free_port())
    yield stub
    stub.stop()


@pytest.fixture
def printer(printer_stub: PrinterStub) -> PrinterStub:
    printer_stub.reset()
    return printer_stub


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory, printer_stub: PrinterStub
) -> Iterator[LiveServer]:
    folder = tmp_path_factory.mktemp("printing")
    config = config_with_printers(folder / "config", {GUIDE_PRINTER: printer_stub.address})
    live = LiveServer(folder, MADOGUCHI_CONFIG=str(config), MADOGUCHI_RATE_LIMITS="0")
    live.start()
    yield live
    live.stop()


def print_ticket(guide: Desk, visit: str) -> dict[str, Any]:
    response = guide.http.post(
        f"/api/sites/{SITE}/print", json={"visit": visit, "printer": GUIDE_PRINTER}
    )
    assert response.status_code == 200, response.text
    reply: dict[str, Any] = response.json()
    return reply


def printer_status(supervisor: Desk) -> dict[str, Any]:
    printers = supervisor.http.get(f"/api/sites/{SITE}/printers").json()["printers"]
    return next(p for p in printers if p["id"] == GUIDE_PRINTER)


def wait_status(supervisor: Desk, **expected: Any) -> dict[str, Any]:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        status = printer_status(supervisor)
        if all(status[k] == v for k, v in expected.items()):
            return status
        time.sleep(0.1)
    raise AssertionError(f"printer status {status}, expected {expected}")


def metrics(server: LiveServer) -> str:
    return httpx.get(server.url + "/metrics").text


def test_printing_refusals_are_coded(server: LiveServer) -> None:
    with Desk(server, "guide01", "1111") as guide:
        ack = guide.run("CreateVisit", intake=INTAKE)
        reply = guide.http.post(
            f"/api/sites/{SITE}/print", json={"visit": ack["ticket"], "printer": "nope"}
        )
        assert reply.status_code == 404 and reply.json()["code"] == "unknown_printer"
        reply = guide.http.post(
            f"/api/sites/{SITE}/print", json={"visit": "Z999", "printer": GUIDE_PRINTER}
        )
        assert reply.status_code == 404 and reply.json()["code"] == "unknown_visit"
        # The status is for guides and supervisors, not for the public; a printer nothing
        # was sent to yet is "idle" (this module's first test with the server).
        reply = guide.http.get(f"/api/sites/{SITE}/printers")
        assert reply.status_code == 200
        assert {p["id"]: p["state"] for p in reply.json()["printers"]}[GUIDE_PRINTER] == "idle"
    assert httpx.get(f"{server.url}/api/sites/{SITE}/printers").status_code == 401
    with Desk(server, "clerk-choju", "3333") as clerk:
        assert clerk.http.get(f"/api/sites/{SITE}/printers").status_code == 403
        # A clerk may print only for a visitor with business at their department.
        reply = clerk.http.post(
            f"/api/sites/{SITE}/print", json={"visit": ack["ticket"], "printer": GUIDE_PRINTER}
        )
        assert reply.status_code == 403


def test_an_offline_printer_keeps_the_tickets_until_it_is_back(
    browser: Browser, contexts: list[BrowserContext], server: LiveServer, printer: PrinterStub
) -> None:
    printer.stop()  # switched off
    with Desk(server, "guide01", "1111") as guide, Desk(server, "super01", "9999") as boss:
        before = printer_status(boss)["printed"]
        tickets = [guide.run("CreateVisit", intake=INTAKE) for _ in range(2)]
        for ack in tickets:
            print_ticket(guide, ack["ticket"])
        status = wait_status(boss, state="offline")
        assert status["queued"] == 2 and status["printed"] == before
        deadline = time.monotonic() + 10
        retries = status["retries"]
        while printer_status(boss)["retries"] < retries + 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert printer_status(boss)["retries"] >= retries + 2  # it keeps trying
        state = 'madoguchi_printer_state{site="shimogyo",printer="guide-1f",state="offline"} 1'
        assert state in metrics(server)
        assert 'madoguchi_printer_queue{site="shimogyo",printer="guide-1f"} 2' in metrics(server)

        # The supervisor's live view says which printer and what to do, in words.
        context = browser.new_context(viewport={"width": 1366, "height": 900})
        contexts.append(context)
        browser_sign_in(context, server, "super01", "9999")
        page = context.new_page()
        page.goto(f"{server.url}/supervisor/{SITE}")
        fault = page.locator(f'#printer-list li[data-printer="{GUIDE_PRINTER}"]')
        expect(fault).to_contain_text("1階 案内カウンター")
        expect(fault).to_contain_text("応答なし")
        expect(fault).to_contain_text("2枚 印刷待ち")
        audit(page, "supervisor live view, printer offline")

        printer.start()  # someone switched it on
        wait_status(boss, state="ready", queued=0, printed=before + 2)
        expect(fault).to_contain_text("正常", timeout=10000)
    printed = [qr_text(image) for image in printer.wait_for_tickets(2)]
    # Both tickets, once each, in the order they were issued.
    assert printed == [f"{server.url}/visit/{SITE}/{ack['token']}" for ack in tickets]


def test_the_guide_prints_a_ticket_whose_qr_opens_the_visitors_page(
    server: LiveServer, printer: PrinterStub
) -> None:
    printer.start()
    with Desk(server, "guide01", "1111") as guide:
        ack = guide.run("CreateVisit", intake=INTAKE)
        assert print_ticket(guide, ack["ticket"])["ticket"] == ack["ticket"]
    (ticket,) = printer.wait_for_tickets(1)
    assert ticket.width == 576
    assert qr_text(ticket) == f"{server.url}/visit/{SITE}/{ack['token']}"
    path = folder() / "printed-ticket.png"
    ticket.save(path)
    assert path.parent in (DOCS, folder())


def test_a_protected_visitors_thermal_ticket_has_no_number_and_is_audited(
    server: LiveServer, printer: PrinterStub
) -> None:
    printer.start()
    with Desk(server, "guide01", "1111") as guide:
        ack = guide.run("CreateVisit", intake=INTAKE, protect="支援措置")
        assert ack["ticket"] == ""  # called in person: no number anywhere
        assert print_ticket(guide, ack["visit"])["ticket"] == ""
    (ticket,) = printer.wait_for_tickets(1)
    assert qr_text(ticket) == f"{server.url}/visit/{SITE}/{ack['token']}"
    rows = audit_rows(server, SITE, visit=ack["visit"])
    printed = [(r["actor"], r["target"]) for r in rows if r["action"] == "VisitViewed"]
    assert printed == [("guide01", "view=print")]


def test_out_of_paper_is_a_fault_and_the_ticket_prints_after_a_new_roll(
    server: LiveServer, printer: PrinterStub
) -> None:
    printer.paper = False
    printer.start()
    with Desk(server, "guide01", "1111") as guide, Desk(server, "super01", "9999") as boss:
        printed = printer_status(boss)["printed"]
        ack = guide.run("CreateVisit", intake=INTAKE)
        print_ticket(guide, ack["ticket"])
        wait_status(boss, state="paper_out", queued=1)
        assert 'state="paper_out"} 1' in metrics(server)
        assert printer.tickets() == []  # nothing was sent into an empty printer
        printer.paper = True
        wait_status(boss, state="ready", queued=0, printed=printed + 1)
    (ticket,) = printer.wait_for_tickets(1)
    assert qr_text(ticket).endswith(ack["token"])


def test_the_guide_app_sends_its_ticket_to_the_station_printer(
    browser: Browser, server: LiveServer, printer: PrinterStub
) -> None:
    printer.start()
    page = new_page(browser, 390, 844, is_mobile=True, has_touch=True)
    sign_in(page, server)
    choose_event(page, config_of(server), "shomeisho")
    next_step(page)
    answer(page, config_of(server), "wants_jumin_hyo", True)
    answer(page, config_of(server), "has_my_number_card", False)
    wizard = page.locator("#wizard-next")
    for _ in range(5):  # preview, forms, then issue
        expect(wizard).to_be_visible()
        issue = wizard.get_attribute("data-action") == "issue"
        next_step(page)
        if issue:
            break
    number = page.get_by_test_id("ticket-number")
    expect(number).to_have_text(re.compile(r"^A\d{3}$"))
    # Only the guide station's printer is offered (the kiosk's prints the kiosk's tickets).
    buttons = page.locator(".ticket-actions button[data-printer]")
    expect(buttons).to_have_count(1)
    buttons.click()
    expect(page.locator("#print-result")).to_have_text("1階 案内カウンター に送りました")
    (ticket,) = printer.wait_for_tickets(1)
    assert qr_text(ticket).startswith(f"{server.url}/visit/{SITE}/")
    # The browser's own print path is still there.
    expect(page.locator("#print-ticket")).to_be_visible()


def config_of(server: LiveServer) -> Config:
    return load_config(server.env["MADOGUCHI_CONFIG"])
