"""After sign-in the browser goes only to a path on this origin, whatever ``next`` says."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.sync_api import Page

from server.web.redirects import safe_next
from tests.support.live import LiveServer

# Known open-redirect bypasses, as they arrive after the query string is decoded.
BYPASSES = [
    "//evil.example/",
    "/\\evil.example/",
    "\\\\evil.example",
    "/\\/evil.example",
    "/%5Cevil.example/",
    "/%2F%2Fevil.example",
    "/%2f/evil.example",
    "/%252F%252Fevil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    "/%09/evil.example",
    "/%0d%0a/evil.example",
    " //evil.example",
    "https:evil.example",
    "https://evil.example/",
    "http:/evil.example",
    "javascript:alert(1)",
    "evil.example",
    "data:text/html,<script>alert(1)</script>",
    "/\x00/evil.example",
    "/#//evil.example",
    "//\\evil.example",
    "/ /evil.example",
    "/" + "a" * 3000,
]
# ``next`` values as they stand in a raw query string (a browser sends these as typed).
RAW_QUERIES = [
    "/%5Cevil.example/",
    "/%255Cevil.example/",
    "%2F%2Fevil.example",
    "/%2F%2Fevil.example",
    "%5C%5Cevil.example",
    "/%09/evil.example",
    "https:evil.example",
    "%2F%5Cevil.example",
]
SAME_SITE = [
    "/",
    "/counter/shimogyo",
    "/counter/shimogyo?counter=c1",
    "/guide/nakagyo",
    "/x?d=%E6%88%B8",
]


@pytest.mark.parametrize("value", BYPASSES)
def test_bypasses_go_home(value: str) -> None:
    assert safe_next(value) == "/"


@pytest.mark.parametrize("value", SAME_SITE)
def test_same_site_paths_are_kept(value: str) -> None:
    assert safe_next(value) == value


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    live = LiveServer(tmp_path_factory.mktemp("redirects"))
    live.start()
    yield live
    live.stop()


def rendered_next(server: LiveServer, raw_query_value: str) -> str:
    html = httpx.get(f"{server.url}/signin?next={raw_query_value}").text
    found = re.search(r'data-next="([^"]*)"', html)
    assert found is not None
    return found.group(1)


@pytest.mark.parametrize("raw", RAW_QUERIES)
def test_the_sign_in_page_only_carries_a_safe_next(server: LiveServer, raw: str) -> None:
    assert rendered_next(server, raw) == "/"


def test_the_sign_in_page_keeps_a_page_of_ours(server: LiveServer) -> None:
    assert rendered_next(server, "/counter/shimogyo%3Fcounter%3Dc1") == (
        "/counter/shimogyo?counter=c1"
    )


@pytest.mark.parametrize("raw", ["/%5Cevil.example/", "/%5C%5Cevil.example/", "/%09/evil.example"])
def test_signing_in_never_leaves_the_origin(
    server: LiveServer, page: Page, raw: str, tmp_path: Path
) -> None:
    """The red-team case in a real browser: after a good PIN the page stays on our origin."""
    # Anything that leaves the origin is answered here instead of by the network.
    page.route(re.compile(r"^https?://(?!127\.0\.0\.1).*"), lambda route: route.abort())
    page.goto(f"{server.url}/signin?next={raw}")
    page.get_by_label("職員ID").fill("guide01")
    page.get_by_label("PIN").fill("1111")
    with page.expect_navigation():
        page.get_by_role("button", name="サインイン").click()
    assert urlsplit(page.url).netloc == f"127.0.0.1:{server.port}", page.url
