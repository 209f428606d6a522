"""The accessibility audit every browser test runs on the screens it visits: axe-core (bundled
by the ``axe-playwright-python`` package, so no network at test time) must find no serious or
critical violation. ``tests.support.screenshots.save`` audits each state it photographs; tests audit
the states they do not photograph (sign-in, print pages) themselves.
"""

from __future__ import annotations

import json
import os
from typing import Any

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

BLOCKING = ("serious", "critical")
# axe-core's default rules, plus one it ships as experimental: a control's visible text must be
# part of its accessible name, or voice-control users cannot say what they see.
OPTIONS = {
    "resultTypes": ["violations"],
    "rules": {"label-content-name-mismatch": {"enabled": True}},
}
_AXE = Axe()


def violations(page: Page) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the page as it is now."""
    results = _AXE.run(page, options=OPTIONS)
    found: list[dict[str, Any]] = results.response["violations"]
    return [v for v in found if v.get("impact") in BLOCKING]


def describe(found: list[dict[str, Any]]) -> str:
    """One line per violation: rule, impact and the elements it hit."""
    return "\n".join(
        f"{v['id']} ({v['impact']}): "
        + "; ".join(
            f"{', '.join(map(str, node['target']))} {node.get('html', '')[:70]}"
            for node in v["nodes"][:6]
        )
        for v in found
    )


def audit(page: Page, where: str) -> None:
    """Fail unless axe-core finds no serious or critical violation on ``page``."""
    found = violations(page)
    record = os.environ.get("MADOGUCHI_A11Y_RECORD")
    if record:  # survey mode: list every screen's findings without stopping the run
        with open(record, "a", encoding="utf-8") as out:
            out.write(json.dumps({"where": where, "found": describe(found)}) + "\n")
        return
    assert not found, f"accessibility violations on {where}:\n{describe(found)}"


# The smallest computed font size of any visible text on the page (text nodes with letters).
SMALLEST_TEXT = """() => {
  let smallest = Infinity, where = "";
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!node.textContent.trim() || !el || !el.getClientRects().length) continue;
    if (el.closest('[aria-hidden="true"], .visually-hidden, [hidden]')) continue;
    const style = getComputedStyle(el);
    if (style.visibility === "hidden") continue;
    const size = parseFloat(style.fontSize);
    if (size < smallest) {
      smallest = size;
      where = `${el.tagName}.${el.className}: ${node.textContent.trim().slice(0, 30)}`;
    }
  }
  return {size: smallest, where};
}"""


def smallest_text(page: Page) -> dict[str, Any]:
    """{size, where}: the smallest text a reader meets on the page as it is now."""
    found: dict[str, Any] = page.evaluate(SMALLEST_TEXT)
    return found
