"""Who comes to a ward office, as intakes the life-event rules turn into procedures: the
demo history (``python -m server demo-history``) draws its visitors from these, and so do the
tests' generated days."""

from __future__ import annotations

from server.domain.intake import Intake

NO_CHILDREN: dict[str, bool | str | int] = {
    "moved_from": "other_prefecture",
    "tenshutsu_online": False,
    "has_tenshutsu_cert": True,
    "children": 0,
    "foreign_national": False,
}
# A family moving in from another prefecture with two children under 15, on 国保.
MOVED_IN_WITH_CHILDREN = Intake(
    events=["tennyu"],
    answers={
        **NO_CHILDREN,
        "children": 2,
        "children_under_15": 2,
        "employee_insured": False,
        "age_20_59_not_employee": True,
        "senior_65": False,
        "care_certified": False,
        "wants_inkan": False,
        "has_my_number_card": True,
        "knows_pin": True,
        "needs_consultation": "none",
    },
)
# Moving in for a job (workplace insurance), registering a seal.
MOVED_IN_FOR_WORK = Intake(
    events=["tennyu"],
    answers={
        **NO_CHILDREN,
        "employee_insured": True,
        "age_20_59_not_employee": False,
        "senior_65": False,
        "wants_inkan": True,
        "photo_id": True,
        "has_my_number_card": True,
        "knows_pin": True,
    },
)
MOVED_IN_SENIOR = Intake(
    events=["tennyu"], answers={**NO_CHILDREN, "employee_insured": False, "senior_65": True}
)
MOVED_WITHIN_THE_CITY = Intake(
    events=["tenkyo"], answers={"children": 0, "has_my_number_card": True}
)
MARRIED_WITH_A_NEW_NAME = Intake(
    events=["konin"],
    answers={
        "changes_name": True,
        "has_my_number_card": True,
        "knows_pin": True,
        "joins_spouse_insurance": True,
    },
)
BIRTH = Intake(events=["shussei"], answers={"employee_insured": False})
AFTER_A_DEATH = Intake(
    events=["shibo"],
    answers={"deceased_kokuho": True, "deceased_pensioner": True, "deceased_care": True},
)
LEFT_A_JOB = Intake(
    events=["taishoku"],
    answers={"employee_insured": False, "left_job": True, "has_dattai_cert": True},
)
CERTIFICATES = Intake(
    events=["shomeisho"], answers={"wants_jumin_hyo": True, "wants_kazei_shomei": True}
)
DIVORCE_IN_HARDSHIP = Intake(
    events=["rikon"],
    answers={"children": 1, "employee_insured": False, "needs_consultation": "hardship"},
)
