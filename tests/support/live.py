"""A real server process on a free port, and real WebSocket/HTTP clients for it."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import websockets
from playwright.sync_api import APIRequestContext, BrowserContext, Page
from websockets.asyncio.client import ClientConnection

from tests.support.processes import ChildProcess, free_port

ROOT = Path(__file__).resolve().parents[2]


class LiveServer(ChildProcess):
    """``python -m server`` in a subprocess; can be killed (-9) and started again."""

    grace = 15.0

    def __init__(self, data_dir: Path, store: str | None = None, **env: str) -> None:
        super().__init__()
        self.port = free_port()
        self.store = store or f"sqlite:{data_dir / 'madoguchi.db'}"
        self.env = {
            **os.environ,
            "PORT": str(self.port),
            "MADOGUCHI_STORE": self.store,
            "MADOGUCHI_SECRET": "test-secret-" + "x" * 20,
            **env,
        }
        data_dir.mkdir(parents=True, exist_ok=True)
        self.log_path = data_dir / f"server-{self.port}.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def origin(self) -> str:
        """The browser origin this server accepts writes from (its public origin, if set)."""
        return self.env.get("MADOGUCHI_PUBLIC_ORIGIN", self.url)

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws"

    def client(self, **options: Any) -> httpx.Client:
        """An HTTP client for this server that sends its ``Origin`` with every request (the
        CSRF check refuses writes without it); extra ``headers`` are added to it."""
        headers = {"Origin": self.origin, **options.pop("headers", {})}
        return httpx.Client(base_url=self.url, headers=headers, **options)

    @contextmanager
    def signed_in(self, staff_id: str, pin: str, **options: Any) -> Iterator[httpx.Client]:
        """``client()``, signed in as a staff member (the session cookie kept in the client);
        closed when the ``with`` block ends."""
        with self.client(**options) as http:
            http.post("/api/login", json={"id": staff_id, "pin": pin}).raise_for_status()
            yield http

    def start(self, timeout: float = 20.0) -> None:
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "server"], cwd=ROOT, env=self.env, stdout=log, stderr=log
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {self.log_path.read_text()[-3000:]}")
            try:
                if httpx.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        self.proc.kill()  # never leave a server behind the test run
        self.proc.wait(5)
        raise RuntimeError(f"server did not start: {self.log_path.read_text()[-3000:]}")


def http_command(
    server: LiveServer, who: tuple[str, str], body: dict[str, Any], site: str = "shimogyo"
) -> dict[str, Any]:
    """Send one command over HTTP as a staff member (signing in first); return the reply."""
    with server.signed_in(*who) as http:
        reply: dict[str, Any] = http.post(
            f"/api/sites/{site}/commands", json={"id": f"http-{uuid.uuid4()}", "command": body}
        ).json()
        return reply


def login(server: LiveServer, staff_id: str, pin: str) -> str:
    """Sign in over HTTP; return the Cookie header value for WebSocket clients."""
    response = httpx.post(
        server.url + "/api/login",
        json={"id": staff_id, "pin": pin},
        headers={"Origin": server.origin},
    )
    response.raise_for_status()
    return "; ".join(f"{k}={v}" for k, v in response.cookies.items())


def audit_rows(server: LiveServer, site: str, **query: str) -> list[dict[str, str]]:
    """The audit trail a supervisor reads (``/api/sites/{site}/audit``), one dict a row."""
    with server.signed_in("super01", "9999") as http:
        reply = http.get(f"/api/sites/{site}/audit", params=query)
        reply.raise_for_status()
    body: dict[str, Any] = reply.json()
    return [dict(zip(body["header"], row, strict=True)) for row in body["rows"]]


def browser_sign_in(
    browser: Page | BrowserContext | APIRequestContext,
    server: LiveServer,
    staff_id: str,
    pin: str,
) -> None:
    """Sign a browser in through the API: its pages share the session cookie from then on."""
    request = browser if isinstance(browser, APIRequestContext) else browser.request
    response = request.post(
        server.url + "/api/login",
        data={"id": staff_id, "pin": pin},
        headers={"Origin": server.origin},
    )
    assert response.ok, response.text()


class Client:
    """A WebSocket client that keeps the view it subscribed to, like the browser client will."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.entities: dict[str, dict[str, Any]] = {}
        self.seq = -1
        self.epoch = ""
        self.received: list[dict[str, Any]] = []
        self.raw: list[str] = []

    @classmethod
    async def connect(
        cls, server: LiveServer, cookie: str = "", query: str = "", **kw: Any
    ) -> Client:
        headers = {"Cookie": cookie} if cookie else {}
        ws = await websockets.connect(
            server.ws_url + query, additional_headers=headers, max_size=4 * 2**20, **kw
        )
        return cls(ws)

    async def send(self, message: dict[str, Any]) -> None:
        await self.ws.send(json.dumps(message))

    async def recv(self, timeout: float = 5.0) -> dict[str, Any]:
        text = await asyncio.wait_for(self.ws.recv(), timeout)
        assert isinstance(text, str)
        self.raw.append(text)
        message: dict[str, Any] = json.loads(text)
        self.received.append(message)
        self._fold(message)
        return message

    def _fold(self, message: dict[str, Any]) -> None:
        kind = message.get("type")
        if kind == "snapshot":
            self.entities = message["entities"]
        elif kind == "delta":
            for coll, items in message["upsert"].items():
                self.entities.setdefault(coll, {}).update(items)
            for coll, ids in message["remove"].items():
                for eid in ids:
                    self.entities.get(coll, {}).pop(eid, None)
        if kind in ("snapshot", "delta", "synced"):
            self.seq = message["seq"]
            self.epoch = message["epoch"]

    async def until(self, predicate: Any, timeout: float = 5.0) -> dict[str, Any]:
        """Read until a message satisfies ``predicate``; return it."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                raise TimeoutError("no matching message")
            message = await self.recv(remaining)
            if predicate(message):
                return message

    async def until_seen(self, condition: Any, timeout: float = 5.0) -> None:
        """Wait until ``condition()`` holds on what this client has received so far; it may
        already (``until`` waits for a further message, which never comes if the change
        arrived while the client was reading for something else)."""
        if not condition():
            await self.until(lambda _message: condition(), timeout)

    async def hello(
        self,
        site: str,
        view: dict[str, Any],
        seq: int | None = None,
        epoch: str | None = None,
        **extra: Any,
    ) -> dict[str, Any]:
        """Say hello and read until the view is in sync (snapshot, or replay + synced)."""
        body: dict[str, Any] = {"type": "hello", "site": site, "view": view, **extra}
        if seq is not None:
            body.update(seq=seq, epoch=epoch)
        await self.send(body)
        welcome = await self.recv()
        if welcome["type"] == "error":
            return welcome
        assert welcome["type"] == "welcome", welcome
        return await self.until(lambda m: m["type"] in ("snapshot", "synced"))

    async def command(self, command_id: str, command: dict[str, Any]) -> dict[str, Any]:
        """Send a command and read until its ack or error."""
        await self.send({"type": "command", "id": command_id, "command": command})
        return await self.until(
            lambda m: m["type"] in ("ack", "error") and m.get("id") == command_id
        )

    async def close(self) -> None:
        await self.ws.close()
