"""Security headers on every page the landing page links to (and the pages reached from a
ticket): a strict Content-Security-Policy, no framing, nosniff, no referrer, a
Permissions-Policy; HSTS behind HTTPS. Every page's markup has no inline script but a
nonce'd import map, and no inline event handler."""

from __future__ import annotations

from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext

from tests.support.desk import INTAKE
from tests.support.live import LiveServer, browser_sign_in, http_command

SITE = "shimogyo"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    live = LiveServer(tmp_path_factory.mktemp("headers"))
    live.start()
    yield live
    live.stop()


class Markup(HTMLParser):
    """Collects links, inline scripts and inline event handlers of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.inline_scripts: list[dict[str, str | None]] = []
        self.handlers: list[str] = []
        self.styles = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        if tag == "a" and (named.get("href") or "").startswith("/"):
            self.links.append(named["href"] or "")
        if tag == "script" and not named.get("src"):
            self.inline_scripts.append(named)
        if tag == "style":
            self.styles += 1
        self.handlers += [f"{tag}[{name}]" for name, _ in attrs if name.startswith("on")]
        if "style" in named:
            self.handlers.append(f"{tag}[style]")


def parse(html: str) -> Markup:
    markup = Markup()
    markup.feed(html)
    return markup


def every_page(server: LiveServer) -> list[str]:
    """The landing page, what it links to, and the pages a ticket leads to."""
    landing = httpx.get(server.url + "/")
    ack = http_command(server, ("guide01", "1111"), {"type": "CreateVisit", "intake": INTAKE})
    assert ack["type"] == "ack", ack
    return [
        "/",
        *parse(landing.text).links,
        "/signin?next=/supervisor",
        "/guide",
        f"/guide/{SITE}/ticket/{ack['visit']}",
        f"/guide/{SITE}/ticket/{ack['visit']}?paper=receipt",
        f"/visit/{SITE}/{ack['token']}",
        f"/supervisor/{SITE}/report",
    ]


def assert_page_headers(url: str, response: httpx.Response) -> None:
    headers = response.headers
    csp = headers.get("content-security-policy", "")
    directives = {d.split()[0]: d.split()[1:] for d in csp.split(";") if d.strip()}
    assert directives.get("frame-ancestors") == ["'none'"], url
    assert directives.get("default-src") == ["'self'"], url
    assert directives["script-src"][0] == "'self'", url
    assert all(s.startswith("'nonce-") for s in directives["script-src"][1:]), url
    assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp, url
    assert directives.get("connect-src", [""])[0] == "'self'", url
    assert directives.get("object-src") == ["'none'"], url
    assert headers.get("x-content-type-options") == "nosniff", url
    assert headers.get("x-frame-options") == "DENY", url
    assert headers.get("referrer-policy") == "no-referrer", url
    assert "camera=()" in headers.get("permissions-policy", ""), url
    assert "strict-transport-security" not in headers, url
    markup = parse(response.text)
    for script in markup.inline_scripts:
        # JSON data blocks (the visitor page's and board's texts) are never run; otherwise
        # only the shared import map (server/templates/modules.html), with this response's nonce.
        if script.get("type") == "application/json":
            continue
        assert script.get("type") == "importmap", (url, script)
        assert f"'nonce-{script.get('nonce')}'" in directives["script-src"], url
    assert markup.handlers == [], url
    assert markup.styles == 0, url


def test_every_page_has_the_security_headers(server: LiveServer) -> None:
    pages = every_page(server)
    assert len(pages) > 10
    with server.signed_in("super01", "9999") as supervisor:
        for url in pages:
            response = supervisor.get(url)
            assert response.status_code == 200, url
            if response.headers["content-type"].startswith("text/html"):
                assert_page_headers(url, response)
            else:  # health, metrics: still no sniffing and no framing
                assert response.headers["x-content-type-options"] == "nosniff", url
    for url in pages:  # signed out: the sign-in page (and what it redirects from) too
        response = httpx.get(server.url + url, follow_redirects=True)
        if response.headers["content-type"].startswith("text/html"):
            assert_page_headers(url, response)


def test_a_fresh_nonce_for_every_page(server: LiveServer) -> None:
    def nonce() -> str:
        with server.signed_in("super01", "9999") as http:
            scripts = parse(http.get(f"/supervisor/{SITE}").text).inline_scripts
            return str(scripts[0]["nonce"])

    assert nonce() != nonce()


def test_hsts_behind_https(tmp_path: Path) -> None:
    server = LiveServer(tmp_path, MADOGUCHI_SECURE_COOKIES="1")
    server.start()
    try:
        hsts = httpx.get(server.url + "/").headers.get("strict-transport-security", "")
        assert "max-age=31536000" in hsts
    finally:
        server.stop()


def test_no_screen_breaks_its_content_security_policy(
    browser: Browser, contexts: list[BrowserContext], server: LiveServer
) -> None:
    """Every screen, driven by Chromium: not one script, style, image or connection refused."""
    context = browser.new_context()
    contexts.append(context)
    context.add_init_script(
        "window.__violations = [];"
        "document.addEventListener('securitypolicyviolation', (e) =>"
        "  window.__violations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}`));"
    )
    page = context.new_page()
    console: list[str] = []
    page.on("console", lambda m: console.append(m.text) if "Security Policy" in m.text else None)
    browser_sign_in(page, server, "super01", "9999")
    screens = [
        url
        for url in every_page(server)
        if url not in ("/healthz", "/metrics") and not url.endswith((".csv", ".json"))
    ]
    for url in screens:
        page.goto(server.url + url)
        page.wait_for_load_state("load")
        page.wait_for_timeout(700)  # modules loaded, the WebSocket open, the first paint done
        assert page.evaluate("window.__violations") == [], url
    assert console == []
    # And the policy is in force: a script injected into the page does not run.
    page.goto(f"{server.url}/supervisor/{SITE}")
    ran = page.evaluate(
        """() => new Promise((done) => {
            const s = document.createElement("script");
            s.textContent = "window.__ran = true";
            document.body.append(s);
            setTimeout(() => done(window.__ran === true), 200);
        })"""
    )
    assert ran is False
    assert any(v.startswith("script-src") for v in page.evaluate("window.__violations"))
