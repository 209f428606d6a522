"""Origins come from configuration, never from the request's Host header, and ``/metrics``
is for the operator only (loopback by default; a token or an address list when set)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import websockets
from websockets.exceptions import InvalidStatus

from server.settings import Settings
from server.web import exposure
from server.web.screens.guide import qr_svg
from tests.support.desk import INTAKE, SITE
from tests.support.live import LiveServer, http_command

PUBLIC = "https://madoguchi.example"


def login(server: LiveServer, headers: dict[str, str]) -> int:
    reply = httpx.post(
        server.url + "/api/login", json={"id": "guide01", "pin": "1111"}, headers=headers
    )
    return reply.status_code


def test_origins_are_the_configured_ones_or_loopback() -> None:
    local = Settings(port=8123)
    assert exposure.allowed_origins(local) == {
        "http://127.0.0.1:8123",
        "http://localhost:8123",
        "http://[::1]:8123",
    }
    public = Settings(port=8123, public_origin=PUBLIC, allowed_origins=("https://b.example",))
    assert exposure.allowed_origins(public) == {PUBLIC, "https://b.example"}
    assert exposure.public_origin(Settings(host="0.0.0.0", port=80)) == "http://127.0.0.1:80"
    for bad in (Settings(public_origin="madoguchi.example"), Settings(metrics_from=("nope",))):
        with pytest.raises(ValueError):  # noqa: PT011 - the message is the library's
            exposure.check(bad)


def test_lists_in_the_environment() -> None:
    settings = Settings.from_env(
        {
            "MADOGUCHI_SECRET": "x" * 32,
            "MADOGUCHI_ORIGINS": "https://a.example/, https://b.example",
            "MADOGUCHI_METRICS_FROM": "10.0.0.0/8,192.168.1.5",
            "MADOGUCHI_PUBLIC_ORIGIN": PUBLIC + "/",
        }
    )
    assert settings.allowed_origins == ("https://a.example", "https://b.example")
    assert settings.metrics_from == ("10.0.0.0/8", "192.168.1.5")
    assert settings.public_origin == PUBLIC
    assert Settings.from_env({"MADOGUCHI_SECRET": "x" * 32}).metrics_from == (
        "127.0.0.0/8",
        "::1/128",
    )


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    live = LiveServer(tmp_path_factory.mktemp("exposure"))
    live.start()
    yield live
    live.stop()


def test_a_forged_host_does_not_make_a_foreign_origin_ours(server: LiveServer) -> None:
    """The red-team case: Origin and Host both set to another site passed the check."""
    assert login(server, {"Origin": "http://evil.example", "Host": "evil.example"}) == 403
    assert login(server, {"Origin": "http://evil.example"}) == 403
    assert login(server, {"Origin": server.url}) == 200
    assert login(server, {}) == 403  # a write without Origin is refused (CSRF)


async def test_a_foreign_origin_cannot_open_the_websocket(server: LiveServer) -> None:
    with pytest.raises(InvalidStatus) as refused:
        await websockets.connect(server.ws_url, origin="http://evil.example")  # type: ignore[arg-type]
    assert refused.value.response.status_code == 403
    ws = await websockets.connect(server.ws_url, origin=server.url)  # type: ignore[arg-type]
    await ws.close()


def test_metrics_answer_loopback_by_default(server: LiveServer) -> None:
    assert httpx.get(server.url + "/metrics").status_code == 200


@pytest.fixture(scope="module")
def public(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A server configured as deployed: a public origin, metrics for a token or 10.0.0.0/8."""
    live = LiveServer(
        tmp_path_factory.mktemp("exposure-public"),
        MADOGUCHI_PUBLIC_ORIGIN=PUBLIC,
        MADOGUCHI_METRICS_TOKEN="scrape-token-0123456789",
        MADOGUCHI_METRICS_FROM="10.0.0.0/8",
    )
    live.start()
    yield live
    live.stop()


def test_metrics_need_the_token_or_a_listed_address(public: LiveServer) -> None:
    assert httpx.get(public.url + "/metrics").status_code == 403
    wrong = {"Authorization": "Bearer guess"}
    assert httpx.get(public.url + "/metrics", headers=wrong).status_code == 403
    right = {"Authorization": "Bearer scrape-token-0123456789"}
    reply = httpx.get(public.url + "/metrics", headers=right)
    assert reply.status_code == 200 and "madoguchi_store_failures_total" in reply.text


def test_the_public_origin_is_the_only_origin_and_the_qr_link(public: LiveServer) -> None:
    assert login(public, {"Origin": PUBLIC}) == 200
    assert login(public, {"Origin": public.url}) == 403  # loopback is not ours once public
    created = http_command(public, ("guide01", "1111"), {"type": "CreateVisit", "intake": INTAKE})
    with httpx.Client(base_url=public.url, headers={"Origin": PUBLIC}) as http:
        http.post("/api/login", json={"id": "guide01", "pin": "1111"}).raise_for_status()
        page = http.get(f"/guide/{SITE}/ticket/{created['ticket']}", headers={"Host": "x.test"})
    link = f"{PUBLIC}/visit/{SITE}/{created['token']}"
    assert qr_svg(link, scale=4) in page.text
    assert not re.search(r"x\.test|127\.0\.0\.1", page.text)


def test_readme_documents_the_settings() -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    for name in ("MADOGUCHI_PUBLIC_ORIGIN", "MADOGUCHI_METRICS_TOKEN", "MADOGUCHI_METRICS_FROM"):
        assert f"`{name}`" in readme, name
