"""The ticket as a 1-bit raster image for a thermal printer.

Printing an image rather than text is what makes Japanese come out right on any ESC/POS
printer: no kanji mode, no code page, no printer font — only the printer's dot width.
"""

from __future__ import annotations

import functools
import io
from pathlib import Path

import segno
from PIL import Image, ImageDraw, ImageFont

from server.config.schema import Text
from server.texts import Texts
from server.ticket_facts import TicketFacts

# Debian's fonts-noto-cjk (Japanese first in the collection), then other common places.
FONT_CANDIDATES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/System/Library/Fonts/ヒラギノ角ゴシック W6.ttc",
)
MARGIN = 16
# Languages whose script the CJK font draws without shaping (Thai and Nepali need both a font
# and shaping the printer path lacks: their visitors' tickets carry English after Japanese).
PRINTABLE = frozenset({"ja", "en", "zh", "ko", "vi", "id", "tl", "pt", "es", "fr", "de", "ru"})


@functools.cache
def _font_path() -> str:
    for candidate in FONT_CANDIDATES:
        if Path(candidate).exists():
            return candidate
    raise RuntimeError(
        "no Japanese font for printed tickets: install fonts-noto-cjk (apt-get install"
        " fonts-noto-cjk)"
    )


@functools.cache
def font(size: int) -> ImageFont.FreeTypeFont:
    """The ticket font at ``size`` pixels (cached: a ticket uses four sizes)."""
    # Japanese, English, Chinese and Korean need no shaping: the basic layout is several
    # times faster than raqm's.
    return ImageFont.truetype(_font_path(), size, index=0, layout_engine=ImageFont.Layout.BASIC)


def local(text: Text, language: str) -> str:
    """The label in the visitor's language, "" when that is Japanese or missing."""
    if language == "ja":
        return ""
    value: str = getattr(text, language, "") or text.en
    return value if value != text.ja else ""


def wrap(text: str, face: ImageFont.FreeTypeFont, width: int) -> list[str]:
    """Lines of at most ``width`` pixels: Japanese breaks anywhere, other scripts at spaces."""
    if face.getlength(text) <= width:
        return [text] if text.strip() else []
    lines: list[str] = []
    line = ""
    for word in _pieces(text):
        candidate = line + word
        if line and face.getlength(candidate) > width:
            lines.append(line.rstrip())
            line = word.lstrip()
        else:
            line = candidate
    if line.strip():
        lines.append(line.rstrip())
    return lines


def _pieces(text: str) -> list[str]:
    pieces: list[str] = []
    for char in text:
        if pieces and char.isascii() and char != " " and pieces[-1][-1:].isascii():
            pieces[-1] += char
        else:
            pieces.append(char)
    return pieces


