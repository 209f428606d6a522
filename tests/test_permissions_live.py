"""The procedure × department matrix over both transports of a real server: every procedure
each site routes, completed by a clerk of every department of that site, once through
``POST /api/sites/{site}/commands`` and once over the WebSocket."""

from __future__ import annotations

import itertools
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import msgspec
import pytest

from server.config.loading import load_config
from server.config.schema import Config
from tests.support.harness import MOVED_IN_WITH_CHILDREN
from tests.support.live import Client, LiveServer
from tests.support.permission_matrix import expected_allowed, site_matrix

ROOT = Path(__file__).resolve().parent.parent
PIN = "2222"  # clerk-shimin's PIN: every extra account below reuses its hash


def clerk_id(site: str, department: str) -> str:
    return f"matrix-{site}-{department}"


@pytest.fixture(scope="module")
def matrix_config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo configuration plus one clerk per department of every site."""
    folder = tmp_path_factory.mktemp("matrix") / "config"
    shutil.copytree(ROOT / "config", folder)
    demo = load_config(folder)
    pin_hash = next(s.pin_hash for s in demo.accounts.staff if s.id == "clerk-shimin")
    extra = [
        f'[[staff]]\nid = "{clerk_id(site.id, d.id)}"\nname = "matrix"\nrole = "clerk"\n'
        f'sites = ["{site.id}"]\ndepartment = "{d.id}"\npin_hash = "{pin_hash}"\n'
        for site in demo.sites.values()
        for d in site.departments
    ]
    staff = folder / "staff.toml"
    staff.write_text(staff.read_text() + "\n" + "\n".join(extra))
    return folder


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, matrix_config: Path) -> Iterator[LiveServer]:
    # The matrix sends hundreds of commands at machine speed: past a person's rate limits.
    live = LiveServer(
        tmp_path_factory.mktemp("matrix-server"),
        MADOGUCHI_CONFIG=str(matrix_config),
        MADOGUCHI_RATE_LIMITS="0",
    )
    live.start()
    yield live
    live.stop()


class HttpSender:
    """One signed-in staff member sending commands through the HTTP command endpoint."""

    def __init__(self, server: LiveServer, staff_id: str, pin: str) -> None:
        self.server = server
        self.http = httpx.AsyncClient(base_url=server.url, headers={"Origin": server.origin})
        self.staff = (staff_id, pin)
        self.ids = itertools.count()

    async def sign_in(self) -> None:
        response = await self.http.post(
            "/api/login", json={"id": self.staff[0], "pin": self.staff[1]}
        )
        response.raise_for_status()

    async def send(self, site: str, command: dict[str, Any]) -> dict[str, Any]:
        body = {"id": f"{type(self).__name__}-{self.staff[0]}-{next(self.ids)}", "command": command}
        reply: dict[str, Any] = (
            await self.http.post(f"/api/sites/{site}/commands", json=body)
        ).json()
        return reply

    async def close(self) -> None:
        await self.http.aclose()


class WsSender(HttpSender):
    """The same staff member over the WebSocket (session cookie; one connection per site,
    on the counter view of their department; commands acked or refused on it)."""

    async def sign_in(self) -> None:
        await super().sign_in()
        self.clients: dict[str, Client] = {}

    async def send(self, site: str, command: dict[str, Any]) -> dict[str, Any]:
        client = self.clients.get(site)
        if client is None:
            cookie = "; ".join(f"{k}={v}" for k, v in self.http.cookies.items())
            client = self.clients[site] = await Client.connect(self.server, cookie)
            me = (await self.http.get("/api/me")).json()
            view = {"kind": "counter", "department": me["department"]}
            if me["role"] != "clerk":
                view = {"kind": "floor"}
            assert (await client.hello(site, view))["type"] != "error"
        return await client.command(
            f"{type(self).__name__}-{self.staff[0]}-{next(self.ids)}", command
        )

    async def close(self) -> None:
        for client in self.clients.values():
            await client.close()
        await super().close()


@pytest.mark.parametrize("transport", [HttpSender, WsSender], ids=["http", "websocket"])
async def test_every_procedure_by_every_department(
    server: LiveServer, matrix_config: Path, transport: type[HttpSender]
) -> None:
    config: Config = load_config(matrix_config)
    intake = msgspec.to_builtins(MOVED_IN_WITH_CHILDREN)
    senders: dict[str, HttpSender] = {}

    supervisor = transport(server, "super01", "9999")
    await supervisor.sign_in()
    outcomes: dict[str, int] = {"ack": 0, "forbidden": 0}
    try:
        for (site_id, pid), cases in itertools.groupby(site_matrix(config), lambda t: t[:2]):
            site = config.site(site_id)
            created = await supervisor.send(site_id, {"type": "CreateVisit", "intake": intake})
            assert created["type"] == "ack", created
            visit = created["visit"]
            added = await supervisor.send(
                site_id, {"type": "AddProcedure", "visit": visit, "procedure": pid}
            )
            assert added["type"] == "ack" or added["code"] == "already_done", added
            # The departments without the right first: their refusal must leave it undone.
            order = sorted(cases, key=lambda t: expected_allowed(site, config, t[2], pid))
            for _, _, department in order:
                who = clerk_id(site_id, department)
                if who not in senders:
                    senders[who] = transport(server, who, PIN)
                    await senders[who].sign_in()
                reply = await senders[who].send(
                    site_id, {"type": "CompleteProcedure", "visit": visit, "procedure": pid}
                )
                if expected_allowed(site, config, department, pid):
                    assert not reply.get("duplicate"), reply
                    assert reply["type"] == "ack" or reply["code"] == "already_done", (
                        site_id,
                        pid,
                        department,
                        reply,
                    )
                    outcomes["ack"] += reply["type"] == "ack"
                else:
                    assert reply.get("code") == "forbidden", (site_id, pid, department, reply)
                    outcomes["forbidden"] += 1
    finally:
        for made in [supervisor, *senders.values()]:
            await made.close()
    # Each procedure completed once per site by its owner (or a shared line's department);
    # most of the matrix refused.
    assert outcomes["ack"] >= 60 and outcomes["forbidden"] >= 250, outcomes
