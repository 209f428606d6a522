"""Debian's Chromium for Playwright: where it is and how it is started (no download here)."""

from __future__ import annotations

import os
import shutil

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def chromium_path() -> str:
    """Debian's Chromium (or $MADOGUCHI_CHROMIUM). Missing it is an error, never a skip."""
    path = os.environ.get("MADOGUCHI_CHROMIUM") or shutil.which("chromium") or ""
    if not path:
        raise RuntimeError(
            "browser tests need Chromium: apt-get install chromium fonts-noto-cjk "
            "(or set MADOGUCHI_CHROMIUM to a Chromium binary)"
        )
    return path
