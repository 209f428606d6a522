"""When a visitor asked to be told: pure, no I/O, the visit's progress passed in.

A visitor chooses any of: when called; when ``ahead`` or fewer are before them; when the
estimated wait is ``minutes`` or less. Each notice is sent once per step of the visit (a recall
is a new call and is told again), so each due notice has a *key* naming what it is about; the
caller claims the key in the subscription book before sending, so with several hub processes
exactly one of them sends it.
"""

from __future__ import annotations

from typing import Literal

import msgspec

Kind = Literal["called", "ahead", "soon", "return", "test"]
MAX_AHEAD = 50
MAX_MINUTES = 240


class Choices(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """What the visitor asked to be told (``ahead`` / ``minutes``: None = not wanted)."""

    called: bool = True
    ahead: int | None = None
    minutes: int | None = None

    def check(self) -> str:
        """'' when valid, else what is wrong (the endpoint answers ``invalid``)."""
        if self.ahead is not None and not 0 <= self.ahead <= MAX_AHEAD:
            return f"ahead must be 0..{MAX_AHEAD}"
        if self.minutes is not None and not 1 <= self.minutes <= MAX_MINUTES:
            return f"minutes must be 1..{MAX_MINUTES}"
        return ""


class Progress(msgspec.Struct, frozen=True):
    """Where a visit stands now, as the visitor's own page shows it."""

    status: str
    step: int  # index of the visit's current step
    calls: int  # times the current step was called (a recall makes it 2)
    ahead: int | None  # waiting before the visitor in the line (None: not in a line)
    wait: int | None  # estimated minutes (None: no open counter yet)
    ticket: str = ""
    counter: str = ""
    asked: float = 0.0  # out (stepped out): when the office last asked them back, else 0
    held: bool = False  # ... because a counter reached them (their call is held)


class Due(msgspec.Struct, frozen=True):
    kind: Kind
    key: str  # once-only key: the same key is never sent twice
    values: dict[str, str | int] = {}


def due(choices: Choices, progress: Progress) -> list[Due]:
    """The notices due now. The caller sends those whose key it has not sent before."""
    out: list[Due] = []
    at = f"{progress.step}"
    if progress.status == "out" and progress.asked > 0:
        # Stepped out and asked back (their turn is near, or a counter held their call): the
        # office's request, sent whatever else was chosen — each request once.
        values: dict[str, str | int] = {"t": progress.ticket, "held": int(progress.held)}
        out.append(Due("return", f"return:{at}:{progress.asked:.3f}", values))
    if progress.status == "called" and choices.called:
        out.append(
            Due(
                "called",
                f"called:{at}:{progress.calls}",
                {"t": progress.ticket, "n": progress.counter},
            )
        )
    if progress.status == "waiting" and progress.ahead is not None:
        if choices.ahead is not None and progress.ahead <= choices.ahead:
            out.append(Due("ahead", f"ahead:{at}", {"t": progress.ticket, "n": progress.ahead}))
        wait = progress.wait
        if choices.minutes is not None and wait is not None and wait <= choices.minutes:
            out.append(Due("soon", f"soon:{at}", {"t": progress.ticket, "n": rounded(wait)}))
    return out


def rounded(minutes: int) -> int:
    """As the visitor page says it: about 5, 10, 15… minutes, never a false precision."""
    return max(5, -(-minutes // 5) * 5)
