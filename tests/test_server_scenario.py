"""The plan's scenario end to end, on a real server with real WebSocket clients."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.desk import INTAKE, SITE
from tests.support.live import Client, LiveServer, login
from tests.support.scenario import keys_in, supervisor_serves_the_childrens_step

BOARD_TOKEN = "demo-board-lobby-1f-token"
# Anything of the visitor beyond numbers; none of it may ever reach a board.
PERSONAL_KEYS = {
    "intake",
    "answers",
    "note",
    "notes",
    "token",
    "needs",
    "language",
    "created_by",
    "party_size",
    "events",
    "procedures",
    "steps",
    "forms",
    "clerk",
}


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LiveServer]:
    live = LiveServer(tmp_path)
    live.start()
    yield live
    live.stop()


async def test_the_plans_scenario_end_to_end(server: LiveServer) -> None:
    guide = await Client.connect(server, login(server, "guide01", "1111"))
    reception = await Client.connect(server, login(server, "clerk-shimin", "2222"))
    care = await Client.connect(server, login(server, "clerk-choju", "3333"))
    board = await Client.connect(server, query=f"?device={BOARD_TOKEN}")

    await guide.hello(SITE, {"kind": "floor"})
    await reception.hello(SITE, {"kind": "counter", "department": "shimin"})
    await care.hello(SITE, {"kind": "counter", "department": "choju"})
    await board.hello(SITE, {"kind": "board", "board": "lobby-1f"})
    for client, counter in ((reception, "c1"), (care, "c50")):
        ack = await client.command(f"open-{counter}", {"type": "OpenCounter", "counter": counter})
        assert ack["type"] == "ack"

    # ①–④ The guide registers the visitor; a ticket is issued.
    ack = await guide.command("g-1", {"type": "CreateVisit", "intake": INTAKE})
    assert ack["type"] == "ack" and ack["ticket"] == "A001"
    visit_id = ack["visit"]

    # ⑤ Reception sees the visitor with the computed procedures before calling.
    seen = await reception.until(lambda m: visit_id in m.get("upsert", {}).get("visits", {}))
    incoming = seen["upsert"]["visits"][visit_id]
    assert incoming["status"] == "waiting"
    assert [p["id"] for p in incoming["steps"][0]["procedures"]] == [
        "tennyu_todoke",
        "kokuho_kanyu",
        "nenkin_shubetsu",
        "my_number_address",
    ]
    assert incoming["intake"]["note"].startswith("聴覚に配慮")
    assert incoming["intake"]["needs"] == ["hearing"]
    # The care counter does not see a visitor who has no step with it yet.
    assert visit_id not in care.entities.get("visits", {})

    ack = await reception.command("r-1", {"type": "CallNext", "counter": "c1"})
    assert ack["type"] == "ack"
    call = await board.until(lambda m: m.get("upsert", {}).get("calls"))
    (called,) = call["upsert"]["calls"].values()
    assert (called["ticket"], called["counter"]) == ("A001", "1")

    await reception.command("r-2", {"type": "StartServing", "counter": "c1"})
    # Reception finds the family needs a care consultation: procedure C, with a handoff note.
    ack = await reception.command(
        "r-3",
        {
            "type": "AddProcedure",
            "visit": visit_id,
            "procedure": "kaigo_sodan",
            "note": "同居予定の母(78)の介護認定について相談",
        },
    )
    assert ack["type"] == "ack"
    handoff = await care.until(lambda m: visit_id in m.get("upsert", {}).get("visits", {}))
    visit = handoff["upsert"]["visits"][visit_id]
    care_step = next(s for s in visit["steps"] if s["queue"] == "D")
    assert care_step["note"] == "同居予定の母(78)の介護認定について相談"
    assert care_step["status"] == "pending"  # seen before the visitor arrives

    await reception.command("r-4", {"type": "CompleteStep", "counter": "c1"})
    # Children's step next; the children's counter is closed, so the supervisor helps out.
    supervisor = await Client.connect(server, login(server, "super01", "9999"))
    await supervisor.hello(SITE, {"kind": "floor"})
    await supervisor_serves_the_childrens_step(supervisor, care, visit_id)
    await care.command("c-1", {"type": "CallNext", "counter": "c50"})
    await care.command("c-2", {"type": "CompleteStep", "counter": "c50"})

    done = await guide.until(
        lambda m: m.get("upsert", {}).get("visits", {}).get(visit_id, {}).get("status") == "done"
    )
    assert all(
        p["done"] for s in done["upsert"]["visits"][visit_id]["steps"] for p in s["procedures"]
    )

    # Privacy: nothing personal ever reached the board.
    for raw in board.raw:
        assert not keys_in(json.loads(raw)) & PERSONAL_KEYS, raw
        assert "聴覚" not in raw and visit_id not in raw

    metrics = httpx.get(server.url + "/metrics").text
    assert 'madoguchi_connections{role="board"} 1' in metrics
    assert 'madoguchi_commands_total{command="CallNext",outcome="ok"} 3' in metrics
    for client in (guide, reception, care, board, supervisor):
        await client.close()


async def test_the_http_command_endpoint_works_like_the_websocket(server: LiveServer) -> None:
    with server.client() as http:
        refused = http.post(
            f"/api/sites/{SITE}/commands", json={"id": "h-0", "command": {"type": "CloseDay"}}
        )
        assert refused.status_code == 401
        assert refused.json()["code"] == "not_authenticated"
        http.post("/api/login", json={"id": "guide01", "pin": "1111"}).raise_for_status()
        body = {"id": "h-1", "command": {"type": "CreateVisit", "intake": INTAKE}}
        first = http.post(f"/api/sites/{SITE}/commands", json=body)
        again = http.post(f"/api/sites/{SITE}/commands", json=body)
        assert first.status_code == again.status_code == 200
        assert first.json()["ticket"] == again.json()["ticket"] == "A001"
        assert again.json()["duplicate"] is True
        forbidden = http.post(
            f"/api/sites/{SITE}/commands", json={"id": "h-2", "command": {"type": "CloseDay"}}
        )
        assert forbidden.status_code == 403 and forbidden.json()["code"] == "forbidden"
        plan = http.post(f"/api/sites/{SITE}/plan", json={"intake": INTAKE}).json()
        assert [s["queue"] for s in plan["steps"]] == ["A", "C"]
        assert plan["self_service_only"] is False
        health = http.get("/healthz").json()
        assert health["sites"][SITE]["seq"] == 1
