"""The bereavement corner in booth mode, end to end in real browsers (issue 22b).

A floor guide seats a bereaved family at the free booth (the other is held for a family booked
for the coming slot); the booked family arrives and is seated at theirs; three departments see
"booth … needs you" in their incoming lane and come in the planner's order (insurance and
pension at reception, care, then disability), while the family's own page says who is with
them and who comes next. Two clerks racing for the same request: one gets it.

The corner's slots are rewritten to start a few minutes from now (a copy of config/), so the
booking is for today whatever the hour the suite runs.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import datetime as dt
import re
import shutil
from collections.abc import Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from server.config.schema import Config
from tests.support.guide import PHONE, answer, choose_event, next_step
from tests.support.live import Client, LiveServer, browser_sign_in, login
from tests.support.live import http_command as command
from tests.support.panel import VIEWPORT, open_panel
from tests.support.screenshots import save

pytestmark = pytest.mark.usefixtures("patient_expect")

T = TypeVar("T")
SITE = "shimogyo"
ROOT = Path(__file__).resolve().parent.parent
GUIDE = ("guide01", "1111")
HOKEN = ("clerk-hoken", "2223")
CHOJU = ("clerk-choju", "3333")
SHOGAI = ("clerk-shogai", "5555")
BEREAVED: dict[str, Any] = {
    "events": ["shibo"],
    "answers": {
        "death_filed": True,
        "deceased_kokuho": True,
        "deceased_pensioner": False,
        "deceased_care": True,
        "deceased_householder": False,
        "deceased_certificates": True,
        "deceased_child_benefit": False,
    },
}


def soon_slot() -> str:
    """A slot starting a few minutes from now (Kyoto time), so today's booking holds a booth."""
    start = dt.datetime.now(ZoneInfo("Asia/Tokyo")) + dt.timedelta(minutes=20)
    if start.date() != dt.datetime.now(ZoneInfo("Asia/Tokyo")).date():
        pytest.skip("too close to midnight in Kyoto for a slot today")
    return start.strftime("%H:%M")


@pytest.fixture(scope="module")
def slot() -> str:
    return soon_slot()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, slot: str) -> Iterator[LiveServer]:
    folder = tmp_path_factory.mktemp("booths")
    config = folder / "config"
    shutil.copytree(ROOT / "config", config)
    site = config / "sites" / "shimogyo.toml"
    site.write_text(
        re.sub(r"^slots = \[.*\]$", f'slots = ["{slot}"]', site.read_text(), flags=re.M)
    )
    live = LiveServer(folder, MADOGUCHI_CONFIG=str(config), MADOGUCHI_RATE_LIMITS="0")
    live.start()
    yield live
    live.stop()


def ok(reply: dict[str, Any]) -> dict[str, Any]:
    assert reply["type"] == "ack", reply
    return reply


def guide_phone(browser: Browser, contexts: list[BrowserContext], server: LiveServer) -> Page:
    context = browser.new_context(**PHONE)  # type: ignore[arg-type]
    contexts.append(context)
    page = context.new_page()
    browser_sign_in(context, server, GUIDE[0], GUIDE[1])
    page.goto(f"{server.url}/guide/{SITE}")
    expect(page.locator("html")).to_have_attribute("data-ready", "true")
    return page


