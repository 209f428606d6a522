"""Number leases: guide phones issue real ticket numbers while the hub is out of reach.

Each signed-in guide phone holds a few numbers of every ticket series, set aside for it in the
log (``NumbersLeased``) and topped up while it is online. Offline, the guide issues the next
leased number at once; when the phone is back, ``CreateVisit`` with ``leased`` creates the
visit with exactly that number, placed in line at the time it was issued. Leasing takes
numbers from the same counter as ordinary issuing (``series_next``) in the one ordered log, so
no number is ever issued twice, on any phone or hub process. A lease is for its business day:
the day's start and close drop it, and an unissued number is never handed out again.
"""

from __future__ import annotations

import base64
import hashlib

from server.config.schema import Site
from server.domain import commands as c
from server.domain import events as ev
from server.domain.state import SiteState, ticket_of
from server.errors import Rejected

LEASE_SIZE = 5
"""Numbers a phone holds per series: a busy entrance issues a few a minute, and a Wi-Fi drop
seldom lasts longer than the few visitors it takes."""


def series_of(site: Site) -> list[str]:
    """The site's ticket series, in queue order."""
    return list(dict.fromkeys(q.series for q in site.queues))


def next_number(state: SiteState, site: Site, series: str) -> int:
    """The next number of ``series`` nobody has issued or leased today."""
    first = min(q.first_number for q in site.queues if q.series == series)
    return max(state.series_next.get(series, first), first)


def top_up(state: SiteState, site: Site, device: str, seed: str) -> ev.NumbersLeased:
    """Lease ``device`` enough numbers to hold ``LEASE_SIZE`` of every series, each with a
    visitor-page token derived from the fresh random ``seed`` (unguessable, like any token)."""
    lease = state.leases.get(device)
    held = lease.numbers if lease is not None else {}
    grant: dict[str, list[int]] = {}
    for series in series_of(site):
        missing = LEASE_SIZE - len(held.get(series, []))
        if missing > 0:
            start = next_number(state, site, series)
            grant[series] = list(range(start, start + missing))
    if not grant:
        raise Rejected("lease_full")
    tokens = {
        ticket: _token(seed, ticket)
        for series, numbers in grant.items()
        for ticket in (ticket_of(series, n) for n in numbers)
    }
    return ev.NumbersLeased(device, state.business_date, grant, tokens)


def _token(seed: str, ticket: str) -> str:
    digest = hashlib.sha256(f"{seed}/{ticket}".encode()).digest()
    return base64.urlsafe_b64encode(digest[:16]).decode().rstrip("=")


def give_back(state: SiteState, device: str) -> ev.LeaseReturned:
    lease = state.leases.get(device)
    if lease is None:
        raise Rejected("not_leased", "this phone holds no numbers today")
    return ev.LeaseReturned(device, {s: list(n) for s, n in lease.numbers.items()})


def take(
    state: SiteState, leased: c.LeasedTicket, now: float, sent_at: float | None
) -> tuple[str, float]:
    """Check that ``leased`` is this phone's unissued number today; return its token and its
    place in line: when the phone issued it, never before the lease nor after now."""
    lease = state.leases.get(leased.device)
    if lease is None or leased.number not in lease.numbers.get(leased.series, []):
        raise Rejected(
            "not_leased",
            f"{ticket_of(leased.series, leased.number)} is not leased to this phone today",
            "$.command.leased",
        )
    token = lease.tokens[ticket_of(leased.series, leased.number)]
    return token, min(now, max(lease.granted_at, sent_at if sent_at is not None else now))
