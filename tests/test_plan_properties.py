"""Property tests of the planner over generated intakes: every combination of up to three life
events with random answers, at both demo sites."""

from __future__ import annotations

import itertools
from functools import cache

from hypothesis import given, settings
from hypothesis import strategies as st

from server.config.loading import load_config
from server.config.schema import Config, Question
from server.domain.intake import Answer, Intake, PlannedStep, plan_visit
from tests.support.live import ROOT


@cache
def demo_config() -> Config:
    # Not a fixture: hypothesis would print the whole configuration with each example.
    return load_config(ROOT / "config")


EVENTS = sorted(demo_config().life_events.events)
COMBINATIONS = [list(combo) for n in (1, 2, 3) for combo in itertools.combinations(EVENTS, n)]


def _answer(question: Question) -> st.SearchStrategy[Answer]:
    if question.kind == "bool":
        return st.booleans()
    if question.kind == "count":
        return st.integers(min_value=0, max_value=4)
    return st.sampled_from([o.id for o in question.options])


@st.composite
def intakes(draw: st.DrawFn) -> tuple[str, Intake]:
    config = demo_config()
    events = draw(st.sampled_from(COMBINATIONS))
    asked = dict.fromkeys(q for e in events for q in config.life_events.events[e].questions)
    answers: dict[str, Answer] = {}
    for qid in asked:
        if draw(st.booleans()) or draw(st.booleans()):  # some questions stay unanswered
            answers[qid] = draw(_answer(config.life_events.questions[qid]))
    site = draw(st.sampled_from(sorted(config.sites)))
    return site, Intake(events=events, answers=answers)


def _prerequisites(pid: str, in_plan: set[str]) -> set[str]:
    return set(demo_config().procedures.procedures[pid].after) & in_plan


def _mergeable(steps: list[PlannedStep], i: int, j: int, in_plan: set[str]) -> bool:
    """Could stops i < j (same line) be one stop without breaking a prerequisite?"""
    between = {p for s in steps[i + 1 : j] for p in s.procedures}
    later_into_earlier = all(
        not (_prerequisites(p, in_plan) & between) for p in steps[j].procedures
    )
    earlier_into_later = all(
        not (_prerequisites(p, in_plan) & set(steps[i].procedures)) for p in between
    )
    return later_into_earlier or earlier_into_later


@settings(max_examples=400, deadline=None)
@given(intakes())
def test_no_stop_comes_before_one_of_its_prerequisites(drawn: tuple[str, Intake]) -> None:
    site_id, intake = drawn
    config = demo_config()
    plan = plan_visit(intake, config.life_events, config.procedures, config.site(site_id))
    queued = [p for s in plan.steps for p in s.procedures]
    assert len(queued) == len(set(queued)), "a procedure is planned twice"
    in_plan = set(queued)
    done: set[str] = set()
    for step in plan.steps:
        for pid in step.procedures:
            missing = _prerequisites(pid, in_plan) - done
            assert not missing, f"{pid} at {step.queue} before {missing}"
            done.add(pid)
        # The reason shown: exactly the prerequisites met at earlier stops.
        earlier = done - set(step.procedures)
        assert set(step.after) == {
            pre for p in step.procedures for pre in _prerequisites(p, in_plan) & earlier
        }


@settings(max_examples=400, deadline=None)
@given(intakes())
def test_the_itinerary_never_revisits_a_line_it_could_have_merged(
    drawn: tuple[str, Intake],
) -> None:
    site_id, intake = drawn
    config = demo_config()
    site = config.site(site_id)
    plan = plan_visit(intake, config.life_events, config.procedures, site)
    in_plan = {p for s in plan.steps for p in s.procedures}
    for i, j in itertools.combinations(range(len(plan.steps)), 2):
        if plan.steps[i].queue == plan.steps[j].queue:
            assert not _mergeable(plan.steps, i, j, in_plan), (
                f"line {plan.steps[i].queue} visited at stops {i + 1} and {j + 1}"
            )
    # Every procedure stands at the line the site routes it to.
    for step in plan.steps:
        for pid in step.procedures:
            proc = config.procedures.procedures[pid]
            assert site.queue_for(pid, proc.department).id == step.queue
