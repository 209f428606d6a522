"""The fold of the staff's own events: counters opening, pausing, closing and the lines they
serve, and the ticket numbers leased to guide phones (see ``leases``).

Also the small changes the other reducers make to counters and leases (a counter freed when
its visitor leaves it, a leased number issued), so each rule is written once.
Like every reducer it trusts its events and changes ``state`` in place.
"""

from __future__ import annotations

from typing import assert_never

from server.domain import events as ev
from server.domain.state import CounterState, Lease, SiteState, ticket_of

CounterEvent = (
    ev.CounterOpened
    | ev.QueuesAssigned
    | ev.CounterPaused
    | ev.CounterClosed
    | ev.NumbersLeased
    | ev.LeaseReturned
)


def touch_counter(state: SiteState, counter_id: str) -> CounterState:
    """The counter's state for the fold to change, created on first use."""
    found = state.counters.get(counter_id)
    if found is None:
        found = state.counters[counter_id] = CounterState()
    return found


def free_counter(state: SiteState, counter_id: str, at: float) -> None:
    """The counter's visitor has left it: it is idle from ``at``."""
    counter = touch_counter(state, counter_id)
    counter.visit = ""
    counter.idle_since = at


def take_number(state: SiteState, series: str, number: int) -> None:
    """``number`` is taken: the hub numbers on after it (never back over a leased one)."""
    if number + 1 > state.series_next.get(series, 0):
        state.series_next[series] = number + 1


def release_numbers(state: SiteState, device: str, numbers: dict[str, list[int]]) -> None:
    """``numbers`` leave the device's lease (issued or handed back); an empty lease goes."""
    lease = state.leases.get(device)
    if lease is None:
        return
    for series, gone in numbers.items():
        for number in gone:
            lease.tokens.pop(ticket_of(series, number), None)
        left = [n for n in lease.numbers.get(series, []) if n not in gone]
        if left:
            lease.numbers[series] = left
        else:
            lease.numbers.pop(series, None)
    if not lease.numbers:
        del state.leases[device]


def apply_counter_event(state: SiteState, event: CounterEvent, record: ev.Record) -> None:
    """Fold one counter or lease event into ``state`` (in place)."""
    at = record.at
    match event:
        case ev.CounterOpened(counter=cid, clerk=clerk):
            counter = touch_counter(state, cid)
            if counter.status != "open":
                counter.since = at
                counter.idle_since = at
            counter.status = "open"
            counter.clerk = clerk
        case ev.QueuesAssigned(counter=cid, queues=queues):
            touch_counter(state, cid).queues = list(queues)
        case ev.CounterPaused(counter=cid):
            counter = touch_counter(state, cid)
            counter.status = "paused"
            counter.since = at
        case ev.CounterClosed(counter=cid):
            counter = touch_counter(state, cid)
            counter.status = "closed"
            counter.clerk = ""
            counter.since = at
        case ev.NumbersLeased():
            lease = state.leases.get(event.device)
            if lease is None:
                lease = state.leases[event.device] = Lease(
                    event.device, record.actor.id, event.date, at, {}
                )
            for series, numbers in event.numbers.items():
                lease.numbers.setdefault(series, []).extend(numbers)
                take_number(state, series, max(numbers))
            lease.tokens.update(event.tokens)
        case ev.LeaseReturned():
            release_numbers(state, event.device, event.numbers)
        case _:  # mypy: an event of the union without a case here is an error
            assert_never(event)
