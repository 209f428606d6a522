"""Cross-site request forgery: state-changing requests from another site's page, or without
an Origin, are refused before anything happens (real server; a real cross-site form post in
Chromium)."""

from __future__ import annotations

import httpx
from playwright.sync_api import Browser, BrowserContext, Route

from tests.support.live import LiveServer, browser_sign_in, login

SITE = "shimogyo"
EVIL = "https://evil.example"


def me(server: LiveServer, cookie: str) -> int:
    return httpx.get(server.url + "/api/me", headers={"Cookie": cookie}).status_code


def seq(server: LiveServer) -> int:
    value: int = httpx.get(server.url + "/healthz").json()["sites"][SITE]["seq"]
    return value


def test_cross_site_and_origin_less_writes_are_refused(live: LiveServer) -> None:
    cookie = login(live, "super01", "9999")
    before = seq(live)
    command = {"id": "csrf-1", "command": {"type": "OpenCounter", "counter": "c1"}}
    refused = [
        # A form on another site posting with the victim's cookie.
        httpx.post(
            live.url + "/api/logout",
            headers={"Cookie": cookie, "Origin": EVIL},
            content=b"x=1",
        ),
        httpx.post(
            f"{live.url}/api/sites/{SITE}/commands",
            headers={"Cookie": cookie, "Origin": EVIL},
            json=command,
        ),
        # No Origin at all, and no browser saying it is same-origin.
        httpx.post(
            f"{live.url}/api/sites/{SITE}/commands", headers={"Cookie": cookie}, json=command
        ),
        httpx.post(live.url + "/api/logout", headers={"Cookie": cookie}),
        httpx.post(live.url + "/api/login", json={"id": "super01", "pin": "9999"}),
        # A sandboxed page ("null") or a browser that says cross-site.
        httpx.post(live.url + "/api/logout", headers={"Cookie": cookie, "Origin": "null"}),
        httpx.post(
            live.url + "/api/logout",
            headers={"Cookie": cookie, "Sec-Fetch-Site": "cross-site"},
        ),
    ]
    for response in refused:
        assert response.status_code == 403, response.request
        assert response.json()["code"] == "forbidden"
    assert me(live, cookie) == 200
    assert seq(live) == before
    # The service's own pages (a browser sends Origin, or Sec-Fetch-Site) are served.
    same = httpx.post(
        f"{live.url}/api/sites/{SITE}/commands",
        headers={"Cookie": cookie, "Sec-Fetch-Site": "same-origin"},
        json=command,
    )
    assert same.json()["type"] == "ack"


def test_a_cross_site_form_post_in_the_browser_is_refused(
    browser: Browser, contexts: list[BrowserContext], live: LiveServer
) -> None:
    context = browser.new_context()
    contexts.append(context)
    browser_sign_in(context, live, "super01", "9999")
    attack = (
        f'<form id="f" method="post" action="{live.url}/api/logout"></form>'
        '<script>document.getElementById("f").submit()</script>'
    )

    def evil(route: Route) -> None:
        route.fulfill(status=200, content_type="text/html", body=attack)

    context.route(f"{EVIL}/**", evil)
    page = context.new_page()
    with page.expect_response(f"{live.url}/api/logout") as posted:
        page.goto(f"{EVIL}/prize")
    assert posted.value.status == 403
    assert context.request.get(live.url + "/api/me").status == 200
