"""Intake: the guide's answers, and the plan they turn into (procedures, steps, documents).

Pure functions over the configuration: the phone's live preview, the ticket machine and the
tests all call :func:`plan_visit`, so the rules in ``config/life_events.toml`` are the only
place where "which procedures does this visitor need" is decided.
"""

from __future__ import annotations

from typing import Literal

import msgspec

from server.config.schema import Condition, ConditionValue, LifeEvents, Procedures, Question, Site
from server.errors import Rejected

Answer = bool | str | int
Needs = dict[str, list[str]]
Need = Literal["wheelchair", "visual", "hearing", "mobility", "pregnant", "infant", "interpreter"]

# Needs that move a visitor ahead in the queue; an interpreter is arranged, not prioritised.
PRIORITY_NEEDS: frozenset[str] = frozenset(
    {"wheelchair", "visual", "hearing", "mobility", "pregnant", "infant"}
)
MAX_NOTE = 2000
MAX_PARTY = 20


class Intake(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """What the floor guide learnt at the entrance."""

    events: list[str]
    answers: dict[str, Answer] = {}
    extra_procedures: list[str] = []
    language: str = "ja"
    needs: list[Need] = []
    interpreter: str = ""
    party_size: int = 1
    note: str = ""


class PlannedStep(msgspec.Struct, frozen=True):
    """Procedures done together at one queue. ``after``: the procedures of earlier stops that
    this stop's procedures must wait for (the itinerary says why: 「婚姻届の受理後」)."""

    queue: str
    procedures: list[str]
    after: list[str] = []


class Deflection(msgspec.Struct, frozen=True):
    """A procedure the visitor can do without queueing, and the route for it."""

    procedure: str
    route: str


class DocumentNeed(msgspec.Struct, frozen=True):
    """A document the queued procedures need; ``met_by`` names the document that stands in for
    it when the visitor has that one instead (photo ID met by the My Number card)."""

    document: str
    have: bool
    procedures: list[str]
    met_by: str = ""


class Plan(msgspec.Struct, frozen=True):
    """Everything the intake yields; steps are in visiting order."""

    procedures: list[str]
    steps: list[PlannedStep]
    self_service: list[Deflection]
    possible_self_service: list[Deflection]
    no_visit: list[str]
    documents: list[DocumentNeed]
    forms: list[str]
    questions: list[str]

    @property
    def self_service_only(self) -> bool:
        """True when nothing needs a counter but something can be done by self-service."""
        return not self.steps and bool(self.self_service)


def matches(
    condition: Condition, answers: dict[str, Answer], questions: dict[str, Question]
) -> bool:
    """True when every key of ``condition`` matches the answers (absent answers use defaults)."""
    for key, expected in condition.items():
        actual = answers.get(key)
        if actual is None and key in questions:
            actual = questions[key].default
        if not _value_matches(expected, actual):
            return False
    return True


def _value_matches(expected: ConditionValue, actual: Answer | None) -> bool:
    if actual is None:
        return False
    if isinstance(expected, (bool, str)):
        return type(actual) is type(expected) and actual == expected
    if isinstance(expected, int):
        return not isinstance(actual, bool) and actual == expected
    if isinstance(expected, list):
        return isinstance(actual, str) and actual in expected
    if isinstance(actual, bool) or not isinstance(actual, int):
        return False
    return expected.get("min", actual) <= actual <= expected.get("max", actual)


def validate_intake(intake: Intake, rules: LifeEvents, procedures: Procedures) -> None:
    """Raise Rejected naming the offending path when the intake does not fit the config."""
    if not intake.events and not intake.extra_procedures:
        raise Rejected("invalid_intake", "choose at least one life event", "$.intake.events")
    for i, event in enumerate(intake.events):
        if event not in rules.events:
            raise Rejected("unknown_event", f"no life event {event!r}", f"$.intake.events[{i}]")
    for i, proc in enumerate(intake.extra_procedures):
        if proc not in procedures.procedures:
            raise Rejected(
                "unknown_procedure", f"no procedure {proc!r}", f"$.intake.extra_procedures[{i}]"
            )
    for key, value in intake.answers.items():
        path = f"$.intake.answers.{key}"
        question = rules.questions.get(key)
        if question is None:
            raise Rejected("invalid_intake", f"no question {key!r}", path)
        if question.kind == "bool" and not isinstance(value, bool):
            raise Rejected("invalid_intake", "expected true or false", path)
        if question.kind == "count" and (
            isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 99
        ):
            raise Rejected("invalid_intake", "expected a whole number from 0 to 99", path)
        if question.kind == "choice" and value not in {o.id for o in question.options}:
            options = ", ".join(o.id for o in question.options)
            raise Rejected("invalid_intake", f"expected one of: {options}", path)
    if not 1 <= intake.party_size <= MAX_PARTY:
        raise Rejected("invalid_intake", f"expected 1 to {MAX_PARTY}", "$.intake.party_size")
    if len(intake.note) > MAX_NOTE:
        raise Rejected("invalid_intake", f"at most {MAX_NOTE} characters", "$.intake.note")


def questions_for(intake: Intake, rules: LifeEvents) -> list[str]:
    """The questions worth asking for the chosen events, given the answers so far."""
    asked: list[str] = []
    for event in intake.events:
        for qid in rules.events[event].questions if event in rules.events else []:
            question = rules.questions[qid]
            if qid not in asked and matches(question.show_if, intake.answers, rules.questions):
                asked.append(qid)
    return asked


def plan_visit(
    intake: Intake,
    rules: LifeEvents,
    procedures: Procedures,
    site: Site,
    *,
    override_self_service: bool = False,
) -> Plan:
    """Turn an intake into procedures grouped into steps by queue, in visiting order.

    A procedure with a self-service route whose requirements the answers meet is advised
    instead of queued, unless ``override_self_service`` is set (the guide decided otherwise).
    """
    wanted: list[str] = []
    for event in intake.events:
        for rule in rules.events[event].rules:
            if rule.procedure in wanted:
                continue
            hit = matches(rule.when, intake.answers, rules.questions) and (
                not rule.any or any(matches(c, intake.answers, rules.questions) for c in rule.any)
            )
            if hit:
                wanted.append(rule.procedure)
    wanted += [p for p in intake.extra_procedures if p not in wanted]

    queue_of: dict[str, str] = {}
    deflected: list[Deflection] = []
    possible: list[Deflection] = []
    no_visit: list[str] = []
    for pid in wanted:
        proc = procedures.procedures[pid]
        if proc.no_visit:
            no_visit.append(pid)
            continue
        route = procedures.self_service.get(proc.self_service) if proc.self_service else None
        if route is not None:
            advice = Deflection(pid, proc.self_service)
            if matches(route.requires, intake.answers, rules.questions):
                if not override_self_service:
                    deflected.append(advice)
                    continue
            else:
                possible.append(advice)
        queue_of[pid] = site.queue_for(pid, proc.department).id

    steps = itinerary(queue_of, procedures, site)
    queued = [p for step in steps for p in step.procedures]
    return Plan(
        procedures=wanted,
        steps=steps,
        self_service=deflected,
        possible_self_service=possible,
        no_visit=no_visit,
        documents=_documents(queued, intake, rules, procedures),
        forms=list(dict.fromkeys(f for p in queued for f in procedures.procedures[p].forms)),
        questions=questions_for(intake, rules),
    )


def prerequisites(pids: list[str], procedures: Procedures) -> dict[str, list[str]]:
    """Each procedure's prerequisites among ``pids`` (those absent from the visit do not bind)."""
    present = set(pids)
    return {
        pid: [pre for pre in procedures.procedures[pid].after if pre in present and pre != pid]
        for pid in pids
    }


def itinerary(queue_of: dict[str, str], procedures: Procedures, site: Site) -> list[PlannedStep]:
    """The stops for the procedures (each with its queue), fewest stops first.

    No procedure comes before a stop holding one of its prerequisites. Each stop takes every
    procedure of its queue that is free to go by then (taking more never costs a stop later),
    so a line is visited twice only when a prerequisite elsewhere forces it. Among itineraries
    with the fewest stops, the one whose lines come earliest in queue order wins; within a
    stop, procedures follow the catalogue's order of business (procedures.toml: notifications,
    insurance, allowances, card, seal, care, certificates) unless a prerequisite says otherwise.
    """
    business = {pid: i for i, pid in enumerate(procedures.procedures)}
    pids = sorted(queue_of, key=business.__getitem__)
    needs = prerequisites(pids, procedures)
    rank = {q.id: (q.order, i) for i, q in enumerate(site.queues)}
    goal = frozenset(pids)
    # Breadth-first over the sets of procedures done: level n holds the best way to reach each
    # set in n stops. Visits are small (a few dozen procedures at most), so this stays tiny.
    level: dict[frozenset[str], list[tuple[str, list[str]]]] = {frozenset(): []}
    while goal not in level:
        following: dict[frozenset[str], list[tuple[str, list[str]]]] = {}
        for done, route in level.items():
            for queue in {queue_of[p] for p in pids if p not in done}:
                taken = _stop(queue, done, pids, queue_of, needs)
                if not taken:
                    continue
                reached = done | frozenset(taken)
                candidate = [*route, (queue, taken)]
                held = following.get(reached)
                if held is None or _route_key(candidate, rank) < _route_key(held, rank):
                    following[reached] = candidate
        if not following:  # a prerequisite cycle (the config check rejects them): queue order
            return _by_queue_order(pids, queue_of, rank)
        level = following
    done_before: set[str] = set()
    steps = []
    for queue, taken in level[goal]:
        waits = [pre for p in taken for pre in needs[p] if pre in done_before]
        steps.append(PlannedStep(queue, taken, list(dict.fromkeys(waits))))
        done_before.update(taken)
    return steps


def _stop(
    queue: str, done: frozenset[str], pids: list[str], queue_of: dict[str, str], needs: Needs
) -> list[str]:
    """Everything at ``queue`` that can be done in one stop after ``done``, in doing order."""
    taken: list[str] = []
    ready = set(done)
    progress = True
    while progress:
        progress = False
        for pid in pids:
            if pid not in ready and queue_of[pid] == queue and all(p in ready for p in needs[pid]):
                taken.append(pid)
                ready.add(pid)
                progress = True
                break  # restart: an earlier procedure in rule order may now be free
    return taken


def _route_key(
    route: list[tuple[str, list[str]]], rank: dict[str, tuple[int, int]]
) -> list[tuple[int, int]]:
    return [rank[queue] for queue, _ in route]


def _by_queue_order(
    pids: list[str], queue_of: dict[str, str], rank: dict[str, tuple[int, int]]
) -> list[PlannedStep]:
    by_queue: dict[str, list[str]] = {}
    for pid in pids:
        by_queue.setdefault(queue_of[pid], []).append(pid)
    return [PlannedStep(q, ps) for q, ps in sorted(by_queue.items(), key=lambda kv: rank[kv[0]])]


def holder(
    document: str, answers: dict[str, Answer], rules: LifeEvents, procedures: Procedures
) -> str:
    """The document the answers say the visitor holds in place of ``document`` (itself first,
    then the documents that satisfy it), or "" when the answers say none of them."""
    for did in (document, *procedures.documents[document].satisfied_by):
        doc = procedures.documents.get(did)
        if doc is not None and doc.have_if and matches(doc.have_if, answers, rules.questions):
            return did
    return ""


def _documents(
    queued: list[str], intake: Intake, rules: LifeEvents, procedures: Procedures
) -> list[DocumentNeed]:
    needed: dict[str, list[str]] = {}
    for pid in queued:
        for did in procedures.procedures[pid].documents:
            doc = procedures.documents[did]
            if matches(doc.required_if, intake.answers, rules.questions):
                needed.setdefault(did, []).append(pid)
    out = []
    for did, pids in needed.items():
        held = holder(did, intake.answers, rules, procedures)
        out.append(DocumentNeed(did, bool(held), pids, held if held != did else ""))
    return out


def is_priority(intake: Intake) -> bool:
    """Accessibility needs put a visitor ahead of arrival order."""
    return any(need in PRIORITY_NEEDS for need in intake.needs)
