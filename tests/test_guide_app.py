"""The floor guide's phone app in a real Chromium at 390×844 against a real server.

One server for the module; each test has its own browser context (its own localStorage,
outbox and service worker) and measures what it adds to the day's visits.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import msgspec
import pytest
from playwright.sync_api import BrowserContext, Page, expect

from server.config.schema import Config
from server.domain.intake import Intake, plan_visit
from tests.support.a11y import audit, smallest_text
from tests.support.guide import (
    PHONE,
    SITE,
    Watcher,
    answer,
    answer_moved_in_family,
    choose_event,
    next_step,
    open_app,
    shot,
    sign_in,
)
from tests.support.live import Client, LiveServer

pytestmark = [
    pytest.mark.browser_context_args(**PHONE),
    pytest.mark.usefixtures("patient_expect"),
]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    live = LiveServer(tmp_path_factory.mktemp("guide"))
    live.start()
    yield live
    live.stop()


@pytest.fixture
def watcher() -> Iterator[Watcher]:
    watch = Watcher()
    yield watch
    watch.close()


def visits_of(client: Client) -> dict[str, dict[str, Any]]:
    return client.entities.get("visits", {})


def test_moved_in_family_previewed_issued_and_seen_by_reception(
    page: Page, server: LiveServer, config: Config, watcher: Watcher, tmp_path: Path
) -> None:
    reception = watcher.connect(
        server, "clerk-shimin", "2222", {"kind": "counter", "department": "shimin"}
    )
    # The shared sign-in page brings the guide back to the app.
    page.goto(f"{server.url}/guide/{SITE}")
    expect(page).to_have_url(re.compile(r"/signin\?next="))
    audit(page, "sign-in")
    page.get_by_label("職員ID").fill("guide01")
    page.get_by_label("PIN").fill("1111")
    page.get_by_role("button", name="サインイン").click()
    expect(page).to_have_url(re.compile(rf"/guide/{SITE}$"))
    expect(page.locator("#conn")).to_have_attribute("data-status", "live")

    choose_event(page, config, "tennyu")
    next_step(page)
    answer_moved_in_family(page, config)
    # Only what matters is asked: nothing about deaths or certificates for a move.
    death = config.life_events.questions["death_filed"].text.ja
    expect(page.get_by_role("group", name=death)).to_have_count(0)
    page.evaluate("window.scrollTo(0, 0)")
    shot(page, "guide-wizard.png")

    next_step(page)  # the visitor
    page.get_by_role("checkbox", name=config.life_events.needs["hearing"].ja).check()
    for _ in range(2):
        page.get_by_role("button", name="増やす").click()
    page.get_by_label("職員メモ").fill("筆談希望")
    next_step(page)  # the itinerary

    # The preview is the server's plan for exactly these answers, grouped by counter in order.
    intake = Intake(events=["tennyu"], answers=_answers_sent(page))
    expected = plan_visit(intake, config.life_events, config.procedures, config.site(SITE))
    assert {p for s in expected.steps for p in s.procedures} == {
        "tennyu_todoke",
        "kokuho_kanyu",
        "nenkin_shubetsu",
        "my_number_address",
        "jido_teate",
        "kodomo_iryo",
    }
    stops = page.locator(".itinerary > li.stop")
    expect(stops).to_have_count(len(expected.steps))
    site = config.site(SITE)
    for i, step in enumerate(expected.steps):
        stop = stops.nth(i)
        expect(stop).to_have_attribute("data-queue", step.queue)
        expect(stop).to_contain_text(site.queue(step.queue).label.ja)
        procs = stop.locator("li[data-procedure]")
        expect(procs).to_have_count(len(step.procedures))
        for j, pid in enumerate(step.procedures):
            expect(procs.nth(j)).to_contain_text(config.procedures.procedures[pid].name.ja)
    for doc in expected.documents:
        row = page.locator(f'.documents li[data-document="{doc.document}"]')
        expect(row).to_have_class("have" if doc.have else "missing")
        expect(row).to_contain_text(config.procedures.documents[doc.document].name.ja)
    for form in expected.forms:
        expect(page.locator(f'.forms-list li[data-form="{form}"]')).to_be_visible()
    shot(page, "guide-preview.png", full_page=True)

    next_step(page)  # forms: all filled in with the writing-desk helper
    page.locator("#all-forms").click()
    expect(page.locator("#issue-writing")).to_be_disabled()
    page.locator("#wizard-next").click()

    number = page.get_by_test_id("ticket-number")
    expect(number).to_have_text(re.compile(r"^A\d{3}$"))
    ticket = number.inner_text()
    expect(page.locator(".ticket-card")).to_contain_text(site.queue("A").label.ja)
    page.wait_for_function("() => document.querySelector('img.qr').naturalWidth > 0")
    shot(page, "guide-ticket.png")

    # The general reception sees the visitor coming, with the procedures worked out and the
    # forms marked as filled in.
    def arrived(client: Client) -> bool:
        return any(
            v["ticket"] == ticket and all(v["forms"].values()) and v["forms"]
            for v in visits_of(client).values()
        )

    watcher.until(reception, arrived)
    visit = next(v for v in visits_of(reception).values() if v["ticket"] == ticket)
    assert visit["status"] == "waiting"
    assert [(s["queue"], [p["id"] for p in s["procedures"]]) for s in visit["steps"]] == [
        (s.queue, s.procedures) for s in expected.steps
    ]
    assert visit["intake"]["needs"] == ["hearing"]
    assert visit["intake"]["party_size"] == 3
    assert visit["intake"]["note"] == "筆談希望"
    assert set(visit["forms"]) == set(expected.forms)


def _answers_sent(page: Page) -> dict[str, Any]:
    """The answers the wizard holds (and sends) right now."""
    raw = page.evaluate("JSON.stringify(window.madoguchiGuide.wizard.draft.answers)")
    answers: dict[str, Any] = msgspec.json.decode(raw)
    return answers


def test_offline_visit_is_created_exactly_once(
    page: Page, context: BrowserContext, server: LiveServer, config: Config, watcher: Watcher
) -> None:
    floor = watcher.connect(server, "super01", "9999", {"kind": "floor"})
    before = set(visits_of(floor))
    sign_in(page, server)
    # The service worker has the app shell before the Wi-Fi goes.
    expect(page.locator("html")).to_have_attribute("data-offline-ready", "true")
    expect(page.locator("#conn")).to_have_attribute("data-status", "live")
    page.wait_for_function("() => window.madoguchiGuide.lease.left('A').length > 0")

    context.set_offline(True)
    expect(page.locator("#conn")).to_have_attribute("data-status", "offline")
    choose_event(page, config, "tennyu")
    next_step(page)
    expect(page.locator("#questions-offline")).to_be_visible()
    next_step(page)
    page.get_by_label("職員メモ").fill("offline-intake")
    next_step(page)
    expect(page.locator("#plan-body")).to_contain_text("オフライン")
    next_step(page)  # issue: no plan offline, so the guide says where the visitor goes first
    page.locator(".queue-choice button[data-series='A']").click()
    # A number leased to this phone, at once; the visit waits in the outbox.
    expect(page.get_by_test_id("ticket-number")).to_have_text(re.compile(r"^A\d{3}$"))
    ticket = page.get_by_test_id("ticket-number").inner_text()
    expect(page.locator("#outbox")).to_have_text("送信待ち 1")

    page.reload()  # still offline: the service worker serves the app, the outbox survives
    expect(page.locator("html")).to_have_attribute("data-ready", "true")
    expect(page.get_by_test_id("ticket-number")).to_have_text(ticket)
    expect(page.locator("#outbox")).to_have_text("送信待ち 1")

    context.set_offline(False)
    expect(page.locator("#outbox")).to_be_hidden()
    expect(page.get_by_test_id("ticket-number")).to_have_text(ticket)

    def created(client: Client) -> bool:
        return any(v["ticket"] == ticket for v in visits_of(client).values())

    watcher.until(floor, created)
    # A fresh look at the server's floor view: exactly one visit came of it.
    fresh = watcher.connect(server, "super01", "9999", {"kind": "floor"})
    new = [v for vid, v in visits_of(fresh).items() if vid not in before]
    assert [v["intake"]["note"] for v in new] == ["offline-intake"]
    assert new[0]["ticket"] == ticket


def test_self_service_certificate_is_advised_and_no_ticket_unless_overridden(
    page: Page, server: LiveServer, config: Config, watcher: Watcher, tmp_path: Path
) -> None:
    floor = watcher.connect(server, "super01", "9999", {"kind": "floor"})
    before = set(visits_of(floor))
    sign_in(page, server)
    choose_event(page, config, "shomeisho")
    next_step(page)
    for qid, value in {
        "wants_jumin_hyo": True,
        "wants_inkan_shomei": False,
        "wants_kazei_shomei": False,
        "wants_koseki": False,
        "has_my_number_card": True,
        "knows_pin": True,
    }.items():
        answer(page, config, qid, value)
    next_step(page)
    next_step(page)
    konbini = config.procedures.self_service["konbini"]
    verdict = page.locator(".verdict")
    expect(verdict).to_contain_text("窓口に並ぶ必要はありません")
    route = page.locator('.route[data-route="konbini"]')
    expect(route).to_contain_text(konbini.name.ja)
    expect(route).to_contain_text(konbini.hours)
    expect(route).to_contain_text(konbini.advice.ja)
    expect(route).to_contain_text(config.procedures.procedures["jumin_hyo"].name.ja)
    expect(page.locator(".itinerary")).to_have_count(0)
    shot(page, "guide-self-service.png", full_page=True)

    deflections = _metric(server, "RecordDeflection")
    page.locator("#wizard-next").click()  # the self-service advice is recorded, no ticket
    expect(page.locator("#ticket")).to_contain_text("セルフサービスを案内しました")
    expect(page.get_by_test_id("ticket-number")).to_have_count(0)
    assert _metric(server, "RecordDeflection") == deflections + 1
    # The visitor leaves with a slip: its QR code and print link, in the intake's language.
    slip = page.locator('.slip[data-route="konbini"]')
    expect(slip.locator("img.qr")).to_have_attribute(
        "src", re.compile(r"/qr\.svg\?lang=ja&p=jumin_hyo")
    )
    href = slip.get_by_test_id("print-slip").get_attribute("href")
    assert href is not None and href.endswith("p=jumin_hyo&print=1")
    printed = page.request.get(server.url + href)
    assert printed.ok and "マイナンバーカード" in printed.text() and "¥200" in printed.text()

    # Same visitor, but the guide decides they should use the counter after all.
    page.locator("#next-visitor").click()
    choose_event(page, config, "shomeisho")
    next_step(page)
    answer(page, config, "wants_jumin_hyo", True)
    answer(page, config, "has_my_number_card", True)
    answer(page, config, "knows_pin", True)
    next_step(page)
    next_step(page)
    expect(page.locator(".verdict")).to_be_visible()
    page.locator("#override").click()
    expect(page.locator(".itinerary li[data-procedure='jumin_hyo']")).to_be_visible()
    next_step(page)  # forms: the certificate request form
    page.locator("#wizard-next").click()
    expect(page.get_by_test_id("ticket-number")).to_have_text(re.compile(r"^A\d{3}$"))
    ticket = page.get_by_test_id("ticket-number").inner_text()

    watcher.until(floor, lambda c: any(v["ticket"] == ticket for v in visits_of(c).values()))
    new = [v for vid, v in visits_of(floor).items() if vid not in before]
    assert [v["ticket"] for v in new] == [ticket]  # the deflection issued nothing


def _metric(server: LiveServer, command: str) -> int:
    text = httpx.get(server.url + "/metrics").text
    line = rf'madoguchi_commands_total\{{command="{command}",outcome="ok"\}} (\d+)'
    found = re.search(line, text)
    return int(found.group(1)) if found else 0


def test_todays_visits_follow_forms_edit_call_and_cancel(
    page: Page, server: LiveServer, config: Config, watcher: Watcher, tmp_path: Path
) -> None:
    sign_in(page, server)
    choose_event(page, config, "shussei")
    next_step(page)
    answer(page, config, "employee_insured", True)
    next_step(page)
    next_step(page)
    next_step(page)  # forms
    page.locator("#issue-writing").click()  # to the writing desk
    number = page.get_by_test_id("ticket-number")
    expect(number).to_have_text(re.compile(r"^B\d{3}$"))
    ticket = number.inner_text()
    expect(page.locator(".ticket-card")).to_contain_text("記載台")

    page.get_by_role("button", name="本日の来庁者").click()
    page.get_by_role("searchbox").fill(ticket.lower())
    row = page.locator(f'li.visit[data-ticket="{ticket}"]')
    expect(page.locator("li.visit")).to_have_count(1)
    expect(row).to_contain_text("記載台で記入中")

    row.locator("button").click()
    dialog = page.locator("#visit-dialog")
    expect(dialog).to_be_visible()
    dialog.locator("#mark-all-forms").click()
    expect(dialog.locator("#mark-all-forms")).to_have_count(0)
    dialog.get_by_role("button", name="閉じる").click()
    expect(row).to_contain_text(f"{config.site(SITE).queue('B').label.ja}（1F）で待ち")
    page.get_by_role("searchbox").fill("")
    shot(page, "guide-visits.png")

    # Edit the intake before anyone calls: the visitor's family is on 国保 after all.
    row.locator("button").click()
    dialog.locator("#edit-intake").click()
    expect(page.locator("#edit-banner")).to_contain_text(ticket)
    answer(page, config, "employee_insured", False)
    page.locator(".progress").get_by_role("button", name=re.compile("案内内容")).click()
    expect(page.locator(".itinerary li[data-procedure='kokuho_kanyu']")).to_be_visible()
    page.locator("#wizard-next").click()  # save
    expect(page.locator("#toast")).to_contain_text(f"{ticket}の受付内容を変更しました")

    # 国保 joins the plan, after the birth is registered: the visitor still waits at the
    # family-register line, now with the general reception next; counter 30 calls them there
    # and the list says where they are.
    expect(row).to_contain_text(f"{config.site(SITE).queue('B').label.ja}（1F）で待ち")
    clerk = watcher.connect(
        server, "clerk-shimin", "2222", {"kind": "counter", "department": "shimin"}
    )
    watcher.run(clerk.command("open-30", {"type": "OpenCounter", "counter": "c30"}))
    ack = watcher.run(
        clerk.command("call-30", {"type": "CallTicket", "counter": "c30", "visit": ticket})
    )
    assert ack["type"] == "ack", ack
    expect(row).to_contain_text("30番窓口に呼出中")
    row.locator("button").click()
    expect(dialog.locator("#edit-intake")).to_be_disabled()

    dialog.locator("#cancel-visit").click()
    dialog.get_by_label("取消の理由（任意）").fill("ご本人の都合")
    dialog.locator("#cancel-do").click()
    expect(page.locator("#toast")).to_contain_text(f"{ticket}を取り消しました")
    expect(page.locator(f'li.visit[data-ticket="{ticket}"]')).to_have_count(0)  # open only
    page.get_by_role("button", name="すべて").click()
    expect(row).to_contain_text("取消")


def test_english_toggle_and_remembered_guide(
    page: Page, server: LiveServer, config: Config
) -> None:
    sign_in(page, server)
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    tennyu = config.life_events.events["tennyu"].name.en
    expect(page.get_by_role("button", name=tennyu)).to_be_visible()
    page.get_by_role("button", name=tennyu).click()
    next_step(page)
    moved = config.life_events.questions["moved_from"].text.en
    expect(page.get_by_role("group", name=moved)).to_be_visible()

    # The phone remembers the language, the draft, the office and the guide.
    page.reload()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("group", name=moved)).to_be_visible()
    page.goto(server.url + "/guide")
    expect(page).to_have_url(re.compile(rf"/guide/{SITE}$"))
    page.get_by_role("button", name="日本語").click()
    expect(page.locator("html")).to_have_attribute("lang", "ja")

    # Signed out elsewhere: the open app goes to the sign-in at once, the id filled in.
    page.request.post(server.url + "/api/logout", headers={"Origin": server.url})
    expect(page).to_have_url(re.compile(r"/signin\?next=%2Fguide%2Fshimogyo&id=guide01"))
    expect(page.get_by_label("職員ID")).to_have_value("guide01")
    # And the start page sends the remembered guide to the sign-in with the id filled.
    page.goto(server.url + "/guide")
    expect(page).to_have_url(re.compile(r"/signin\?next=.*&id=guide01"))
    expect(page.get_by_label("職員ID")).to_have_value("guide01")


CONTROLS = """() => [...document.querySelectorAll('button, a.button, label.choice, select, input')]
    .filter((el) => el.offsetParent !== null || getComputedStyle(el).position === 'fixed')
    .map((el) => ({html: el.outerHTML.slice(0, 80), box: el.getBoundingClientRect()}))
    .map(({html, box}) => ({html, height: box.height, right: box.right, left: box.left}))"""


def test_one_handed_layout_at_phone_widths(page: Page, server: LiveServer, config: Config) -> None:
    sign_in(page, server)
    choose_event(page, config, "tennyu")
    for width, lang in ((360, "ja"), (430, "ja"), (360, "en")):
        page.set_viewport_size({"width": width, "height": 800})
        open_app(page, server)
        if lang == "en":
            page.get_by_role("button", name="English").click()
        for step in ("用件", "質問", "来庁者", "案内内容"):
            if lang == "ja":
                page.locator(".progress").get_by_role("button", name=step).click()
            # Nothing wider than the screen; every control a finger can hit (≥ 44 px high).
            assert page.evaluate("document.documentElement.scrollWidth") <= width
            for control in page.evaluate(CONTROLS):
                assert control["height"] >= 44, control
                assert control["left"] >= 0 and control["right"] <= width + 0.5, control
            # Nothing a guide must read is under 16 px; each wizard step passes the audit: in
            # Japanese every step once (the same step at another width is the same page to
            # axe-core; the widths are checked above), in English the screen it opens on.
            assert smallest_text(page)["size"] >= 16, smallest_text(page)
            if (width, lang) == (360, "ja") or (lang == "en" and step == "用件"):
                audit(page, f"guide wizard {step} at {width} px ({lang})")
        # The main action sits within thumb reach at the bottom of the screen.
        box = page.locator("#wizard-next").bounding_box()
        assert box is not None and box["y"] > 800 * 0.75
    # Installable: a manifest and a service worker controlling the page.
    assert page.evaluate("document.querySelector('link[rel=manifest]').href").endswith(
        f"/guide/{SITE}/manifest.webmanifest"
    )
    expect(page.locator("html")).to_have_attribute("data-offline-ready", "true")
    page.reload()
    assert page.evaluate("navigator.serviceWorker.controller !== null")
