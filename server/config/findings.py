"""The pieces every configuration check is made of: a place in a file (``At``) and the
wording of the common problems (an unknown reference, a duplicate, a condition that does not
fit its question), so every check reads ``<file>: <key path>: <what is wrong> (expected …)``."""

from __future__ import annotations

import difflib
import re
from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from server.config.schema import Condition, ConditionValue, Question

QUESTIONS = "one of life_events.toml's questions"

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


@dataclass(frozen=True)
class At:
    """A place in one file: the file and a msgspec-style key path."""

    file: Path
    path: str = "$"

    def key(self, name: str) -> At:
        step = f".{name}" if _IDENTIFIER.match(name) else f"[{name!r}]"
        return At(self.file, self.path + step)

    def index(self, i: int) -> At:
        return At(self.file, f"{self.path}[{i}]")

    def problem(self, message: str) -> str:
        return f"{self.file}: {self.path}: {message}"


def unknown(what: str, name: str, known: Collection[str], expected: str = "") -> str:
    """``unknown <what> 'x' (expected …; did you mean 'y'?)``."""
    if not expected:
        expected = f"one of {', '.join(sorted(known))}" if known else f"a defined {what}"
    close = difflib.get_close_matches(name, list(known), n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return f"unknown {what} {name!r} (expected {expected}{hint})"


def duplicates(items: Iterable[tuple[At, str]], what: str) -> Iterator[str]:
    seen: dict[str, str] = {}
    for at, value in items:
        if value in seen:
            yield at.problem(
                f"duplicate {what} {value!r} (expected unique, first at {seen[value]})"
            )
        else:
            seen[value] = at.path


def unique(at: At, values: list[str], what: str, field: str = "") -> Iterator[str]:
    """Values of a list (or ``field`` of each table in a list of tables) must be unique."""
    places = [at.index(i).key(field) if field else at.index(i) for i in range(len(values))]
    yield from duplicates(zip(places, values, strict=True), what)


def references(
    at: At, names: list[str], known: Collection[str], what: str, expected: str = ""
) -> Iterator[str]:
    """Each name in the list ``at`` must be one of ``known``."""
    for i, name in enumerate(names):
        if name not in known:
            yield at.index(i).problem(unknown(what, name, known, expected))


# --- conditions --------------------------------------------------------------------------------


def value_problem(question_id: str, question: Question, value: ConditionValue) -> str:
    """Why ``value`` cannot be compared with answers to ``question`` ('' if it can)."""
    if question.kind == "bool":
        if isinstance(value, bool):
            return ""
        return f"{value!r} for bool question {question_id!r} (expected true or false)"
    if question.kind == "choice":
        options = [option.id for option in question.options]
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not value:
            return (
                f"{value!r} for choice question {question_id!r} "
                f"(expected an option id or a list of option ids: {', '.join(options)})"
            )
        for item in value:
            if item not in options:
                return f"{item!r} is not an option of question {question_id!r} " + (
                    f"(expected one of {', '.join(options)})"
                )
        return ""
    if count_ok(value):
        return ""
    return (
        f"{value!r} for count question {question_id!r} "
        "(expected a whole number >= 0 or a table { min = …, max = … } with min <= max)"
    )


def count_ok(value: ConditionValue) -> bool:
    """A whole number >= 0, or ``{min, max}`` bounds >= 0 with min <= max."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return value >= 0
    if not isinstance(value, dict) or not value or not set(value) <= {"min", "max"}:
        return False
    low, high = value.get("min", 0), value.get("max", value.get("min", 0))
    return all(bound >= 0 for bound in value.values()) and low <= high


def condition_problems(
    at: At,
    condition: Condition,
    questions: Mapping[str, Question],
    asked: Collection[str] | None = None,
    event_id: str = "",
) -> Iterator[str]:
    """Keys must be known questions (and asked by the event, if given); values must fit."""
    for key, value in condition.items():
        here = at.key(key)
        question = questions.get(key)
        if question is None:
            yield here.problem(unknown("question", key, questions, QUESTIONS))
        elif asked is not None and key not in asked:
            yield here.problem(
                f"question {key!r} is not asked by event {event_id!r} "
                f"(expected one of $.events.{event_id}.questions)"
            )
        elif problem := value_problem(key, question, value):
            yield here.problem(problem)
