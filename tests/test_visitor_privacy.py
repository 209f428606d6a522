"""Privacy, on the wire: every message two lobby boards and a visitor's page receive during the
plan's whole scenario is recorded in the browser, and none may carry anything personal.

Boards may get ticket numbers, counter numbers, neutral queue labels and figures; the visitor's
page may get its own ticket, position, wait, places and its own procedures, never an intake,
a staff note, another visitor's ticket, a token or a staff id.
"""

from __future__ import annotations

import json

from playwright.sync_api import Browser, Page, WebSocket, expect

from tests.support.desk import (
    INTAKE,
    SITE,
    Staff,
    new_page,
    open_board,
    server,
    staff,
)
from tests.support.live import LiveServer
from tests.support.scenario import keys_in

__all__ = ["server", "staff"]  # fixtures

# Keys that only staff views may hold (intake, notes, audit), or that would single a visitor out.
STAFF_ONLY_KEYS = {
    "intake",
    "answers",
    "note",
    "notes",
    "needs",
    "language",
    "party_size",
    "events",
    "forms",
    "token",
    "created_by",
    "created_at",
    "clerk",
    "reason",
    "by",
    "added_by",
    "priority",
    "visits",
    "position",
    "line",
}
# The board may not even hold a visit's procedures or itinerary.
BOARD_FORBIDDEN_KEYS = STAFF_ONLY_KEYS | {"steps", "procedures", "visit", "ahead", "where"}
CALL_FIELDS = {"id", "ticket", "counter", "queue", "at", "recall"}
HANDOFF_NOTE = "同居予定の母(78)の介護認定について相談"
PARK_NOTE = "本人確認書類を取りに帰宅"
CANCEL_REASON = "体調不良のため後日来庁"
STAFF_IDS = ("guide01", "clerk-shimin", "clerk-choju", "super01")
SENSITIVE_WORDS = ("死亡", "生活保護", "障害", "介護認定")


def record_frames(page: Page) -> list[str]:
    """Every WebSocket message the page receives, from the first one on."""
    frames: list[str] = []

    def on_socket(socket: WebSocket) -> None:
        socket.on("framereceived", lambda payload: frames.append(str(payload)))

    page.on("websocket", on_socket)
    return frames


def test_no_board_or_visitor_page_ever_receives_anything_personal(
    browser: Browser, server: LiveServer, staff: Staff
) -> None:
    guide, reception = staff("guide01", "1111"), staff("clerk-shimin", "2222")
    care, supervisor = staff("clerk-choju", "3333"), staff("super01", "9999")

    boards = {name: new_page(browser, 1920, 1080) for name in ("lobby-1f", "lobby-2f")}
    board_frames = {name: record_frames(page) for name, page in boards.items()}
    for name, page in boards.items():
        open_board(page, server, name)

    # ①–④ Two visitors are registered; we follow the first on their own phone.
    me = guide.run("CreateVisit", intake=INTAKE)
    other = guide.run("CreateVisit", intake={**INTAKE, "note": "車椅子で来庁"})
    phone = new_page(browser, 390, 844)
    phone_frames = record_frames(phone)
    phone.goto(f"{server.url}/visit/{SITE}/{me['token']}")
    expect(phone.locator("#ticket")).to_have_text(me["ticket"])

    # ⑤ Reception calls, serves, adds procedure C with a handoff note, and finishes.
    reception.run("OpenCounter", counter="c1")
    reception.run("CallTicket", counter="c1", visit=me["ticket"])
    reception.run("Recall", counter="c1")
    reception.run("StartServing", counter="c1")
    reception.run("AddProcedure", visit=me["visit"], procedure="kaigo_sodan", note=HANDOFF_NOTE)
    reception.run("CompleteStep", counter="c1")
    # The other visitor steps aside to fetch a document, then gives up for today.
    reception.run("OpenCounter", counter="c2")
    reception.run("CallTicket", counter="c2", visit=other["ticket"])
    reception.run("Park", counter="c2", note=PARK_NOTE)
    guide.run("CancelVisit", visit=other["visit"], reason=CANCEL_REASON)
    # Children's step (supervisor helps out), then the care consultation upstairs.
    supervisor.run("OpenCounter", counter="c40")
    supervisor.run("CallNext", counter="c40")
    supervisor.run("CompleteStep", counter="c40")
    care.run("OpenCounter", counter="c50")
    care.run("CallNext", counter="c50")
    expect(boards["lobby-2f"].locator('#now-calls li[data-counter="50"]')).to_have_attribute(
        "data-ticket", me["ticket"]
    )
    care.run("StartServing", counter="c50")
    care.run("CompleteStep", counter="c50")
    expect(phone.locator("#status-title")).to_have_text("All done")  # in the intake's English
    expect(boards["lobby-1f"].locator(f'li[data-ticket="{other["ticket"]}"]')).to_be_visible()

    # What the visitor's page saw: its own visit only.
    assert len(phone_frames) >= 8, phone_frames
    for raw in phone_frames:
        message = json.loads(raw)
        assert not keys_in(message) & STAFF_ONLY_KEYS, raw
        for entity_id in message.get("entities", {}).get("visit", {}):
            assert entity_id == "me"
        for text in (
            other["ticket"],
            other["visit"],
            other["token"],
            me["token"],
            me["visit"],
            HANDOFF_NOTE,
            PARK_NOTE,
            CANCEL_REASON,
            "聴覚",
            "車椅子",
            *STAFF_IDS,
        ):
            assert text not in raw, (text, raw)

    # What the boards saw: numbers, counter numbers, neutral labels, figures.
    for name, frames in board_frames.items():
        assert len(frames) >= 3, (name, frames)
        for raw in frames:
            message = json.loads(raw)
            assert not keys_in(message) & BOARD_FORBIDDEN_KEYS, (name, raw)
            for collection in (message.get("entities"), message.get("upsert")):
                for call in (collection or {}).get("calls", {}).values():
                    assert set(call) == CALL_FIELDS, call
            for text in (
                me["visit"],
                other["visit"],
                me["token"],
                other["token"],
                HANDOFF_NOTE,
                PARK_NOTE,
                CANCEL_REASON,
                "聴覚",
                "車椅子",
                *STAFF_IDS,
                *SENSITIVE_WORDS,
            ):
                assert text not in raw, (name, text, raw)
    for page in (*boards.values(), phone):
        page.context.close()
