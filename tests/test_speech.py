"""Server speech, the pure parts: how a call is worded and read, which calls come next, the
segment cache, and PCM joining. No engine, no I/O."""

from __future__ import annotations

import msgspec

from server.config.schema import Config, Site, Speech, Text
from server.speech import wording
from server.speech.ahead import upcoming
from server.speech.audio import Pcm, from_wav, joined, to_wav, trimmed
from server.speech.renderer import SegmentCache
from tests.support.harness import Office


def test_a_ticket_is_read_letter_by_letter_and_digit_by_digit() -> None:
    assert wording.read_ticket("A050", "ja") == "エー、ゼロ、ゴ、ゼロ"
    assert wording.read_ticket("F123", "ja") == "エフ、イチ、ニ、サン"
    assert wording.read_ticket("A050", "en") == "A, zero, five, zero"
    assert wording.read_ticket("B007", "zh") == "B，零，零，七"
    assert wording.read_ticket("C120", "ko") == "씨, 일, 이, 영"
    assert wording.read_ticket("D009", "vi") == "D, không, không, chín"


def test_the_japanese_call_reads_the_ticket_one_by_one_and_the_counter_as_a_number(
    config: Config,
) -> None:
    site = config.site("shimogyo")
    assert wording.call_text(site, "ja", "A050", "1") == (
        "大変お待たせいたしました。受付番号、エー、ゼロ、ゴ、ゼロ番の番号札でお待ちの方、"
        "1番窓口へお越しください。"
    )
    assert wording.call_text(site, "en", "B012", "30") == (
        "Thank you for waiting. Ticket number B, zero, one, two, please come to counter 30."
    )


def test_the_wording_is_cut_into_a_greeting_a_ticket_part_and_a_counter_part(
    config: Config,
) -> None:
    site = config.site("shimogyo")
    cuts = {
        lang: [(s.kind, s.template) for s in wording.segments(site, lang)]
        for lang in ["ja", "en", "zh", "ko"]
    }
    assert cuts["ja"] == [
        ("fixed", "大変お待たせいたしました。"),
        ("ticket", "受付番号、{ticket}番の番号札でお待ちの方、"),
        ("counter", "{counter}番窓口へお越しください。"),
    ]
    assert cuts["zh"] == [
        ("fixed", "让您久等了。"),
        ("ticket", "请持{ticket}号号码牌的客人到"),  # no clause mark: cut before the counter
        ("counter", "{counter}号窗口办理。"),
    ]
    assert cuts["ko"][1:] == [
        ("ticket", "{ticket}번 번호표를 가지신 분은"),  # cut at the space
        ("counter", "{counter}번 창구로 와 주십시오."),
    ]
    # A wording with the counter first and no greeting still has one number per part.
    assert [(s.kind, s.template) for s in wording.split("{counter}番窓口へ、{ticket}番の方")] == [
        ("counter", "{counter}番窓口へ、"),
        ("ticket", "{ticket}番の方"),
    ]


def test_the_wording_version_changes_with_what_is_said(config: Config) -> None:
    site = config.site("shimogyo")
    langs = ["ja", "en"]
    reworded = msgspec.structs.replace(
        site,
        speech=Speech(wording=Text(ja="{ticket}番の方、{counter}番窓口へどうぞ。")),
    )
    assert wording.version(site, langs) == wording.version(site, langs)
    assert wording.version(reworded, langs) != wording.version(site, langs)
    # Captions without [speech] wording are what is spoken.
    plain = msgspec.structs.replace(site, speech=Speech())
    assert wording.wording(plain, "ja") == site.announcement.ja


def test_the_next_calls_are_the_heads_of_the_lines_open_counters_call_from(
    office: Office,
) -> None:
    site: Site = office.config.site("shimogyo")
    for _ in range(5):
        office.create()
    assert upcoming(site, office.state, 3).tickets == ()  # no counter open: nobody calls
    office.open("c1", "c30")
    ahead = upcoming(site, office.state, 3)
    assert ahead.tickets == ("A001", "A002", "A003")
    assert ahead.counters == ("1", "30")
    assert upcoming(site, office.state, 0).tickets == ()


def test_the_cache_evicts_the_least_recently_used_segment_past_its_size() -> None:
    cache = SegmentCache(limit=3000)
    keys = [("s", "v", "ja", "ticket", f"A00{i}") for i in range(4)]
    for key in keys[:3]:
        cache.put(key, Pcm(bytes(1000), 24000))
    assert cache.get(keys[0]) is not None  # used again: now the newest
    cache.put(keys[3], Pcm(bytes(1000), 24000))
    assert keys[1] not in cache and keys[0] in cache and keys[3] in cache
    assert (cache.size, cache.evictions, len(cache)) == (3000, 1, 3)


def test_segments_are_trimmed_and_joined_with_their_pauses() -> None:
    rate = 8000
    silence, tone = bytes(2 * rate // 2), (b"\x00\x40\x00\xc0" * (rate // 4))
    pcm = trimmed(Pcm(silence + tone + silence, rate))
    assert abs(pcm.seconds - 0.5) < 0.1  # the tone and a few milliseconds around it
    call = joined([(pcm, 0.25), (pcm, 0.45)])
    assert abs(call.seconds - (2 * pcm.seconds + 0.25)) < 0.001  # the last pause dropped
    assert from_wav(to_wav(call)) == call
