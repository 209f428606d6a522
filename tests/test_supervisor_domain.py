"""The supervisor's commands in the pure domain (move a visitor, notices, alert thresholds) and
the supervisor view computed from them: alerts, the watch list, posted notices on the boards."""

from __future__ import annotations

from typing import Any

import msgspec

from server.config.schema import Text
from server.domain import commands as c
from server.domain.intake import Intake
from server.domain.queues import waiting_lines
from server.projections.snapshot import analyse
from server.projections.views import ViewKey, build
from tests.support.harness import GUIDE, Office, clerk, rejected


def view(office: Office, kind: str, scope: str = "") -> dict[str, Any]:
    site = office.rules.site
    snap = analyse(site, office.state, office.now)
    entities = build(ViewKey(kind, scope), office.config, site, office.state, snap)  # type: ignore[arg-type]
    decoded: dict[str, Any] = msgspec.json.decode(msgspec.json.encode(entities))
    return decoded


# --- moving a visitor -------------------------------------------------------------------------


def test_a_moved_visitor_keeps_their_place_in_time_in_the_new_line(office: Office) -> None:
    office.open("c1", "c32")
    early = office.create()  # A, then C
    office.tick(5)
    marriage = office.create(_marriage())
    office.run(c.MoveVisitor(early.ticket, "B"))
    lines = waiting_lines(office.state)
    assert [v.id for v in lines["B"]] == [early.id, marriage.id]
    assert "A" not in lines
    assert early.steps[0].queue == "B" and early.steps[1].queue == "C"
    office.run(c.CallNext("c32"))
    assert office.state.counters["c32"].visit == early.id


def test_only_a_waiting_visitor_can_be_moved_and_only_somewhere_else(office: Office) -> None:
    office.open("c1")
    visit = office.create()
    rejected(office, c.MoveVisitor(visit.id, "A"), "same_queue")
    rejected(office, c.MoveVisitor(visit.id, "Z"), "unknown_queue")
    rejected(office, c.MoveVisitor("A999", "B"), "unknown_visit")
    office.run(c.CallNext("c1"))
    rejected(office, c.MoveVisitor(visit.id, "B"), "not_waiting")


def test_only_a_supervisor_moves_visitors_posts_notices_or_sets_thresholds(
    office: Office,
) -> None:
    visit = office.create()
    notice = c.PostNotice(Text(ja="お知らせ"))
    for actor in (GUIDE, clerk("shimin")):
        rejected(office, c.MoveVisitor(visit.id, "B"), "forbidden", actor)
        rejected(office, notice, "forbidden", actor)
        rejected(office, c.SetAlertThreshold("A", 30), "forbidden", actor)


# --- notices on the boards --------------------------------------------------------------------


def test_a_posted_notice_reaches_the_boards_it_names_until_withdrawn(office: Office) -> None:
    text = Text(ja="5番窓口は12時まで休止します", en="Counter 5 is closed until noon")
    office.run(c.PostNotice(text, boards=["lobby-1f"]))
    office.tick(1)
    office.run(c.PostNotice(Text(ja="本日は大変混み合っています")))
    (first, second) = sorted(office.state.notices.values(), key=lambda n: n.at)
    lobby = _site(view(office, "board", "lobby-1f"))["posted_notices"]
    assert [n["text"]["ja"] for n in lobby] == ["本日は大変混み合っています", text.ja]
    assert lobby[1]["text"]["en"] == "Counter 5 is closed until noon"
    upstairs = _site(view(office, "board", "lobby-2f"))["posted_notices"]
    assert [n["id"] for n in upstairs] == [second.id]
    # Numbers and words only: who posted it stays with the staff.
    assert set(lobby[0]) == {"id", "text", "at"}
    assert view(office, "supervisor")["notices"][first.id]["by"] == "super01"
    office.run(c.WithdrawNotice(second.id))
    assert _site(view(office, "board", "lobby-2f"))["posted_notices"] == []
    rejected(office, c.WithdrawNotice(second.id), "unknown_notice")


def test_a_notice_needs_japanese_text_of_board_length_and_real_boards(office: Office) -> None:
    rejected(office, c.PostNotice(Text(ja="  ")), "invalid")
    rejected(office, c.PostNotice(Text(ja="あ" * 301)), "invalid")
    rejected(office, c.PostNotice(Text(ja="お知らせ"), boards=["roof"]), "unknown_board")


def test_notices_and_thresholds_end_with_the_day(office: Office) -> None:
    office.run(c.PostNotice(Text(ja="本日は大変混み合っています")))
    office.run(c.SetAlertThreshold("A", 20))
    office.run(c.CloseDay())
    assert (office.state.notices, office.state.alert_minutes) == ({}, {})
    office.run(c.PostNotice(Text(ja="本日は大変混み合っています")))
    office.run(c.SetAlertThreshold("A", 20))
    office.tick(24 * 60)
    office.create()
    assert (office.state.notices, office.state.alert_minutes) == ({}, {})


# --- alerts -----------------------------------------------------------------------------------


