"""Sessions end for real: logout and a PIN change end every session of that staff member and
close their open WebSockets at once, on every process; idle sessions time out; sign-in issues
a fresh session id (real server, real WebSocket clients, real Redis)."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from websockets.exceptions import ConnectionClosed

from server.security.passwords import hash_pin
from tests.support.live import Client, LiveServer, login
from tests.support.scaleout import pair

__all__ = ["pair"]  # the two-process fixture (tests/support/scaleout.py)

SITE = "shimogyo"
ROOT = Path(__file__).resolve().parent.parent
CLOSE_SESSION_ENDED = 4401


def cookie_of(server: LiveServer, staff: str, pin: str) -> str:
    return login(server, staff, pin)


def me(server: LiveServer, cookie: str) -> int:
    return httpx.get(server.url + "/api/me", headers={"Cookie": cookie}).status_code


def command_status(server: LiveServer, cookie: str) -> int:
    reply = httpx.post(
        f"{server.url}/api/sites/{SITE}/commands",
        headers={"Cookie": cookie, "Origin": server.url},
        json={"id": "after-logout-1", "command": {"type": "OpenCounter", "counter": "c1"}},
    )
    return reply.status_code


def logout(server: LiveServer, cookie: str) -> None:
    httpx.post(
        server.url + "/api/logout", headers={"Cookie": cookie, "Origin": server.url}
    ).raise_for_status()


async def closed_with(client: Client, timeout: float = 5.0) -> int | None:
    """Read until the server closes the socket; return its close code."""
    try:
        async with asyncio.timeout(timeout):
            while True:
                await client.ws.recv()
    except ConnectionClosed as closed:
        return closed.rcvd.code if closed.rcvd else None


async def test_logout_ends_every_session_and_closes_open_websockets(live: LiveServer) -> None:
    panel = cookie_of(live, "clerk-shimin", "2222")
    phone = cookie_of(live, "clerk-shimin", "2222")  # the same clerk on a second device
    other = cookie_of(live, "clerk-choju", "3333")
    socket = await Client.connect(live, panel)
    await socket.hello(SITE, {"kind": "counter"})
    bystander = await Client.connect(live, other)
    await bystander.hello(SITE, {"kind": "counter"})
    assert me(live, panel) == 200

    logout(live, phone)

    assert await closed_with(socket) == CLOSE_SESSION_ENDED
    assert me(live, panel) == 401
    assert me(live, phone) == 401
    assert command_status(live, panel) == 401
    # The old cookie opens no staff view any more either.
    again = await Client.connect(live, panel)
    assert (await again.hello(SITE, {"kind": "counter"}))["code"] == "not_authenticated"
    await again.close()
    # Another staff member is untouched.
    assert me(live, other) == 200
    await bystander.send({"type": "ping"})
    assert (await bystander.until(lambda m: m["type"] == "pong"))["type"] == "pong"
    await bystander.close()
    # Signing in again works at once.
    assert me(live, cookie_of(live, "clerk-shimin", "2222")) == 200


async def test_a_supervisor_ends_the_sessions_of_a_lost_phone(live: LiveServer) -> None:
    phone = cookie_of(live, "guide01", "1111")
    socket = await Client.connect(live, phone)
    await socket.hello(SITE, {"kind": "floor"})
    clerk = cookie_of(live, "clerk-shimin", "2222")
    supervisor = cookie_of(live, "super01", "9999")

    def end(cookie: str, staff: str) -> int:
        return httpx.post(
            f"{live.url}/api/staff/{staff}/end-sessions",
            headers={"Cookie": cookie, "Origin": live.url},
        ).status_code

    assert end(clerk, "guide01") == 403  # only supervisors
    assert me(live, phone) == 200
    assert end(supervisor, "guide01") == 200
    assert await closed_with(socket) == CLOSE_SESSION_ENDED
    assert me(live, phone) == 401
    assert me(live, supervisor) == 200


def test_sign_in_issues_a_new_session_and_drops_what_was_there(live: LiveServer) -> None:
    with live.client() as http:
        http.post("/api/login", json={"id": "guide01", "pin": "1111"}).raise_for_status()
        first = http.cookies["madoguchi_session"]
        http.post("/api/login", json={"id": "guide01", "pin": "1111"}).raise_for_status()
        second = http.cookies["madoguchi_session"]
        assert first != second
        assert http.get("/api/me").json()["id"] == "guide01"
    # A cookie forged without the server's key is nobody.
    assert me(live, "madoguchi_session=eyJzdGFmZiI6ICJzdXBlcjAxIn0=") == 401


@pytest.fixture
def idle_server(tmp_path: Path) -> Iterator[LiveServer]:
    """Sessions idle out after three seconds."""
    server = LiveServer(tmp_path, MADOGUCHI_SESSION_IDLE_MINUTES="0.05")
    server.start()
    yield server
    server.stop()


async def test_an_idle_session_ends_and_its_websocket_closes(idle_server: LiveServer) -> None:
    left = cookie_of(idle_server, "guide01", "1111")
    socket = await Client.connect(idle_server, left)
    await socket.hello(SITE, {"kind": "floor"})
    with idle_server.client() as used:
        used.post("/api/login", json={"id": "guide01", "pin": "1111"}).raise_for_status()
        for _ in range(5):  # in use: every request keeps it alive
            await asyncio.sleep(0.8)
            assert used.get("/api/me").status_code == 200
    assert me(idle_server, left) == 401
    assert await closed_with(socket) == CLOSE_SESSION_ENDED


def test_a_new_pin_ends_the_sessions_signed_in_with_the_old_one(tmp_path: Path) -> None:
    folder = tmp_path / "config"
    shutil.copytree(ROOT / "config", folder)
    server = LiveServer(tmp_path / "run", MADOGUCHI_CONFIG=str(folder))
    server.start()
    try:
        cookie = cookie_of(server, "guide01", "1111")
        assert me(server, cookie) == 200
        server.stop()
        staff = folder / "staff.toml"
        lines = staff.read_text().splitlines()
        at = next(i for i, line in enumerate(lines) if line == 'id = "guide01"')
        hashed = next(i for i in range(at, len(lines)) if lines[i].startswith("pin_hash"))
        lines[hashed] = f'pin_hash = "{hash_pin("4821")}"'
        staff.write_text("\n".join(lines) + "\n")
        server.start()
        assert me(server, cookie) == 401
        assert me(server, cookie_of(server, "guide01", "4821")) == 200
    finally:
        server.stop()


async def test_logout_on_one_process_closes_the_websocket_on_another(
    pair: tuple[LiveServer, LiveServer],
) -> None:
    a, b = pair
    cookie = cookie_of(a, "super01", "9999")
    socket = await Client.connect(b, cookie)
    await socket.hello(SITE, {"kind": "supervisor"})
    logout(a, cookie)
    assert await closed_with(socket) == CLOSE_SESSION_ENDED
    assert me(b, cookie) == 401


CLOSE_TOKEN_REVOKED = 4403
LOBBY_2F = "demo-board-lobby-2f-token"


async def board(server: LiveServer, token: str) -> Client:
    client = await Client.connect(server, query=f"?device={token}")
    await client.hello(SITE, {"kind": "board", "board": "lobby-2f"})
    return client


async def test_revoking_a_board_closes_its_open_screen_on_every_process(
    pair: tuple[LiveServer, LiveServer],
) -> None:
    """A stolen lobby TV: the supervisor revokes its token on one process; the board open on
    the other process goes dark at once (not at its next reconnect, days later), and comes
    back refused. Another board keeps running."""
    a, b = pair
    stolen = await board(b, LOBBY_2F)
    other = await board(b, "demo-board-lobby-1f-token")
    with a.signed_in("super01", "9999") as boss:
        assert boss.post("/api/devices/board-lobby-2f/revoke").status_code == 200
    assert await closed_with(stolen) == CLOSE_TOKEN_REVOKED
    again = await Client.connect(b, query=f"?device={LOBBY_2F}")
    refused = await again.hello(SITE, {"kind": "board", "board": "lobby-2f"})
    assert refused["code"] == "not_authenticated"
    await again.close()
    await other.send({"type": "ping"})
    assert (await other.until(lambda m: m.get("type") == "pong"))["type"] == "pong"
    await other.close()


def test_only_a_supervisor_of_the_site_lists_and_revokes_its_devices(live: LiveServer) -> None:
    """The devices list and revocation refuse clearly: unknown site, nobody signed in,
    another role, a device that does not exist; nothing is revoked by a refusal."""
    with live.client() as anyone:
        reply = anyone.get(f"/api/sites/{SITE}/devices")
        assert (reply.status_code, reply.json()["code"]) == (401, "not_authenticated")
        assert anyone.post("/api/devices/board-lobby-2f/revoke").status_code == 401
    with live.signed_in("guide01", "1111") as guide:
        reply = guide.get(f"/api/sites/{SITE}/devices")
        assert (reply.status_code, reply.json()["code"]) == (403, "forbidden")
        assert guide.post("/api/devices/board-lobby-2f/revoke").status_code == 403
    with live.signed_in("super01", "9999") as boss:
        reply = boss.get("/api/sites/nowhere/devices")
        assert (reply.status_code, reply.json()["code"]) == (404, "unknown_site")
        reply = boss.post("/api/devices/no-such-device/revoke")
        assert (reply.status_code, reply.json()["code"]) == (403, "forbidden")
        devices = boss.get(f"/api/sites/{SITE}/devices").json()["devices"]
        assert {d["id"]: d["kind"] for d in devices} == {
            "board-lobby-1f": "board",
            "board-lobby-2f": "board",
            "board-entrance": "board",
            "kiosk-shimogyo-entrance": "kiosk",
        }
        assert not any(d["revoked"] for d in devices)  # the refusals above revoked nothing
