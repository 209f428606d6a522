"""The one pass over a site's state that all its views share, and the shapes views take.

The hub analyses the state once per publish (:func:`analyse`) and builds every view from
that :class:`Snapshot`: the lines, each queue's figures and each visitor's place are worked
out once, not once per screen.
"""

from __future__ import annotations

from typing import Any

import msgspec

from server.config.schema import Site
from server.domain.queues import QueueFigures, ahead_of, out_lines, queue_figures, waiting_lines
from server.domain.state import SiteState, Visit

Entities = dict[str, dict[str, Any]]
"""A view: collections (``site``, ``queues``, ``visits``…) of entities keyed by id."""

Memo = dict[str, tuple[object, dict[str, Any]]]
"""One view's visit entities from its last build, each with the key it was built for."""


class Snapshot(msgspec.Struct):
    """Everything a view needs in one pass over the state."""

    lines: dict[str, list[Visit]]
    figures: dict[str, QueueFigures]
    positions: dict[str, int]
    """Visitors present ahead, for those waiting and for those out (who keep their place)."""
    outs: dict[str, list[Visit]] = {}


def analyse(site: Site, state: SiteState, now: float) -> Snapshot:
    """The lines, queue figures and places of ``state`` at ``now``, for every view of it."""
    lines = waiting_lines(state)
    outs = out_lines(state)
    positions = {v.id: i for line in lines.values() for i, v in enumerate(line)}
    for queue, line in outs.items():
        for visit in line:
            positions[visit.id] = ahead_of(visit, lines.get(queue, []))
    return Snapshot(lines, queue_figures(site, state, lines, now, outs), positions, outs)
