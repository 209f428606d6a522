"""The visit plan a Kyoto clerk would draw up: stops in the order the law allows (notification
first — 転入/転居/転出, 出生, 婚姻, 離婚, 死亡 — then insurance, pension, allowances, the My Number
card, care), documents judged as the counter judges them, and the reason for each wait."""

from __future__ import annotations

import msgspec
import pytest

from server.config.schema import Config, Procedures
from server.domain import commands as c
from server.domain.intake import Answer, Intake, plan_visit
from server.domain.state import Visit
from tests.support import harness

Stops = list[tuple[str, list[str]]]

MOVED_IN_WITH_CHILDREN = harness.MOVED_IN_WITH_CHILDREN.answers

# (site, events, answers, expected stops in visiting order). Queue letters are Shimogyo's:
# A 総合受付 (registry + insurance), B 戸籍の届出, C 子ども, D 介護, E 保健福祉, F 相談;
# Nakagyo's A also takes the family-register notifications.
CASES: dict[str, tuple[str, list[str], dict[str, Answer], Stops]] = {
    "birth, parent on 国保": (
        "shimogyo",
        ["shussei"],
        {"employee_insured": False},
        [
            ("B", ["shussei_todoke"]),
            ("A", ["kokuho_kanyu", "shussan_ikuji"]),
            ("C", ["jido_teate", "kodomo_iryo"]),
        ],
    ),
    "birth, parent on workplace insurance": (
        "shimogyo",
        ["shussei"],
        {"employee_insured": True},
        [("B", ["shussei_todoke"]), ("C", ["jido_teate", "kodomo_iryo"])],
    ),
    "marriage with a name change, card, seal and the spouse's insurance": (
        "shimogyo",
        ["konin"],
        {
            "changes_name": True,
            "has_my_number_card": True,
            "knows_pin": True,
            "wants_inkan": True,
            "joins_spouse_insurance": True,
        },
        [
            ("B", ["konin_todoke"]),
            ("A", ["kokuho_dattai", "my_number_address", "inkan_toroku"]),
        ],
    ),
    "marriage without a name change": (
        "shimogyo",
        ["konin"],
        {"changes_name": False},
        [("B", ["konin_todoke"])],
    ),
    "marriage with a name change and a move from another prefecture": (
        "shimogyo",
        ["konin", "tennyu"],
        {
            "changes_name": True,
            "has_my_number_card": True,
            "knows_pin": True,
            "moved_from": "other_prefecture",
            "tenshutsu_online": True,
            "employee_insured": True,
        },
        [("B", ["konin_todoke"]), ("A", ["tennyu_todoke", "my_number_address"])],
    ),
    "marriage with a name change and a move within Kyoto": (
        "shimogyo",
        ["tenkyo", "konin"],
        {"changes_name": True, "has_my_number_card": True, "knows_pin": False},
        [("B", ["konin_todoke"]), ("A", ["tenkyo_todoke", "my_number_address"])],
    ),
    "divorce with children, 国保, pension and a name change": (
        "shimogyo",
        ["rikon"],
        {
            "children": 2,
            "employee_insured": False,
            "age_20_59_not_employee": True,
            "changes_name": True,
            "has_my_number_card": True,
            "knows_pin": True,
        },
        [
            ("B", ["rikon_todoke"]),
            ("A", ["kokuho_kanyu", "nenkin_shubetsu", "my_number_address"]),
            ("C", ["jido_teate", "jido_fuyo_teate", "hitorioya_iryo"]),
        ],
    ),
    "divorce by court decree, no children": (
        "shimogyo",
        ["rikon"],
        {"court_divorce": True, "employee_insured": True},
        [("B", ["rikon_todoke"])],
    ),
    "divorce and a move within Kyoto, with a child and hardship": (
        "shimogyo",
        ["rikon", "tenkyo"],
        {
            "children": 1,
            "children_under_15": 1,
            "employee_insured": False,
            "changes_name": True,
            "has_my_number_card": False,
            "needs_consultation": "hardship",
        },
        [
            ("B", ["rikon_todoke"]),
            ("A", ["tenkyo_todoke", "kokuho_kanyu"]),
            ("C", ["jido_teate", "kodomo_iryo", "jido_fuyo_teate", "hitorioya_iryo"]),
            ("F", ["seikatsu_sodan"]),
        ],
    ),
    "death not yet notified, everything to settle": (
        "shimogyo",
        ["shibo"],
        {
            "death_filed": False,
            "deceased_kokuho": True,
            "deceased_pensioner": True,
            "deceased_care": True,
            "deceased_householder": True,
            "deceased_certificates": True,
            "deceased_child_benefit": True,
        },
        [
            ("B", ["shibo_todoke"]),
            ("A", ["setai_nushi_henko", "kokuho_dattai", "nenkin_shibo", "sosaihi"]),
            ("C", ["jido_teate"]),
            ("D", ["kaigo_soshitsu"]),
            ("E", ["techo_henkan"]),
        ],
    ),
    "death notified by the funeral company": (
        "shimogyo",
        ["shibo"],
        {
            "death_filed": True,
            "deceased_kokuho": True,
            "deceased_pensioner": True,
            "deceased_care": True,
        },
        [("A", ["kokuho_dattai", "nenkin_shibo", "sosaihi"]), ("D", ["kaigo_soshitsu"])],
    ),
    "moving in with children": (
        "shimogyo",
        ["tennyu"],
        MOVED_IN_WITH_CHILDREN,
        [
            ("A", ["tennyu_todoke", "kokuho_kanyu", "nenkin_shubetsu", "my_number_address"]),
            ("C", ["jido_teate", "kodomo_iryo"]),
        ],
    ),
    "moving in from abroad: pregnant, a senior, a seal": (
        "shimogyo",
        ["tennyu"],
        {
            "moved_from": "abroad",
            "foreign_national": True,
            "pregnant": True,
            "senior_65": True,
            "employee_insured": False,
            "wants_inkan": True,
            "photo_id": True,
        },
        [
            ("A", ["tennyu_todoke", "kokuho_kanyu", "inkan_toroku"]),
            ("C", ["boshi_techo"]),
            ("D", ["kaigo_hoken_tennyu"]),
        ],
    ),
    "moving out with a child and a care certificate, no card": (
        "shimogyo",
        ["tenshutsu"],
        {
            "has_my_number_card": False,
            "employee_insured": False,
            "care_certified": True,
            "children": 1,
            "children_under_15": 1,
        },
        [
            ("A", ["tenshutsu_todoke", "kokuho_dattai"]),
            ("C", ["jido_teate", "kodomo_iryo"]),
            ("D", ["kaigo_shikaku_shomei"]),
        ],
    ),
    "moving out with a card: the notice goes online, 国保 still at the counter": (
        "shimogyo",
        ["tenshutsu"],
        {"has_my_number_card": True, "knows_pin": True, "employee_insured": False},
        [("A", ["kokuho_dattai"])],
    ),
    "certificate with a My Number card but no PIN": (
        "shimogyo",
        ["shomeisho"],
        {"wants_jumin_hyo": True, "has_my_number_card": True, "knows_pin": False},
        [("A", ["jumin_hyo"])],
    ),
    "certificates with the card and its PIN: the convenience store": (
        "shimogyo",
        ["shomeisho"],
        {
            "wants_jumin_hyo": True,
            "wants_koseki": True,
            "has_my_number_card": True,
            "knows_pin": True,
        },
        [],
    ),
    "left a job and moved in": (
        "shimogyo",
        ["tennyu", "taishoku"],
        {
            "moved_from": "other_city",
            "tenshutsu_online": False,
            "has_tenshutsu_cert": True,
            "employee_insured": False,
            "left_job": True,
            "has_dattai_cert": True,
            "age_20_59_not_employee": True,
        },
        [("A", ["tennyu_todoke", "kokuho_kanyu", "nenkin_shubetsu"])],
    ),
    "new job": ("shimogyo", ["shushoku"], {"employee_insured": True}, [("A", ["kokuho_dattai"])]),
    "marriage and a certificate of residence showing it": (
        "shimogyo",
        ["konin", "shomeisho"],
        {"changes_name": True, "has_my_number_card": False, "wants_jumin_hyo": True},
        [("B", ["konin_todoke"]), ("A", ["jumin_hyo"])],
    ),
    "a birth and a move in on one day": (
        "shimogyo",
        ["shussei", "tennyu"],
        {**MOVED_IN_WITH_CHILDREN, "has_my_number_card": False},
        [
            ("B", ["shussei_todoke"]),
            ("A", ["tennyu_todoke", "kokuho_kanyu", "nenkin_shubetsu", "shussan_ikuji"]),
            ("C", ["jido_teate", "kodomo_iryo"]),
        ],
    ),
    "My Number card pick-up": (
        "shimogyo",
        ["my_number_card"],
        {"card_task": "receive"},
        [("A", ["my_number_kofu"])],
    ),
    "Nakagyo: marriage with a name change, all at the general reception": (
        "nakagyo",
        ["konin"],
        {
            "changes_name": True,
            "has_my_number_card": True,
            "knows_pin": True,
            "joins_spouse_insurance": True,
        },
        [("A", ["konin_todoke", "kokuho_dattai", "my_number_address"])],
    ),
    "Nakagyo: birth": (
        "nakagyo",
        ["shussei"],
        {"employee_insured": False},
        [
            ("A", ["shussei_todoke", "kokuho_kanyu", "shussan_ikuji"]),
            ("C", ["jido_teate", "kodomo_iryo"]),
        ],
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_stops_follow_the_order_of_business(config: Config, case: str) -> None:
    site, events, answers, expected = CASES[case]
    plan = plan_visit(
        Intake(events=events, answers=answers),
        config.life_events,
        config.procedures,
        config.site(site),
    )
    assert [(s.queue, s.procedures) for s in plan.steps] == expected


def test_the_itinerary_says_what_each_stop_waits_for(config: Config) -> None:
    intake = Intake(events=["konin"], answers={"changes_name": True, "has_my_number_card": True})
    plan = plan_visit(intake, config.life_events, config.procedures, config.site("shimogyo"))
    assert [(s.queue, s.after) for s in plan.steps] == [("B", []), ("A", ["konin_todoke"])]


def _plan(config: Config, events: list[str], answers: dict[str, Answer]) -> dict[str, object]:
    plan = plan_visit(
        Intake(events=events, answers=answers),
        config.life_events,
        config.procedures,
        config.site("shimogyo"),
    )
    return {d.document: (d.have, d.met_by) for d in plan.documents}


@pytest.mark.parametrize(
    ("events", "answers"),
    [
        (["shomeisho"], {"wants_jumin_hyo": True, "has_my_number_card": True, "knows_pin": False}),
        (["konin"], {"has_my_number_card": True}),
        (["tenkyo"], {"has_my_number_card": True}),
    ],
)
def test_a_my_number_card_is_photo_id(
    config: Config, events: list[str], answers: dict[str, Answer]
) -> None:
    assert _plan(config, events, answers)["photo_id"] == (True, "my_number_card")


def test_photo_id_is_missing_only_when_the_visitor_has_none(config: Config) -> None:
    answers: dict[str, Answer] = {"wants_jumin_hyo": True, "has_my_number_card": False}
    assert _plan(config, ["shomeisho"], answers)["photo_id"] == (False, "")
    answers = {"has_my_number_card": False, "photo_id": True}
    assert _plan(config, ["tenkyo"], answers)["photo_id"] == (True, "")


def test_a_line_is_visited_twice_only_when_a_prerequisite_forces_it(config: Config) -> None:
    # Suppose a birth could only be registered after the move (it cannot in Kyoto): then the
    # general reception must be visited before and after the family-register line.
    procedures = dict(config.procedures.procedures)
    procedures["shussei_todoke"] = msgspec.structs.replace(
        procedures["shussei_todoke"], after=["tennyu_todoke"]
    )
    catalogue = msgspec.structs.replace(config.procedures, procedures=procedures)
    intake = Intake(
        events=["shussei", "tennyu"],
        answers={**MOVED_IN_WITH_CHILDREN, "has_my_number_card": False},
    )
    plan = plan_visit(intake, config.life_events, catalogue, config.site("shimogyo"))
    assert [(s.queue, s.procedures, s.after) for s in plan.steps] == [
        ("A", ["tennyu_todoke", "nenkin_shubetsu"], []),
        ("B", ["shussei_todoke"], ["tennyu_todoke"]),
        ("A", ["kokuho_kanyu", "shussan_ikuji"], ["tennyu_todoke", "shussei_todoke"]),
        ("C", ["jido_teate", "kodomo_iryo"], ["tennyu_todoke", "shussei_todoke", "kokuho_kanyu"]),
    ]


def _out_of_order(visit: Visit, procedures: Procedures) -> list[tuple[str, str]]:
    """Pairs (procedure, prerequisite) where the prerequisite, still open, comes at a later
    stop. The current stop is where the visitor stands: what it holds is in hand already (the
    clerk there sees the new stop and its reason), so only later stops can be out of order."""
    where = {
        p.id: max(i, visit.current)
        for i, s in enumerate(visit.steps)
        for p in s.procedures
        if not p.done
    }
    return [
        (pid, pre)
        for pid, i in where.items()
        for pre in procedures.procedures[pid].after
        if where.get(pre, -1) > i > visit.current
    ]


@pytest.mark.parametrize("case", list(CASES))
def test_a_procedure_added_at_the_counter_keeps_the_plan_in_order(
    config: Config, case: str
) -> None:
    """Whatever a clerk adds at the first stop lands where its prerequisites allow: after the
    stops it waits for, before the stops that wait for it, and the stop says why."""
    site, events, answers, _ = CASES[case]
    catalogue = config.procedures
    for pid in catalogue.procedures:
        office = harness.Office(config, site)
        intake = Intake(events=events, answers=answers)
        visit = office.create(intake, override_self_service=True)
        if any(p.id == pid for s in visit.steps for p in s.procedures):
            continue
        office.run(c.AddProcedure(visit.id, pid))
        assert _out_of_order(visit, catalogue) == [], (pid, visit.steps)
        (stop,) = [s for s in visit.steps if any(p.id == pid for p in s.procedures)]
        earlier = {p.id for s in visit.steps[: visit.steps.index(stop)] for p in s.procedures}
        waits = [pre for pre in catalogue.procedures[pid].after if pre in earlier]
        assert set(waits) <= set(stop.after), (pid, stop)
