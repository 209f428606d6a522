"""The accessibility audit itself: it passes a clean screen and fails as soon as a serious
violation is introduced (so a green suite means axe-core really looked)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from tests.support.a11y import audit, violations
from tests.support.live import LiveServer


def test_the_audit_fails_when_a_violation_is_introduced(browser: Browser, live: LiveServer) -> None:
    page = browser.new_context(locale="ja-JP").new_page()
    page.goto(f"{live.url}/signin")
    expect(page.locator("h1")).to_be_visible()
    audit(page, "sign-in")
    # Light grey text on white, and a button whose name does not contain what it shows.
    page.evaluate(
        """() => {
          const p = document.createElement("p");
          p.textContent = "薄い文字 faint text";
          p.style.color = "#bbb";
          const b = document.createElement("button");
          b.textContent = "English";
          b.setAttribute("aria-label", "表示言語を切り替える");
          document.querySelector("main").append(p, b);
        }"""
    )
    found = {v["id"] for v in violations(page)}
    assert {"color-contrast", "label-content-name-mismatch"} <= found
    with pytest.raises(AssertionError, match="color-contrast"):
        audit(page, "sign-in with a violation")
    page.context.close()
