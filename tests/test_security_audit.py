"""The audit trail: who changed what and who read which visit's details, for a supervisor and
a date range, as JSON and CSV, from the logs (real server, real clients, Chromium)."""

from __future__ import annotations

import csv
import io
import time
from urllib.parse import parse_qsl

import httpx
from playwright.sync_api import Browser, BrowserContext, expect

from tests.support.desk import INTAKE
from tests.support.live import Client, LiveServer, audit_rows, browser_sign_in, http_command, login

SITE = "shimogyo"


def trail(server: LiveServer, who: tuple[str, str], query: str = "") -> httpx.Response:
    with server.signed_in(who[0], who[1]) as http:
        return http.get(f"/api/sites/{SITE}/audit{query}")


def rows(server: LiveServer, query: str = "") -> list[dict[str, str]]:
    return audit_rows(server, SITE, **dict(parse_qsl(query.removeprefix("?"))))


async def test_who_changed_and_who_read_a_visit(live: LiveServer) -> None:
    ack = http_command(live, ("guide01", "1111"), {"type": "CreateVisit", "intake": INTAKE})
    ticket, visit = ack["ticket"], ack["visit"]
    http_command(live, ("clerk-shimin", "2222"), {"type": "OpenCounter", "counter": "c1"})
    http_command(live, ("clerk-shimin", "2222"), {"type": "CallNext", "counter": "c1"})
    clerk = await Client.connect(live, login(live, "clerk-shimin", "2222"))
    await clerk.hello(SITE, {"kind": "counter"})
    supervisor = await Client.connect(live, login(live, "super01", "9999"))
    await supervisor.hello(SITE, {"kind": "supervisor"})
    for client in (clerk, supervisor, clerk):  # the clerk opens it twice: recorded once
        await client.send({"type": "viewed", "visit": visit})
        await client.send({"type": "ping"})
        await client.until(lambda m: m["type"] in ("pong", "error"))
    board = await Client.connect(live, query="?device=demo-board-lobby-1f-token")
    await board.hello(SITE, {"kind": "board", "board": "lobby-1f"})
    await board.send({"type": "viewed", "visit": visit})
    assert (await board.until(lambda m: m["type"] == "error"))["code"] == "forbidden"
    for client in (clerk, supervisor, board):
        await client.close()

    of_visit = rows(live, f"?visit={ticket}")
    assert [(r["actor"], r["action"]) for r in of_visit] == [
        ("guide01", "VisitCreated"),
        ("clerk-shimin", "Called"),
        ("clerk-shimin", "VisitViewed"),
        ("super01", "VisitViewed"),
    ]
    assert {r["ticket"] for r in of_visit} == {ticket}
    assert [r["target"] for r in of_visit][2:] == ["view=counter", "view=supervisor"]
    assert rows(live, f"?visit={visit}") == of_visit
    # Sign-ins of the site's staff are in the trail too, with the address.
    signed = [r for r in rows(live, "?staff=clerk-shimin") if r["action"] == "SignedIn"]
    assert signed and signed[0]["address"] == "127.0.0.1"
    # A date range; another day has nothing.
    today = of_visit[0]["time"][:10]
    changes = [r for r in rows(live, f"?from={today}&to={today}") if r["action"] != "SignedIn"]
    assert changes == [r for r in rows(live) if r["action"] != "SignedIn"]
    assert len(changes) >= len(of_visit) + 1  # the clerk's OpenCounter too
    assert rows(live, "?from=2020-01-01") == []
    # Supervisors only.
    assert trail(live, ("clerk-shimin", "2222")).status_code == 403


def test_the_trail_exports_as_csv_without_personal_text(live: LiveServer) -> None:
    note = '=HYPERLINK("http://evil.example") 聴覚に配慮'
    http_command(
        live, ("guide01", "1111"), {"type": "CreateVisit", "intake": {**INTAKE, "note": note}}
    )
    with live.signed_in("super01", "9999") as http:
        response = http.get(f"/supervisor/{SITE}/audit.csv")
    assert response.headers["content-type"].startswith("text/csv")
    text = response.content.decode("utf-8-sig")
    table = list(csv.reader(io.StringIO(text)))
    assert table[0][:4] == ["time", "actor", "role", "action"]
    assert any(row[1] == "guide01" and row[3] == "VisitCreated" for row in table)
    assert "聴覚" not in text and "HYPERLINK" not in text


def test_opening_a_visits_details_on_the_counter_panel_is_recorded(
    browser: Browser, contexts: list[BrowserContext], live: LiveServer
) -> None:
    ack = http_command(live, ("guide01", "1111"), {"type": "CreateVisit", "intake": INTAKE})
    for command in (
        {"type": "OpenCounter", "counter": "c1"},
        {"type": "CallNext", "counter": "c1"},
    ):
        http_command(live, ("clerk-shimin", "2222"), command)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    contexts.append(context)
    browser_sign_in(context, live, "clerk-shimin", "2222")
    page = context.new_page()
    page.goto(f"{live.url}/counter/{SITE}?counter=c1")
    # The called visitor's card: the clerk opens all of the intake's answers.
    summary = page.locator(f'[data-focus-key="answers-{ack["visit"]}"]')
    expect(summary).to_be_visible()
    summary.click()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        viewed = [r for r in rows(live, f"?visit={ack['ticket']}") if r["action"] == "VisitViewed"]
        if viewed:
            break
        time.sleep(0.2)
    assert [(r["actor"], r["target"]) for r in viewed] == [("clerk-shimin", "view=counter")]
