"""Render the guide app's PWA icons (PNG) with Debian's Chromium:
``python -m tests.support.guide_icons``.

The icon is drawn in HTML/CSS with the Noto CJK font the machine already has, so no image
library is needed; the PNGs are committed under ``handhelds/guide/icons/``.
"""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import sync_playwright

from tests.support.browser import CHROMIUM_ARGS, chromium_path

OUT = Path(__file__).resolve().parents[2] / "handhelds" / "guide" / "icons"

ICON = """<!doctype html><html><head><meta charset="utf-8"><style>
html, body {{ margin: 0; width: {size}px; height: {size}px; background: transparent; }}
.bg {{ width: {size}px; height: {size}px; background: #0b57d0; border-radius: {radius}px;
  display: grid; place-items: center; }}
.card {{ width: {card}px; height: {card}px; background: #fff; border-radius: {inner}px;
  display: grid; place-items: center; font-family: "Noto Sans CJK JP"; font-weight: 900;
  color: #0b57d0; font-size: {glyph}px; line-height: 1; }}
</style></head><body><div class="bg"><div class="card">窓</div></div></body></html>"""


def render(size: int, maskable: bool = False) -> str:
    # A maskable icon fills the square; its content stays inside the central 80 % circle.
    card = size * (0.5 if maskable else 0.66)
    return ICON.format(
        size=size,
        radius=0 if maskable else size * 0.18,
        card=card,
        inner=card * 0.16,
        glyph=card * 0.72,
    )


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        for name, size, maskable in (
            ("icon-192.png", 192, False),
            ("icon-512.png", 512, False),
            ("maskable-512.png", 512, True),
        ):
            page = browser.new_page(viewport={"width": size, "height": size})
            page.set_content(render(size, maskable))
            page.screenshot(path=str(OUT / name), omit_background=True)
            page.close()
        browser.close()


if __name__ == "__main__":
    main()
