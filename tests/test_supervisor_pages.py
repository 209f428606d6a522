"""The supervisor's screens and endpoints on a real server: who may open them, the
``supervisor`` view on the wire, notices reaching a board's view, and today's figures as JSON
and CSV (real WebSocket and HTTP clients; the browser tests are in test_supervisor_browser)."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.support.live import Client, LiveServer, login

SITE = "shimogyo"
BOARD_TOKEN = "demo-board-lobby-1f-token"
CARE: dict[str, Any] = {"events": ["shomeisho"], "extra_procedures": ["kaigo_sodan"]}
MOVED_IN: dict[str, Any] = {
    "events": ["tennyu"],
    "answers": {"moved_from": "other_prefecture", "has_tenshutsu_cert": True, "children": 0},
}
_ids = iter(range(1, 1_000_000))


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    live = LiveServer(tmp_path_factory.mktemp("supervisor-pages"))
    live.start()
    yield live
    live.stop()


@contextlib.contextmanager
def http_as(server: LiveServer, who: tuple[str, str] | None) -> Iterator[httpx.Client]:
    """An HTTP client signed in as ``who`` (or anonymous)."""
    with server.client(follow_redirects=False) as http:
        if who:
            http.post("/api/login", json={"id": who[0], "pin": who[1]}).raise_for_status()
        yield http


def command(server: LiveServer, who: tuple[str, str], body: dict[str, Any]) -> dict[str, Any]:
    with http_as(server, who) as http:
        reply: dict[str, Any] = http.post(
            f"/api/sites/{SITE}/commands", json={"id": f"sp-{next(_ids)}", "command": body}
        ).json()
    return reply


SUPERVISOR = ("super01", "9999")
GUIDE = ("guide01", "1111")
CLERK = ("clerk-choju", "3333")


@pytest.mark.parametrize(
    ("path", "anonymous", "clerk"),
    [
        ("/supervisor", 303, 403),
        (f"/supervisor/{SITE}", 303, 403),
        (f"/supervisor/{SITE}/report", 303, 403),
        (f"/supervisor/{SITE}/figures.csv", 303, 403),
        (f"/api/sites/{SITE}/figures", 401, 403),
        ("/api/supervisor/overview", 401, 403),
    ],
)
def test_supervisor_screens_are_for_supervisors(
    server: LiveServer, path: str, anonymous: int, clerk: int
) -> None:
    with http_as(server, None) as http:
        response = http.get(path)
        assert response.status_code == anonymous
        if anonymous == 303:
            assert response.headers["location"].startswith("/signin?next=")
    with http_as(server, CLERK) as http:
        assert http.get(path).status_code == clerk
    with http_as(server, SUPERVISOR) as http:
        assert http.get(path).status_code == 200


def test_an_unknown_site_or_a_bad_date_is_refused(server: LiveServer) -> None:
    with http_as(server, SUPERVISOR) as http:
        assert http.get("/supervisor/nowhere").status_code == 404
        assert http.get("/api/sites/nowhere/figures").status_code == 404
        bad = http.get(f"/api/sites/{SITE}/figures?from=2026-13-01")
        assert bad.status_code == 400 and "YYYY-MM-DD" in bad.json()["message"]
        backwards = http.get(f"/api/sites/{SITE}/figures?from=2026-03-31&to=2026-03-30")
        assert backwards.status_code == 400
        assert http.get(f"/supervisor/{SITE}/report?from=yesterday").status_code == 400


async def test_only_supervisors_open_the_supervisor_view(server: LiveServer) -> None:
    for who in (GUIDE, CLERK):
        client = await Client.connect(server, login(server, *who))
        reply = await client.hello(SITE, {"kind": "supervisor"})
        assert (reply["type"], reply["code"]) == ("error", "forbidden")
        await client.close()


async def test_the_supervisor_view_carries_alerts_watch_and_notices_and_boards_get_the_notice(
    server: LiveServer,
) -> None:
    assert command(server, SUPERVISOR, {"type": "CloseDay"})["type"] == "ack"
    supervisor = await Client.connect(server, login(server, *SUPERVISOR))
    board = await Client.connect(server, query=f"?device={BOARD_TOKEN}")
    await supervisor.hello(SITE, {"kind": "supervisor"})
    await board.hello(SITE, {"kind": "board", "board": "lobby-1f"})
    queue = supervisor.entities["queues"]["D"]
    assert (queue["alert_minutes"], queue["configured_alert_minutes"]) == (45, 45)
    assert supervisor.entities["watch"] == {} and supervisor.entities["notices"] == {}

    for _ in range(2):
        command(server, GUIDE, {"type": "CreateVisit", "intake": CARE})
    await supervisor.until_seen(lambda: supervisor.entities["queues"]["D"]["waiting"] == 2)
    assert supervisor.entities["queues"]["D"]["alert"] == "no_counter"

    notice = {"ja": "本日は大変混み合っています。", "en": "Very busy today."}
    ack = await supervisor.command(
        "n-1", {"type": "PostNotice", "text": notice, "boards": ["lobby-1f"]}
    )
    assert ack["type"] == "ack"
    # its delta may come before or after the ack
    await supervisor.until_seen(lambda: bool(supervisor.entities["notices"]))
    (posted,) = supervisor.entities["notices"].values()
    assert posted["text"]["ja"] == notice["ja"] and posted["boards"] == ["lobby-1f"]
    await board.until_seen(lambda: bool(_site(board)["posted_notices"]))
    (on_board,) = _site(board)["posted_notices"]
    assert on_board == {
        "id": posted["id"],
        "text": {**notice, "zh": "", "ko": "", "vi": ""},
        "at": posted["at"],
    }
    ack = await supervisor.command("n-2", {"type": "WithdrawNotice", "notice": posted["id"]})
    assert ack["type"] == "ack"
    await board.until_seen(lambda: _site(board)["posted_notices"] == [])
    # The board never learns who posted it.
    assert all("super01" not in raw for raw in board.raw)
    for client in (supervisor, board):
        await client.close()


def _site(client: Client) -> dict[str, Any]:
    (site,) = client.entities["site"].values()
    return dict(site)


def test_todays_figures_as_json_and_csv(server: LiveServer) -> None:
    assert command(server, SUPERVISOR, {"type": "CloseDay"})["type"] == "ack"
    with http_as(server, SUPERVISOR) as http:
        before = http.get(f"/api/sites/{SITE}/figures").json()
    for _ in range(3):
        assert command(server, GUIDE, {"type": "CreateVisit", "intake": MOVED_IN})["type"] == "ack"
    assert command(server, CLERK, {"type": "OpenCounter", "counter": "c50"})["type"] == "ack"
    assert command(server, SUPERVISOR, {"type": "OpenCounter", "counter": "c1"})["type"] == "ack"
    assert command(server, SUPERVISOR, {"type": "CallNext", "counter": "c1"})["type"] == "ack"
    deflect = {
        "events": ["shomeisho"],
        "answers": {"wants_jumin_hyo": True, "has_my_number_card": True, "knows_pin": True},
    }
    assert command(server, GUIDE, {"type": "RecordDeflection", "intake": deflect})["type"] == "ack"
    with http_as(server, SUPERVISOR) as http:
        figures = http.get(f"/api/sites/{SITE}/figures").json()
        assert figures["visits"] == before["visits"] + 3
        assert figures["deflections"] == before["deflections"] + 1
        assert figures["wait_by_queue"]["A"]["count"] == before["wait_by_queue"]["A"]["count"] + 1
        series = figures["series"]
        assert series["times"][-1] == pytest.approx(time.time(), abs=5)  # up to now
        assert series["waiting"]["A"][-1] == 2  # the live point: two still waiting in A
        assert set(figures["trend"]) == {"A", "B", "C", "D", "E", "F"}
        response = http.get(f"/supervisor/{SITE}/figures.csv")
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"].startswith('attachment; filename="madoguchi-')
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    (visits,) = [r for r in rows if r[1] == "visits"]
    assert int(visits[4]) == figures["visits"]


def test_the_city_overview_lists_every_site_of_the_supervisor(server: LiveServer) -> None:
    with http_as(server, SUPERVISOR) as http:
        overview = http.get("/api/supervisor/overview").json()
    assert [s["id"] for s in overview["sites"]] == ["shimogyo", "nakagyo"]
    shimogyo = overview["sites"][0]
    assert [q["id"] for q in shimogyo["queues"]] == ["A", "B", "C", "D", "E", "F"]
    assert (
        shimogyo["counters"]["open"]
        + shimogyo["counters"]["closed"]
        + shimogyo["counters"]["paused"]
        == 14
    )
    assert json.dumps(overview, ensure_ascii=False).count("下京区役所") == 1