class _Canvas:
    """A growing column of lines on a white strip ``width`` dots wide."""

    def __init__(self, width: int) -> None:
        self.width = width
        self.image = Image.new("1", (width, 4000), 1)
        self.draw = ImageDraw.Draw(self.image)
        self.y = MARGIN

    def text(self, text: str, size: int, *, center: bool = False, gap: int = 6) -> None:
        face = font(size)
        for line in wrap(text, face, self.width - 2 * MARGIN):
            x = (self.width - face.getlength(line)) / 2 if center else MARGIN
            self.draw.text((x, self.y), line, font=face, fill=0)
            self.y += size + gap

    def item(self, texts: list[str], size: int, gap: int = 6) -> None:
        """A list item: a bullet, then each text wrapped in a column right of it."""
        face = font(size)
        indent = int(face.getlength("・"))
        self.draw.text((MARGIN, self.y), "・", font=face, fill=0)
        for text in texts:
            for line in wrap(text, face, self.width - 2 * MARGIN - indent):
                self.draw.text((MARGIN + indent, self.y), line, font=face, fill=0)
                self.y += size + gap
        self.y += gap

    def rule(self) -> None:
        self.y += 6
        self.draw.line((MARGIN, self.y, self.width - MARGIN, self.y), fill=0, width=2)
        self.y += 12

    def boxed(self, text: str, size: int) -> None:
        """White on black: seen from a distance, and not by colour alone."""
        face = font(size)
        # Centred on the ink (the font's line box sits low: descenders would touch the edge).
        left, top, right, bottom = face.getbbox(text)
        pad = 12
        x0 = int((self.width - (right - left)) / 2) - pad
        y1 = self.y + int(bottom - top) + 2 * pad
        self.draw.rectangle((x0, self.y, x0 + (right - left) + 2 * pad, y1), fill=0)
        self.draw.text((x0 + pad - left, self.y + pad - top), text, font=face, fill=1)
        self.y = y1 + 12

    def paste(self, image: Image.Image) -> None:
        self.image.paste(image, ((self.width - image.width) // 2, self.y))
        self.y += image.height + 8

    def done(self) -> Image.Image:
        return self.image.crop((0, 0, self.width, self.y + MARGIN))


def qr_image(url: str, width: int) -> Image.Image:
    """The QR code at the largest whole scale that fits half the paper (scans from a phone)."""
    code = segno.make(url, error="m", micro=False)
    modules = code.symbol_size(scale=1, border=2)[0]
    scale = max(3, min(8, (width // 2) // modules))
    buffer = io.BytesIO()
    code.save(buffer, kind="png", scale=scale, border=2)
    buffer.seek(0)
    return Image.open(buffer).convert("1")


# The ticket's own words (config/texts.toml); office labels come from the site's file.
WORDS = {
    "number": "number",
    "scan": "scan",
    "wait": "wait_note",
    "first": "ticket_first",
    "bring": "ticket_bring",
    "priority": "ticket_priority",
    "counter": "ticket_counter",
    "in_person": "in_person",
}


def render_ticket(facts: TicketFacts, width: int, texts: Texts) -> Image.Image:
    """The whole ticket, Japanese first and the visitor's language after (English where the
    texts lack one), ``width`` dots wide."""
    lang = texts.words(facts.language)
    if lang not in PRINTABLE:
        lang = "en"
    ja = {word: texts.get(key, "ja") for word, key in WORDS.items()}
    other = {word: texts.get(key, lang) for word, key in WORDS.items()}
    second = lang != "ja"
    scale = width / 576
    big, mid, small = int(150 * scale), int(34 * scale), int(24 * scale)
    canvas = _Canvas(width)
    canvas.text(facts.site.ja, small, center=True)
    if facts.ticket:
        canvas.text(ja["number"] + (f" / {other['number']}" if second else ""), mid, center=True)
        canvas.text(facts.ticket, big, center=True, gap=36)
    else:  # a protected visitor called in person: no number to print (issue 22)
        canvas.text(ja["in_person"], mid, center=True)
        if second:
            canvas.text(other["in_person"], small, center=True)
    if facts.priority:
        canvas.boxed(ja["priority"] + (f" {other['priority']}" if second else ""), mid)
    canvas.rule()
    if facts.stops:
        first = facts.stops[0]
        canvas.text(ja["first"] + (f" / {other['first']}" if second else ""), small)
        where = " ".join(
            part for part in (first.floor, f"{ja['counter']} {', '.join(first.counters)}") if part
        )
        canvas.text(f"{first.label.ja}  {where}", mid)
        if label := local(first.label, lang):
            canvas.text(label, small)
        for n, stop in enumerate(facts.stops[1:], start=2):
            canvas.text(f"{n}. {stop.label.ja} {stop.floor}", small)
    if facts.documents:
        canvas.rule()
        canvas.text(ja["bring"] + (f" / {other['bring']}" if second else ""), small)
        for doc in facts.documents:
            # The visitor's own words under the Japanese.
            canvas.item([doc.ja, *filter(None, [local(doc, lang)])], small, gap=4)
    canvas.rule()
    canvas.paste(qr_image(facts.url, width))
    canvas.text(ja["scan"] + (f" / {other['scan']}" if second else ""), small, center=True)
    if facts.ticket:  # "your number is shown and announced": not for one called in person
        canvas.text(ja["wait"], small)
        if second:
            canvas.text(other["wait"], small)
    canvas.text(facts.issued, small, center=True)
    return canvas.done()