def test_a_booked_and_a_walk_in_family_are_attended_at_their_booths_in_order(
    browser: Browser,
    contexts: list[BrowserContext],
    server: LiveServer,
    config: Config,
    slot: str,
) -> None:
    today = dt.datetime.now(ZoneInfo("Asia/Tokyo")).date().isoformat()
    booked = ok(command(server, GUIDE, {"type": "ReserveBooth", "date": today, "slot": slot}))
    assert booked["seq"] > 0
    for counter, who in (("c5", HOKEN), ("c50", CHOJU), ("c60", SHOGAI)):
        ok(command(server, who, {"type": "OpenCounter", "counter": counter}))

    # The guide: a bereaved family, the itinerary, and the corner's booths under it.
    phone = guide_phone(browser, contexts, server)
    choose_event(phone, config, "shibo")
    next_step(phone)
    for qid, value in BEREAVED["answers"].items():
        if value != config.life_events.questions[qid].default:
            answer(phone, config, qid, value)
    next_step(phone)  # the visitor
    next_step(phone)  # the itinerary, with the booths
    booths = phone.get_by_test_id("booth-list")
    expect(booths.locator('[data-booth="k1"]')).to_have_attribute("data-state", "held")
    expect(booths.locator('[data-booth="k1"]')).to_contain_text(f"{slot} のご予約")
    expect(booths.locator('[data-booth="k2"]')).to_have_attribute("data-state", "free")
    phone.locator("#booth-panel").scroll_into_view_if_needed()
    save(phone, "booth-guide-intake.png")
    # Another family phones to book tomorrow's slot: the booking shows under the form.
    tomorrow = (dt.date.fromisoformat(today) + dt.timedelta(days=1)).isoformat()
    phone.get_by_text("後日のご予約").click()
    expect(phone.locator("#booth-date")).to_have_value(tomorrow)
    phone.get_by_label("連絡先など（職員のみ）").fill("075-000-0000")
    phone.get_by_role("button", name="予約する").click()
    expect(phone.get_by_test_id("booth-later")).to_contain_text(f"{tomorrow} {slot}")
    phone.once("dialog", lambda dialog: dialog.accept())
    phone.get_by_role("button", name=f"{tomorrow} {slot} の予約を取り消す").click()
    expect(phone.get_by_test_id("booth-later")).to_have_count(0)
    phone.get_by_role("button", name="空いているブースへご案内").click()
    expect(phone.get_by_test_id("booth-go")).to_have_text(
        "おくやみコーナー 2番ブースへご案内ください"
    )
    ticket = phone.get_by_test_id("ticket-number").inner_text()
    save(phone, "booth-guide-seated.png")
    phone.locator('[data-tab="visits"]').click()
    expect(phone.locator("#visit-list")).to_contain_text("おくやみコーナー 2番ブースでお待ち")

    # The booked family arrives: seated at the booth held for them.
    bookings = _floor(server)["booth_reservations"]
    reservation = next(rid for rid, r in bookings.items() if r["date"] == today)
    seated = ok(
        command(
            server, GUIDE, {"type": "SeatAtBooth", "intake": BEREAVED, "reservation": reservation}
        )
    )
    walk_in = _floor(server)["booths"]["k2"]["visit"]
    assert _floor(server)["booths"]["k1"]["visit"] == seated["visit"]

    # The family's own page: seated, never called, who comes first.
    family = contexts_page(browser, contexts, viewport=PHONE)
    family.goto(f"{server.url}/visit/{SITE}/{_token(server, walk_in)}")
    where = family.locator("#where")
    expect(where).to_contain_text("おくやみコーナー 2番ブースでお待ちください")
    expect(family.locator("#status")).to_contain_text("番号でお呼びすることはありません")
    expect(family.locator("#booth-coming li").first).to_contain_text("次にお伺いします：保険年金課")

    # Reception (insurance): both families are requests in the incoming lane; take ours.
    hoken = open_panel(browser, contexts, server, HOKEN, "?counter=c5")
    lane = hoken.get_by_test_id("booth-lane")
    expect(lane.locator(".booth-request")).to_have_count(2)
    request = lane.locator(f'.booth-request[data-visit="{walk_in}"]')
    expect(request).to_contain_text("おくやみコーナー 2番ブース：国民健康保険の脱退・資格喪失")
    expect(hoken.locator("#lines")).not_to_contain_text(ticket)  # in no line
    save(hoken, "booth-counter-lane.png")
    request.get_by_role("button", name="おくやみコーナー 2番ブースに伺います").click()
    expect(hoken.get_by_test_id("booth-at")).to_contain_text("おくやみコーナー 2番ブース")
    expect(family.locator("#booth-coming li").first).to_contain_text(
        "ただいま対応しています：保険年金課"
    )
    expect(family.locator("#booth-coming li").nth(1)).to_contain_text(
        re.compile(r"次にお伺いします：健康長寿推進課 — (\d\d:\d\dごろ|まもなく伺います)")
    )
    save(family, "booth-family-page.png", full_page=True)
    hoken.locator('#serving button[data-action="completeStep"]').click()

    # Care, then disability: each sees the request only when its turn comes.
    care = open_panel(browser, contexts, server, CHOJU, "?counter=c50")
    care_request = care.get_by_test_id("booth-lane").locator(
        f'.booth-request[data-visit="{walk_in}"]'
    )
    expect(care_request).to_contain_text("介護保険の資格喪失")
    expect(family.locator("#booth-coming li").first).to_contain_text(
        "次にお伺いします：健康長寿推進課"
    )
    care_request.get_by_role("button").click()
    expect(care.get_by_test_id("booth-at")).to_be_visible()
    care.locator('#serving button[data-action="completeStep"]').click()
    shogai = open_panel(browser, contexts, server, SHOGAI, "?counter=c60")
    last = shogai.get_by_test_id("booth-lane").locator(f'.booth-request[data-visit="{walk_in}"]')
    expect(last).to_contain_text("障害者手帳・受給者証の返還")
    last.get_by_role("button").click()
    expect(family.locator("#booth-coming li").first).to_contain_text(
        "ただいま対応しています：障害保健福祉課"
    )
    shogai.locator('#serving button[data-action="completeStep"]').click()
    expect(family.locator("body")).to_have_attribute("data-state", "done")
    assert _floor(server)["booths"]["k2"]["visit"] == ""  # free for the next family

    # The supervisor sees the corner: the booked family waits for reception.
    boss = open_supervisor(browser, contexts, server)
    booth1 = boss.locator('#booths [data-booth="k1"]')
    expect(booth1).to_contain_text("保険年金課 をお待ちです")
    expect(boss.locator('#booths [data-booth="k2"]')).to_contain_text("空き")
    boss.locator("#booths-section").scroll_into_view_if_needed()
    save(boss, "booth-supervisor.png")


