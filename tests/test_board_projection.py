"""The board and visitor views as pure functions: what a lobby TV and a visitor's phone get.

No server here: an in-memory office (tests.support.harness.Office) runs the commands and the
views are built directly, so these run in milliseconds. Browser behaviour is in
test_board_browser.py and test_visitor_browser.py.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import msgspec
import pytest

from server.config.loading import load_config
from server.config.schema import Config
from server.domain import commands as c
from server.domain.intake import Intake
from server.errors import ConfigError
from server.projections.snapshot import analyse
from server.projections.views import ViewKey, build
from tests.support.harness import GUIDE, Office, clerk

CONFIG = Path(__file__).resolve().parent.parent / "config"
CALL_FIELDS = {"id", "ticket", "counter", "queue", "at", "recall"}


def view(office: Office, kind: str, scope: str) -> dict[str, Any]:
    site = office.config.site(office.state.site)
    snap = analyse(site, office.state, office.now)
    entities = build(ViewKey(kind, scope), office.config, site, office.state, snap)  # type: ignore[arg-type]
    # As on the wire: JSON, so Text labels become plain objects.
    decoded: dict[str, Any] = msgspec.json.decode(msgspec.json.encode(entities))
    return decoded


def test_the_board_view_carries_its_languages_layout_and_the_call_text(config: Config) -> None:
    office = Office(config)
    board = view(office, "board", "entrance")
    (site,) = board["site"].values()
    assert site["board"] == {
        "id": "entrance",
        "name": {"ja": "正面玄関", "en": "Main entrance", "zh": "", "ko": "", "vi": ""},
        "orientation": "portrait",
        "languages": ["ja", "en", "zh", "ko"],
    }
    assert site["timezone"] == "Asia/Tokyo"
    for lang in ("ja", "en", "zh", "ko"):
        assert "{ticket}" in site["announcement"][lang]
        assert "{counter}" in site["announcement"][lang]
    assert site["announcement"]["ja"].startswith("大変お待たせいたしました。受付番号{ticket}番")
    floors = {c["number"]: c["floor"] for c in site["counters"]}
    assert floors["1"] == "1F" and floors["40"] == "2F"


def test_board_calls_hold_numbers_only_and_a_recall_replaces_the_call(config: Config) -> None:
    office = Office(config)
    office.open("c1")
    visit = office.create()
    office.run(c.CallNext("c1"), clerk("shimin"))
    (call,) = view(office, "board", "lobby-1f")["calls"].values()
    assert set(call) == CALL_FIELDS
    assert (call["ticket"], call["counter"], call["recall"]) == (visit.ticket, "1", 0)

    office.tick(1)
    office.run(c.Recall("c1"), clerk("shimin"))
    (recalled,) = view(office, "board", "lobby-1f")["calls"].values()
    # A new entity (new id): boards treat it as a new call and announce it again.
    assert recalled["id"] != call["id"]
    assert (recalled["ticket"], recalled["recall"]) == (visit.ticket, 1)
    # The 2F board covers other queues: it does not show this call.
    assert view(office, "board", "lobby-2f")["calls"] == {}


def test_the_visitor_view_says_where_to_go_at_each_stage(config: Config) -> None:
    office = Office(config)
    office.open("c1")
    visit = office.create()

    def me() -> dict[str, Any]:
        entity: dict[str, Any] = view(office, "visitor", visit.token)["visit"]["me"]
        return entity

    waiting = me()
    assert waiting["where"] == {
        "kind": "queue",
        "queue": "A",
        "queue_label": {
            "ja": "総合受付",
            "en": "General reception",
            "zh": "综合受理",
            "ko": "종합 접수",
            "vi": "Quầy tiếp nhận chung",
        },
        "floor": "1F",
    }
    assert [(s["queue"], s["floor"]) for s in waiting["steps"]] == [("A", "1F"), ("C", "2F")]

    office.run(c.CallNext("c1"), clerk("shimin"))
    called = me()["where"]
    assert called["kind"] == "counter" and called["counter"] == "1" and called["floor"] == "1F"
    assert called["department"]["ja"] == "市民窓口課（戸籍住民）"

    office.run(c.StartServing("c1"), clerk("shimin"))
    assert me()["where"]["kind"] == "counter"
    office.run(c.CompleteStep("c1"), clerk("shimin"))
    moved = me()
    assert moved["where"]["queue"] == "C" and moved["where"]["floor"] == "2F"
    assert moved["steps"][0]["status"] == "done"
    assert all(p["done"] for p in moved["steps"][0]["procedures"])

    office.run(c.CancelVisit(visit.id, reason="left"), GUIDE)
    assert me()["where"] == {"kind": "none"}


def test_a_visitor_view_shows_nothing_of_anyone_else(config: Config) -> None:
    office = Office(config)
    mine = office.create()
    other = office.create()
    raw = msgspec.json.encode(view(office, "visitor", mine.token)).decode()
    assert other.ticket not in raw and other.id not in raw and other.token not in raw
    assert mine.token not in raw  # the token opens the view; it is never sent back
    assert view(office, "visitor", "no-such-token") == {"visit": {}}


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    copy = tmp_path / "config"
    shutil.copytree(CONFIG, copy)
    return copy


def test_an_announcement_without_the_counter_placeholder_is_refused(folder: Path) -> None:
    site = folder / "sites" / "shimogyo.toml"
    text = site.read_text(encoding="utf-8")
    site.write_text(
        text.replace("please come to counter {counter}.", "please come to the counter.", 1),
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as info:
        load_config(folder)
    message = str(info.value)
    assert "shimogyo.toml: $.announcement.en: lacks {counter}" in message


def test_an_announcement_missing_a_board_language_is_refused(folder: Path) -> None:
    site = folder / "sites" / "shimogyo.toml"
    text = site.read_text(encoding="utf-8")
    start = text.index('ko = "오래 기다리셨습니다.')
    site.write_text(text[:start] + text[text.index("\n", start) + 1 :], encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(folder)
    assert "$.announcement: no ko text" in str(info.value)


def test_a_site_without_an_announcement_gets_the_standard_call(config: Config) -> None:
    text = config.site("nakagyo").announcement
    assert text.ja == (
        "大変お待たせいたしました。受付番号{ticket}番の番号札でお待ちの方、{counter}番窓口へお越しください。"
    )
    assert text.en and text.zh and text.ko


# --- calls standing now, and recent calls (issue 13) -------------------------------------------


def _board_lists(office: Office, board: str = "lobby-1f") -> tuple[list[str], list[str]]:
    shown = view(office, "board", board)
    standing = [f"{c['ticket']}▶{c['counter']}" for c in shown["calls"].values()]
    recent = [f"{c['ticket']}▶{c['counter']}" for c in shown["recent"].values()]
    return standing, recent


def test_a_call_stands_until_the_visitor_comes_or_goes_elsewhere(config: Config) -> None:
    office = Office(config)
    office.open("c1", "c2", "c5", "c6")
    first, second, third, fourth = (office.create() for _ in range(4))
    for counter, department in (
        ("c1", "shimin"),
        ("c2", "shimin"),
        ("c5", "hoken"),
        ("c6", "hoken"),
    ):
        office.run(c.CallNext(counter), clerk(department))
    assert _board_lists(office) == (
        [f"{first.ticket}▶1", f"{second.ticket}▶2", f"{third.ticket}▶5", f"{fourth.ticket}▶6"],
        [],
    )
    office.run(c.StartServing("c1"), clerk("shimin"))  # came to the counter
    office.run(c.Transfer("c2", "C", "先に子ども"), clerk("shimin"))  # sent elsewhere
    office.run(c.Park("c5", "書類を取りに"), clerk("hoken"))
    assert _board_lists(office) == (
        [f"{fourth.ticket}▶6"],
        [f"{first.ticket}▶1", f"{second.ticket}▶2", f"{third.ticket}▶5"],
    )


def test_one_ticket_is_never_shown_twice(config: Config) -> None:
    office = Office(config)
    office.open("c1", "c2")
    visit = office.create()
    office.run(c.CallNext("c1"), clerk("shimin"))
    office.run(c.NoShow("c1"), clerk("shimin"))  # back in the line: the call no longer stands
    assert _board_lists(office) == ([], [f"{visit.ticket}▶1"])
    office.run(c.CallNext("c2"), clerk("shimin"))  # called again, at another counter
    assert _board_lists(office) == ([f"{visit.ticket}▶2"], [])
    office.run(c.CompleteStep("c2"), clerk("shimin"))
    assert _board_lists(office) == ([], [f"{visit.ticket}▶2"])


def test_recent_calls_keep_the_sites_count(config: Config) -> None:
    office = Office(config)
    office.open("c1")
    for _ in range(office.rules.site.recent_calls + 3):
        office.create(Intake(events=["tenkyo"]))
        office.run(c.CallNext("c1"), clerk("shimin"))
        office.run(c.CompleteStep("c1"), clerk("shimin"))
    standing, recent = _board_lists(office)
    assert standing == [] and len(recent) == office.rules.site.recent_calls


def test_the_board_carries_the_sites_opening_hours(config: Config) -> None:
    (site,) = view(Office(config), "board", "entrance")["site"].values()
    assert site["hours"] == {"open": "08:45", "close": "17:30"}