def test_an_alert_rises_when_the_estimate_reaches_the_threshold_and_a_counter_clears_it(
    office: Office,
) -> None:
    care = _care()
    office.open("c50")
    for _ in range(3):
        office.create(care)  # queue D: 20 minutes a visit, alert at 45
    queue = view(office, "supervisor")["queues"]["D"]
    assert (queue["estimated_wait"], queue["alert_minutes"], queue["alert"]) == (60, 45, "over")
    office.open("c51")
    queue = view(office, "supervisor")["queues"]["D"]
    assert (queue["estimated_wait"], queue["alert"]) == (30, "")


def test_people_waiting_with_no_counter_open_is_an_alert_of_its_own(office: Office) -> None:
    office.create(_care())
    assert view(office, "supervisor")["queues"]["D"]["alert"] == "no_counter"
    assert view(office, "supervisor")["queues"]["B"]["alert"] == ""


def test_a_supervisor_tightens_a_threshold_for_the_day_and_restores_it(office: Office) -> None:
    office.open("c50")
    office.create(_care())
    assert view(office, "supervisor")["queues"]["D"]["alert"] == ""
    office.run(c.SetAlertThreshold("D", 15))
    queue = view(office, "supervisor")["queues"]["D"]
    assert (queue["alert_minutes"], queue["configured_alert_minutes"], queue["alert"]) == (
        15,
        45,
        "over",
    )
    office.run(c.SetAlertThreshold("D", 0))
    assert view(office, "supervisor")["queues"]["D"]["alert_minutes"] == 45
    rejected(office, c.SetAlertThreshold("D", -1), "invalid")
    rejected(office, c.SetAlertThreshold("Q", 30), "unknown_queue")


def test_the_longest_wait_passes_the_threshold_at_a_time_the_view_names(office: Office) -> None:
    office.open("c1")
    visit = office.create()
    queue = view(office, "supervisor")["queues"]["A"]
    assert queue["longest_alert_at"] == visit.steps[0].queued_at + 60 * 60


# --- the watch list ---------------------------------------------------------------------------


def test_the_watch_list_holds_parked_no_show_and_long_service(office: Office) -> None:
    office.open("c1", "c2", "c3")
    parked, gone, slow = office.create(), office.create(), office.create()
    office.run(c.CallNext("c1"))
    office.run(c.Park("c1", "転出証明書を取りに帰宅"))
    office.run(c.CallNext("c2"))
    office.tick(2)
    office.run(c.NoShow("c2"))  # back in line once, behind the third visitor
    office.run(c.CallNext("c3"))
    office.run(c.StartServing("c3"))
    watch = view(office, "supervisor")["watch"]
    assert watch[parked.id]["kind"] == "parked"
    assert watch[parked.id]["note"] == "転出証明書を取りに帰宅"
    assert watch[parked.id]["since"] == office.now - 2 * 60
    assert (watch[gone.id]["kind"], watch[gone.id]["requeues"]) == ("requeued", 1)
    assert watch[slow.id]["kind"] == "serving"
    assert watch[slow.id]["counter"] == "3"
    # Queue A takes 15 minutes a visit: "long" after 30 minutes at the counter.
    assert watch[slow.id]["flag_at"] == slow.steps[0].started_at + 30 * 60
    office.run(c.CallNext("c2"))
    assert office.state.counters["c2"].visit == gone.id
    office.run(c.NoShow("c2"))
    watch = view(office, "supervisor")["watch"]
    assert watch[gone.id]["kind"] == "no_show"


def test_the_supervisor_view_names_reassigned_counters_and_who_opened_them(
    office: Office,
) -> None:
    office.run(c.OpenCounter("c32"), clerk("shimin"))
    office.run(c.AssignQueues("c32", ["A", "B"]))
    counter = view(office, "supervisor")["counters"]["c32"]
    assert counter["queues"] == ["A", "B"]
    assert counter["configured_queues"] == ["B"]
    assert counter["reassigned"] is True
    assert counter["clerk_name"] == "窓口 一郎 (Ichiro Madoguchi)"
    office.run(c.AssignQueues("c32", []))
    assert view(office, "supervisor")["counters"]["c32"]["reassigned"] is False


def test_the_log_folds_to_the_same_supervisor_state(office: Office) -> None:
    office.open("c1")
    visit = office.create()
    office.run(c.PostNotice(Text(ja="お知らせ")))
    office.run(c.SetAlertThreshold("A", 20))
    office.run(c.MoveVisitor(visit.id, "B"))
    again = office.refold()
    assert again.notices == office.state.notices
    assert again.alert_minutes == {"A": 20}
    assert again.visits[visit.id].steps[0].queue == "B"


def _site(entities: dict[str, Any]) -> dict[str, Any]:
    (site,) = entities["site"].values()
    return dict(site)


def _care() -> Intake:
    return Intake(events=["shomeisho"], extra_procedures=["kaigo_sodan"])


def _marriage() -> Intake:
    return Intake(
        events=["konin"],
        answers={"changes_name": False, "joins_spouse_insurance": False},
    )
