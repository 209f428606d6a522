"""Number leases in the pure core: guide phones issue real numbers while the hub is away.

A phone holds ``LEASE_SIZE`` numbers of every series; a leased ticket becomes a visit with
exactly its number, placed in line when it was issued; no number is ever issued twice (a
property over random interleavings of phones, online issuing, returns and days); a lease
does not outlive its day.
"""

from __future__ import annotations

from functools import cache

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from server.config.loading import load_config
from server.config.schema import Config
from server.domain import commands as c
from server.domain.events import DayStarted, NumbersLeased, VisitCreated
from server.domain.leases import LEASE_SIZE, series_of
from server.domain.queues import waiting_lines
from server.errors import Rejected
from tests.support.harness import GUIDE, MOVED_IN_WITH_CHILDREN, Office, clerk, rejected
from tests.support.live import ROOT

PHONE = "phone-1"
OTHER = "phone-2"


def leased(
    office: Office, device: str = PHONE, series: str = "A", *, at: float | None = None
) -> str:
    """Issue the phone's next leased number of ``series`` (offline at ``at``), then bring it to
    the hub; return the ticket."""
    number = office.state.leases[device].numbers[series][0]
    ticket = c.LeasedTicket(device, series, number)
    events = office.run(c.CreateVisit(MOVED_IN_WITH_CHILDREN, leased=ticket), GUIDE, sent_at=at)
    created = next(e for e in events if isinstance(e, VisitCreated))
    return f"{created.series}{created.number:03d}"


def test_a_phone_is_leased_five_numbers_of_every_series(office: Office) -> None:
    office.create()  # A001 issued online first
    events = office.run(c.LeaseNumbers(PHONE), GUIDE)
    lease = next(e for e in events if isinstance(e, NumbersLeased))
    assert set(lease.numbers) == set(series_of(office.rules.site))
    assert lease.numbers["A"] == [2, 3, 4, 5, 6]
    assert lease.numbers["B"] == [1, 2, 3, 4, 5]
    # Full: nothing more to give; online issuing goes on after the lease.
    rejected(office, c.LeaseNumbers(PHONE), "lease_full", GUIDE)
    assert office.create().ticket == "A007"


def test_a_leased_ticket_keeps_its_number_and_its_place_in_line(office: Office) -> None:
    office.run(c.LeaseNumbers(PHONE), GUIDE)
    lease_tokens = dict(office.state.leases[PHONE].tokens)
    assert len(lease_tokens) == LEASE_SIZE * len(series_of(office.rules.site))
    assert len(set(lease_tokens.values())) == len(lease_tokens)
    issued_offline = office.now + 60  # 09:01, while the Wi-Fi is down
    office.tick(5)
    online = office.create()  # 09:05: someone registered at another phone
    office.tick(10)  # 09:15: the phone is back and sends what it issued
    ticket = leased(office, at=issued_offline)
    assert ticket == "A001"
    visit = office.visit(ticket)
    # The visitor-page token is the one the phone printed in the QR code offline.
    assert visit.token == lease_tokens["A001"]
    assert visit.steps[0].place == issued_offline
    line = [v.ticket for v in waiting_lines(office.state)["A"]]
    assert line.index("A001") < line.index(online.ticket)
    # The number left the lease; a top-up brings it back to five.
    assert office.state.leases[PHONE].numbers["A"] == [2, 3, 4, 5]
    events = office.run(c.LeaseNumbers(PHONE), GUIDE)
    assert next(e for e in events if isinstance(e, NumbersLeased)).numbers == {"A": [7]}


def test_a_leased_number_is_used_once_and_only_by_its_phone(office: Office) -> None:
    office.run(c.LeaseNumbers(PHONE), GUIDE)
    office.run(c.LeaseNumbers(OTHER), GUIDE)
    mine = office.state.leases[PHONE].numbers["A"][0]
    theirs = c.LeasedTicket(OTHER, "A", mine)
    rejected(office, c.CreateVisit(MOVED_IN_WITH_CHILDREN, leased=theirs), "not_leased", GUIDE)
    ticket = c.LeasedTicket(PHONE, "A", mine)
    office.run(c.CreateVisit(MOVED_IN_WITH_CHILDREN, leased=ticket), GUIDE)
    again = c.LeasedTicket(PHONE, "A", mine)
    rejected(office, c.CreateVisit(MOVED_IN_WITH_CHILDREN, leased=again), "not_leased", GUIDE)


