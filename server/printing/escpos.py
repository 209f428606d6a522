"""The few ESC/POS commands a ticket needs: reset, raster image (GS v 0), feed and cut, and the
real-time paper status query (DLE EOT 4). Written here rather than pulled from a library
because these six commands are all a raster ticket uses and every ESC/POS printer knows them.
"""

from __future__ import annotations

from typing import Literal

from PIL import Image, ImageOps

ESC, GS, DLE, EOT = b"\x1b", b"\x1d", b"\x10", b"\x04"
RESET = ESC + b"@"
RASTER = GS + b"v0\x00"  # GS v 0, normal density
FEED_AND_CUT = ESC + b"d\x05" + GS + b"V\x42\x00"  # feed 5 lines, then a partial cut
PAPER_STATUS = DLE + EOT + b"\x04"  # roll paper sensor status, answered with one byte
# Printers buffer a limited number of raster rows: send the image in bands.
BAND_ROWS = 256

Paper = Literal["ok", "low", "out"]


def raster_job(image: Image.Image) -> bytes:
    """The printer's byte stream for ``image`` (its width a multiple of 8 dots)."""
    bw = image.convert("1")
    width, height = bw.size
    if width % 8:
        raise ValueError(f"raster width {width} is not a multiple of 8 dots")
    out = [RESET]
    for top in range(0, height, BAND_ROWS):
        band = bw.crop((0, top, width, min(height, top + BAND_ROWS)))
        # Pillow's 1-bit rows are 1 = white; ESC/POS dots are 1 = black.
        data = ImageOps.invert(band.convert("L")).convert("1").tobytes()
        rows = band.height
        header = bytes([(width // 8) & 0xFF, (width // 8) >> 8, rows & 0xFF, rows >> 8])
        out.append(RASTER + header + data)
    out.append(FEED_AND_CUT)
    return b"".join(out)


def paper_state(status: int) -> Paper:
    """Read the answer to ``PAPER_STATUS``: bits 5-6 paper end, bits 2-3 near end."""
    if status & 0x60:
        return "out"
    if status & 0x0C:
        return "low"
    return "ok"