async def _race(server: LiveServer, visit: str) -> list[dict[str, Any]]:
    cookie = login(server, *HOKEN)
    clerks = [await Client.connect(server, cookie) for _ in range(2)]
    for client in clerks:
        await client.hello(SITE, {"kind": "counter", "department": "hoken"})
    for counter, client in zip(("c5", "c6"), clerks, strict=True):
        await client.command(f"open-{counter}-{visit}", {"type": "OpenCounter", "counter": counter})
    replies = await asyncio.gather(
        *(
            client.command(
                f"take-{counter}-{visit}",
                {"type": "TakeBoothVisit", "counter": counter, "visit": visit},
            )
            for counter, client in zip(("c5", "c6"), clerks, strict=True)
        )
    )
    for client in clerks:
        await client.close()
    return list(replies)


def test_two_clerks_racing_for_one_booth_request_never_both_get_it(server: LiveServer) -> None:
    for counter in ("c5", "c6"):
        reply = command(server, HOKEN, {"type": "CloseCounter", "counter": counter})
        assert reply["type"] in ("ack", "error")
    # Free a booth (the first test left the booked family at booth 1) and seat a family.
    floor = _floor(server)
    for booth in floor["booths"].values():
        if booth["visit"]:
            ok(command(server, GUIDE, {"type": "CancelVisit", "visit": booth["visit"]}))
    visit = ok(command(server, GUIDE, {"type": "SeatAtBooth", "intake": BEREAVED}))["visit"]
    replies = in_thread(_race(server, visit))
    assert sorted(r["type"] for r in replies) == ["ack", "error"]
    assert next(r for r in replies if r["type"] == "error")["code"] == "booth_taken"
    counters = _floor(server)["counters"]
    assert sum(counters[c]["visit"] == visit for c in ("c5", "c6")) == 1
    ok(command(server, GUIDE, {"type": "CancelVisit", "visit": visit}))  # the booth is free again


# --- helpers -----------------------------------------------------------------------------------


def contexts_page(
    browser: Browser, contexts: list[BrowserContext], viewport: dict[str, Any]
) -> Page:
    context = browser.new_context(**viewport)
    contexts.append(context)
    return context.new_page()


def open_supervisor(browser: Browser, contexts: list[BrowserContext], server: LiveServer) -> Page:
    context = browser.new_context(viewport=VIEWPORT)
    contexts.append(context)
    browser_sign_in(context, server, "super01", "9999")
    page = context.new_page()
    page.goto(f"{server.url}/supervisor/{SITE}")
    expect(page.locator("#booths-section")).to_be_visible()
    return page


def in_thread(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a WebSocket client's coroutine on its own thread (Playwright's sync API owns this
    one's event loop)."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def _floor(server: LiveServer) -> dict[str, Any]:
    """The guide's floor view now (a fresh WebSocket snapshot)."""

    async def snapshot() -> dict[str, Any]:
        client = await Client.connect(server, login(server, *GUIDE))
        await client.hello(SITE, {"kind": "floor"})
        await client.close()
        return client.entities

    return in_thread(snapshot())


def _token(server: LiveServer, visit: str) -> str:
    return str(_floor(server)["visits"][visit]["token"])
