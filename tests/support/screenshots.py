"""Screenshots for docs/screenshots/, taken by the browser tests.

They are written there only with ``MADOGUCHI_SCREENSHOTS=1`` (to refresh the docs); otherwise
into a temporary folder, so a test run still exercises them but leaves the checkout clean.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from playwright.sync_api import Locator, Page

from tests.support.a11y import audit

DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def folder() -> Path:
    target = (
        DOCS
        if os.environ.get("MADOGUCHI_SCREENSHOTS")
        else (Path(tempfile.gettempdir()) / "madoguchi-screenshots")
    )
    target.mkdir(parents=True, exist_ok=True)
    return target


def save(
    target: Page | Locator, name: str, *, full_page: bool = False, audited: bool = False
) -> Path:
    """Screenshot a page (or one element of it) as ``name``; return where it went.

    Every state worth a screenshot is also audited for accessibility (tests/support/a11y.py), unless
    the caller says this very state was ``audited`` just before (one element of a page saved
    whole a moment ago).
    """
    if not audited:
        audit(target if isinstance(target, Page) else target.page, name)
    path = folder() / name
    if isinstance(target, Page):
        target.screenshot(path=str(path), full_page=full_page)
    else:
        target.screenshot(path=str(path))
    return path
