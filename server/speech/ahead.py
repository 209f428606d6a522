"""Which calls a site is likely to make next, so their audio is ready before they are made.
Pure: reads the folded state, no I/O.

The next calls are the heads of the waiting lines of every queue that an open counter calls
from, spoken at any of those counters. With the wording cut into segments, that is one
segment per ticket and one per counter number (``wording``), whatever the pairing turns out
to be.
"""

from __future__ import annotations

from dataclasses import dataclass

from server.config.schema import Site
from server.domain.queues import counter_queues, waiting_lines
from server.domain.state import SiteState


@dataclass(frozen=True)
class Upcoming:
    """Tickets likely called soon (most likely first) and the counters that will call them."""

    tickets: tuple[str, ...]
    counters: tuple[str, ...]


def upcoming(site: Site, state: SiteState, per_queue: int) -> Upcoming:
    """The first ``per_queue`` waiting tickets of each queue an open counter calls from."""
    open_ids = [c for c, live in state.counters.items() if live.status == "open"]
    queues = {q for c in open_ids if site.has_counter(c) for q in counter_queues(site, state, c)}
    lines = waiting_lines(state) if queues and per_queue > 0 else {}
    # A protected visit is never spoken: its alias instead, or nothing (called in person).
    heads = [
        [v.shown_ticket for v in lines.get(queue, [])[:per_queue] if v.shown_ticket]
        for queue in sorted(queues)
    ]
    # Interleave the queues: every queue's very next ticket before anyone's second.
    tickets = [line[i] for i in range(per_queue) for line in heads if i < len(line)]
    counters = sorted({site.counter(c).number for c in open_ids if site.has_counter(c)})
    return Upcoming(tuple(tickets), tuple(counters))
