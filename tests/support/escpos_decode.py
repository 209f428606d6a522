"""Reads back what a thermal printer would have printed: the GS v 0 raster images in an
ESC/POS byte stream, stacked into one picture (the way the paper comes out)."""

from __future__ import annotations

from PIL import Image

RASTER = b"\x1dv0"


def raster_images(stream: bytes) -> list[Image.Image]:
    """Every ticket in ``stream`` (each starts with ESC @), its raster bands stacked."""
    tickets: list[list[Image.Image]] = []
    i = 0
    while i < len(stream):
        if stream.startswith(b"\x1b@", i):
            tickets.append([])
            i += 2
        elif stream.startswith(RASTER, i):
            xl, xh, yl, yh = stream[i + 4 : i + 8]
            width_bytes, rows = xl + 256 * xh, yl + 256 * yh
            size = width_bytes * rows
            data = stream[i + 8 : i + 8 + size]
            assert len(data) == size, "raster data cut short"
            # ESC/POS 1 = black dot; Pillow 1-bit 1 = white.
            band = Image.frombytes("1", (width_bytes * 8, rows), bytes(b ^ 0xFF for b in data))
            tickets[-1].append(band)
            i += 8 + size
        else:
            i += 1
    return [_stack(bands) for bands in tickets if bands]


def _stack(bands: list[Image.Image]) -> Image.Image:
    out = Image.new("1", (bands[0].width, sum(b.height for b in bands)), 1)
    y = 0
    for band in bands:
        out.paste(band, (0, y))
        y += band.height
    return out
