"""The walk-in ticket machine's intake: a purpose button, at most two answers, the visitor's
needs and language, turned into the same :class:`Intake` a guide would make.

Pure: the kiosk screen calls :func:`kiosk_intake` and :func:`kiosk_questions`, and the
planner (:func:`server.domain.intake.plan_visit`) does the rest, so a convenience-store
deflection or a route through the office is decided by ``config/`` alone.
"""

from __future__ import annotations

import msgspec

from server.config.schema import KioskPurpose, KioskRules, LifeEvents
from server.domain.intake import Answer, Intake, Need, matches
from server.errors import Rejected


class KioskRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """What the visitor chose on the kiosk screen."""

    purpose: str
    answers: dict[str, Answer] = {}
    needs: list[Need] = []
    language: str = "ja"
    override_self_service: bool = False


def find_purpose(rules: KioskRules, purpose_id: str) -> KioskPurpose:
    """The purpose, or Rejected('unknown_purpose')."""
    purpose = rules.purpose(purpose_id)
    if purpose is None:
        raise Rejected("unknown_purpose", f"no kiosk purpose {purpose_id!r}", "$.purpose")
    return purpose


def kiosk_questions(
    purpose: KioskPurpose, answers: dict[str, Answer], life: LifeEvents
) -> list[str]:
    """The purpose's questions that apply given the answers so far (``show_if``), in order."""
    known = {**purpose.answers, **answers}
    return [
        qid
        for qid in purpose.questions
        if matches(life.questions[qid].show_if, known, life.questions)
    ]


def kiosk_intake(request: KioskRequest, rules: KioskRules, life: LifeEvents) -> Intake:
    """The intake of a kiosk visitor; Rejected when an answer is not one the kiosk asks or
    the language is not offered (the planner validates the values themselves)."""
    purpose = find_purpose(rules, request.purpose)
    for key in request.answers:
        if key not in purpose.questions:
            raise Rejected(
                "invalid_intake", f"the kiosk does not ask {key!r} here", f"$.answers.{key}"
            )
    if request.language not in rules.languages:
        raise Rejected("invalid_intake", f"no kiosk language {request.language!r}", "$.language")
    return Intake(
        events=[purpose.event],
        answers={**purpose.answers, **request.answers},
        language=request.language,
        needs=list(dict.fromkeys(request.needs)),
    )
