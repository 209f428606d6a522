"""The counter view's briefings: what a department knows about visitors before they arrive."""

from __future__ import annotations

from typing import Any

import msgspec

from server.domain import commands as c
from server.domain.intake import Intake
from server.projections.snapshot import analyse
from server.projections.views import ViewKey, build
from tests.support.harness import MOVED_IN_WITH_CHILDREN, Office, clerk

NOTE = "同居予定の母(78)の介護認定について相談"


def counter_view(office: Office, department: str) -> dict[str, Any]:
    site = office.rules.site
    snap = analyse(site, office.state, office.now)
    return build(ViewKey("counter", department), office.config, site, office.state, snap)


def test_a_handoff_reaches_the_care_counter_as_incoming_with_note_and_eta(office: Office) -> None:
    office.open("c1", "c40", "c50")
    visit = office.create()
    assert visit.id not in counter_view(office, "choju")["visits"]
    office.run(c.CallNext("c1"), clerk("shimin"))
    office.run(c.StartServing("c1"), clerk("shimin"))
    office.run(c.AddProcedure(visit.id, "kaigo_sodan", NOTE), clerk("shimin"))

    entity = counter_view(office, "choju")["visits"][visit.id]
    brief = entity["briefing"]
    assert brief["stage"] == "incoming"
    assert entity["steps"][brief["step"]]["queue"] == "D"
    assert entity["steps"][brief["step"]]["note"] == NOTE
    # Half of reception's 15 minutes, then the children's line (15 min, nobody waiting).
    assert brief["eta"] == 23
    # The answers the care department's rules look at, in the guide's asking order.
    assert brief["answers"] == [
        "moved_from",
        "senior_65",
        "care_certified",
        "needs_consultation",
    ]
    assert brief["documents"] == []


def test_the_stage_follows_the_visitor_through_the_departments_line(office: Office) -> None:
    office.open("c1")
    first = office.create()
    second = office.create()

    def brief(visit_id: str) -> dict[str, Any]:
        result: dict[str, Any] = counter_view(office, "shimin")["visits"][visit_id]["briefing"]
        return result

    assert (brief(first.id)["stage"], brief(first.id)["eta"]) == ("waiting", 0)
    assert (brief(second.id)["stage"], brief(second.id)["eta"]) == ("waiting", 15)
    office.run(c.CallNext("c1"), clerk("shimin"))
    assert (brief(first.id)["stage"], brief(first.id)["eta"]) == ("called", 0)
    office.run(c.StartServing("c1"), clerk("shimin"))
    assert brief(first.id)["stage"] == "serving"
    office.run(c.Park("c1", "転出証明書を取りに戻る"), clerk("shimin"))
    assert (brief(first.id)["stage"], brief(first.id)["eta"]) == ("parked", None)


def test_documents_say_what_the_visitor_has_and_lacks(office: Office) -> None:
    visit = office.create()
    view = counter_view(office, "shimin")
    docs = {d["id"]: d for d in view["visits"][visit.id]["briefing"]["documents"]}
    assert docs["tenshutsu_cert"]["have"] is True  # the guide ticked it at the entrance
    assert docs["my_number_card"]["have"] is True
    # Photo ID was never asked, but the My Number card the visitor holds is photo ID.
    assert (docs["photo_id"]["have"], docs["photo_id"]["met_by"]) == (True, "my_number_card")
    assert "passport" not in docs  # only for moves from abroad
    assert docs["tenshutsu_cert"]["procedures"] == ["tennyu_todoke"]
    # Answers that decide registry work, including those behind its documents.
    answers = view["visits"][visit.id]["briefing"]["answers"]
    assert answers[:3] == ["moved_from", "tenshutsu_online", "has_tenshutsu_cert"]
    assert "children" not in answers  # the children's counter's business


def test_photo_id_stays_to_check_without_a_card(office: Office) -> None:
    intake = Intake(
        events=["shomeisho"], answers={"wants_jumin_hyo": True, "has_my_number_card": False}
    )
    visit = office.create(intake)
    view = counter_view(office, "shimin")
    docs = {d["id"]: d for d in view["visits"][visit.id]["briefing"]["documents"]}
    assert (docs["photo_id"]["have"], docs["photo_id"]["met_by"]) == (False, "")


