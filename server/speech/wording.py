"""What a lobby call says, as text a speech engine reads. Pure: no I/O.

A call is read the way a Japanese office reads it: the ticket letter by letter and digit by
digit (「エー、ゼロ、ゴ、ゼロ番」), the counter as a number (「30番窓口」). The site's wording
(``[speech] wording``, else its ``announcement``) is cut into segments: the fixed greeting,
the part that carries the ticket and the part that carries the counter. Each segment is
rendered once and the call is the segments joined, so rendering the next tickets ahead costs
one segment per ticket and language, not one per ticket, counter and language.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Literal

from server.config.schema import Site

# Part of every audio file's key: bump when the reading rules below change.
READING_RULES = 1

SegmentKind = Literal["fixed", "ticket", "counter"]


@dataclass(frozen=True)
class Reading:
    """How one language reads a ticket's characters one at a time."""

    letters: dict[str, str]
    digits: tuple[str, ...]
    separator: str


ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _reading(letters: str, digits: str, separator: str) -> Reading:
    """A reading from space-separated names (no letter names: letters are read as written)."""
    names = letters.split()
    return Reading(
        dict(zip(ALPHABET, names or ALPHABET, strict=True)), tuple(digits.split()), separator
    )


READINGS: dict[str, Reading] = {
    "ja": _reading(
        "エー ビー シー ディー イー エフ ジー エイチ アイ ジェー ケー エル エム エヌ オー ピー "
        "キュー アール エス ティー ユー ブイ ダブリュー エックス ワイ ゼット",
        "ゼロ イチ ニ サン ヨン ゴ ロク ナナ ハチ キュウ",
        "、",
    ),
    "en": _reading("", "zero one two three four five six seven eight nine", ", "),
    # espeak-ng's pinyin voice reads a lone Latin capital as its English name (A → ēi).
    "zh": _reading("", "零 一 二 三 四 五 六 七 八 九", "，"),
    "ko": _reading(
        "에이 비 씨 디 이 에프 지 에이치 아이 제이 케이 엘 엠 엔 오 피 큐 알 에스 티 유 "
        "브이 더블유 엑스 와이 제트",
        "영 일 이 삼 사 오 육 칠 팔 구",
        ", ",
    ),
    "vi": _reading("", "không một hai ba bốn năm sáu bảy tám chín", ", "),
}

_SENTENCE_END = "。．.！!？?"
_CLAUSE_END = "、，,。；;：:"
_PLACEHOLDER: dict[SegmentKind, str] = {"ticket": "{ticket}", "counter": "{counter}"}


@dataclass(frozen=True)
class Segment:
    """One piece of a call's wording; ``kind`` says which number (if any) it carries."""

    kind: SegmentKind
    template: str

    @property
    def pause(self) -> float:
        """Seconds of silence after this segment when segments are joined."""
        return 0.45 if self.template.rstrip()[-1:] in _SENTENCE_END else 0.2


def read_ticket(ticket: str, lang: str) -> str:
    """A ticket read character by character: ``A050`` → 「エー、ゼロ、ゴ、ゼロ」."""
    reading = READINGS.get(lang, READINGS["en"])
    words = []
    for char in ticket.upper():
        if char.isdigit():
            words.append(reading.digits[int(char)])
        else:
            words.append(reading.letters.get(char, char))
    return reading.separator.join(words)


def wording(site: Site, lang: str) -> str:
    """The spoken template of a language: ``[speech] wording``, else the announcement."""
    spoken = site.speech.wording
    return (getattr(spoken, lang, "") if spoken else "") or site.announcement.get(lang)


def split(template: str) -> list[Segment]:
    """Cut a call's template into a fixed lead, the ticket's part and the counter's part.

    The lead ends at the last sentence end before the first number; the two numbers' parts
    are cut at the last clause mark (else space) between them, so each part is a phrase an
    engine can say on its own.
    """
    spans = sorted((template.index(p), kind) for kind, p in _PLACEHOLDER.items())
    (first_at, first), (second_at, second) = spans
    lead = max((template.rfind(c, 0, first_at) for c in _SENTENCE_END), default=-1) + 1
    between = template[first_at:second_at]
    cut = max(between.rfind(c) for c in _CLAUSE_END)
    if cut < 0:
        cut = between.rfind(" ")
    cut = first_at + (cut + 1 if cut >= 0 else len(between))
    parts: list[Segment] = []
    if template[:lead].strip():
        parts.append(Segment("fixed", template[:lead].strip()))
    parts.append(Segment(first, template[lead:cut].strip()))
    parts.append(Segment(second, template[cut:].strip()))
    return parts


def segments(site: Site, lang: str) -> list[Segment]:
    """The segments a call in ``lang`` is made of at this site."""
    return split(wording(site, lang))


def spoken(segment: Segment, lang: str, ticket: str, counter: str) -> str:
    """A segment's text with its number filled in, ready for an engine."""
    return segment.template.replace("{ticket}", read_ticket(ticket, lang)).replace(
        "{counter}", counter
    )


def call_text(site: Site, lang: str, ticket: str, counter: str) -> str:
    """The whole call as spoken (what the audio says; the board captions the announcement)."""
    gap = "" if lang in ("ja", "zh") else " "
    return gap.join(spoken(s, lang, ticket, counter) for s in segments(site, lang))


def version(site: Site, languages: list[str]) -> str:
    """The wording version: changes whenever what a call says changes, so boards never play
    audio of an old wording from their cache."""
    digest = hashlib.sha256(f"{READING_RULES}".encode())
    for lang in languages:
        digest.update(f"\0{lang}\0{wording(site, lang)}".encode())
    return digest.hexdigest()[:10]