def test_a_place_in_line_is_never_before_the_lease_nor_after_now(office: Office) -> None:
    office.run(c.LeaseNumbers(PHONE), GUIDE)
    granted = office.now
    office.tick(10)
    leased(office, at=granted - 3600)  # a phone clock an hour slow
    assert office.visit("A001").steps[0].place == granted
    leased(office, at=office.now + 3600)  # an hour fast
    assert office.visit("A002").steps[0].place == office.now


def test_a_lease_does_not_outlive_its_day(office: Office) -> None:
    office.run(c.LeaseNumbers(PHONE), GUIDE)
    number = office.state.leases[PHONE].numbers["A"][0]
    office.tick(24 * 60)  # the next morning
    stale = c.LeasedTicket(PHONE, "A", number)
    rejected(office, c.CreateVisit(MOVED_IN_WITH_CHILDREN, leased=stale), "not_leased", GUIDE)
    office.run(c.CloseDay())
    assert office.state.leases == {}


def test_returned_numbers_are_never_issued(office: Office) -> None:
    office.run(c.LeaseNumbers(PHONE), GUIDE)
    office.run(c.ReturnLease(PHONE), GUIDE)
    assert PHONE not in office.state.leases
    assert office.create().ticket == "A006"
    rejected(office, c.ReturnLease(PHONE), "not_leased", GUIDE)


def test_only_staff_who_issue_tickets_lease_numbers(office: Office) -> None:
    rejected(office, c.LeaseNumbers(PHONE), "forbidden", clerk("shimin"))


def test_the_lease_survives_a_refold(office: Office) -> None:
    office.run(c.LeaseNumbers(PHONE), GUIDE)
    leased(office)
    assert office.refold().leases == office.state.leases


# --- property: no number is ever issued twice ------------------------------------------------


@cache
def demo_config() -> Config:
    return load_config(ROOT / "config")


PHONES = ["p1", "p2", "p3"]
op = st.one_of(
    st.tuples(st.just("lease"), st.sampled_from(PHONES)),
    st.tuples(st.just("issue_leased"), st.sampled_from(PHONES), st.integers(0, 4)),
    st.tuples(st.just("issue_online")),
    st.tuples(st.just("return"), st.sampled_from(PHONES)),
    st.tuples(st.just("tick"), st.integers(1, 600)),
    st.tuples(st.just("close_day")),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(op, max_size=60))
def test_no_number_is_ever_issued_twice(ops: list[tuple[object, ...]]) -> None:
    office = Office(demo_config())
    held: dict[str, list[tuple[str, int]]] = {}  # what each phone believes it may issue
    for item in ops:
        kind = item[0]
        try:
            if kind == "lease":
                phone = str(item[1])
                for e in office.run(c.LeaseNumbers(phone), GUIDE):
                    if isinstance(e, NumbersLeased):
                        held.setdefault(phone, []).extend(
                            (s, n) for s, ns in e.numbers.items() for n in ns
                        )
            elif kind == "issue_leased":
                phone, index = str(item[1]), int(str(item[2]))
                mine = held.get(phone, [])
                if mine:
                    series, number = mine.pop(index % len(mine))
                    ticket = c.LeasedTicket(phone, series, number)
                    office.run(
                        c.CreateVisit(MOVED_IN_WITH_CHILDREN, leased=ticket),
                        GUIDE,
                        sent_at=office.now,
                    )
            elif kind == "issue_online":
                office.create()
            elif kind == "return":
                office.run(c.ReturnLease(str(item[1])), GUIDE)
                held.pop(str(item[1]), None)
            elif kind == "tick":
                office.tick(int(str(item[1])))
            else:
                office.run(c.CloseDay())
        except Rejected as refused:
            # A phone's leftovers from an earlier day, or nothing to lease/return.
            if refused.code not in ("not_leased", "lease_full"):
                raise
            if refused.code == "not_leased":
                held.clear()
    # Every number of every day, issued or leased, belongs to one ticket or one lease.
    seen: dict[tuple[str, str, int], str] = {}
    day = ""
    for record in office.records:
        for event in record.events:
            if isinstance(event, DayStarted):
                day = event.date
            if isinstance(event, VisitCreated):
                key = (day, event.series, event.number)
                owner = seen.get(key)
                assert owner is None or owner == f"lease:{event.device}", (key, owner)
                seen[key] = "issued"
            elif isinstance(event, NumbersLeased):
                for series, numbers in event.numbers.items():
                    for number in numbers:
                        key = (day, series, number)
                        assert key not in seen, key
                        seen[key] = f"lease:{event.device}"