def test_no_eta_while_the_line_in_between_has_no_open_counter(office: Office) -> None:
    office.open("c1", "c50")
    visit = office.create()
    office.run(c.AddProcedure(visit.id, "kaigo_sodan", ""), clerk("shimin"))
    brief = counter_view(office, "choju")["visits"][visit.id]["briefing"]
    assert brief["stage"] == "incoming" and brief["eta"] is None  # children's counters closed


def test_recent_says_where_the_last_visitors_went(office: Office) -> None:
    office.open("c1", "c40")
    visit = office.create()
    office.run(c.CallNext("c1"), clerk("shimin"))
    office.tick(10)
    office.run(c.CompleteStep("c1"), clerk("shimin"))
    recent = counter_view(office, "shimin")["recent"]
    assert recent[visit.id]["ticket"] == "A001"
    assert recent[visit.id]["counter"] == "1"
    assert recent[visit.id]["next_queue"] == "C"
    assert recent[visit.id]["status"] == "waiting"
    assert visit.id not in counter_view(office, "shimin")["visits"]

    office.run(c.CallNext("c40"), clerk("hagukumi"))
    office.run(c.CompleteStep("c40"), clerk("hagukumi"))
    assert counter_view(office, "shimin")["recent"][visit.id]["status"] == "done"
    assert counter_view(office, "hagukumi")["recent"][visit.id]["next_queue"] == ""


def test_other_views_are_unchanged(office: Office) -> None:
    office.create()
    site = office.rules.site
    snap = analyse(site, office.state, office.now)
    floor = build(ViewKey("floor"), office.config, site, office.state, snap)
    assert "recent" not in floor
    assert all("briefing" not in v for v in floor["visits"].values())


def test_briefings_survive_an_added_procedure_the_intake_never_mentioned(office: Office) -> None:
    office.open("c1", "c60")
    intake = msgspec.structs.replace(MOVED_IN_WITH_CHILDREN, events=["tennyu"])
    visit = office.create(intake)
    office.run(c.AddProcedure(visit.id, "techo_henkan", "手帳の住所変更"), clerk("shimin"))
    brief = counter_view(office, "shogai")["visits"][visit.id]["briefing"]
    assert [d["id"] for d in brief["documents"]] == ["shogai_techo"]
    assert brief["documents"][0]["have"] is False


def test_each_counter_knows_who_call_next_would_bring(office: Office) -> None:
    office.open("c30")  # serves both general reception (A) and the family register (B)
    moving = office.create()
    office.tick(1)
    marriage = office.create(
        msgspec.structs.replace(
            MOVED_IN_WITH_CHILDREN, events=["konin"], answers={}, needs=["wheelchair"]
        )
    )
    view = counter_view(office, "shimin")
    assert office.visit(marriage.id).steps[0].queue == "B"
    assert view["counters"]["c30"]["next"] == marriage.id  # priority, though it came later
    assert view["counters"]["c1"]["next"] == moving.id
    assert view["counters"]["c32"]["next"] == marriage.id
    office.run(c.CallNext("c30"), clerk("shimin"))
    assert counter_view(office, "shimin")["counters"]["c30"]["next"] == moving.id


def test_a_stop_says_what_it_waits_for_without_naming_a_sensitive_procedure(
    office: Office,
) -> None:
    divorce = Intake(events=["rikon"], answers={"employee_insured": False})
    visit = office.create(divorce)
    insurance = counter_view(office, "hoken")["visits"][visit.id]["steps"]
    registry = counter_view(office, "shimin")["visits"][visit.id]["steps"]
    # B 離婚届, then A 国保: the insurance clerk learns only that something comes first.
    assert [(s["queue"], s["after"]) for s in insurance] == [("B", []), ("A", ["withheld"])]
    assert [(s["queue"], s["after"]) for s in registry] == [("B", []), ("A", ["rikon_todoke"])]
