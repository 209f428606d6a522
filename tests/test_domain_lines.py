"""Moves between lines that make sense (issue 13): a transfer or a supervisor's move goes only
to a line that serves one of the visitor's open procedures, and a no-show follows the site's
rule for every visitor, priority or not."""

from __future__ import annotations

import msgspec

from server.config.schema import NoShowRule
from server.domain import commands as c
from server.domain.intake import Intake
from server.domain.queues import next_for_counter, waiting_lines
from tests.support.harness import Office, clerk, rejected

INSURANCE_ONLY = Intake(events=["shushoku"], answers={"employee_insured": True})


def test_transfer_to_a_line_serving_none_of_the_open_procedures_is_refused(
    office: Office,
) -> None:
    office.open("c5")  # an insurance counter of the general reception
    visit = office.create(INSURANCE_ONLY)
    office.run(c.CallNext("c5"), clerk("hoken"))
    steps_before = [(s.queue, [p.id for p in s.procedures]) for s in visit.steps]
    # The family-register line has no insurance staff; the children's line neither.
    for line in ("B", "C"):
        rejected(office, c.Transfer("c5", line, "国保の件"), "queue_not_serving", clerk("hoken"))
    assert [(s.queue, [p.id for p in s.procedures]) for s in visit.steps] == steps_before
    assert office.state.counters["c5"].visit == visit.id and visit.status == "called"


def test_a_transfer_brings_a_later_stop_at_that_line_forward(office: Office) -> None:
    office.open("c1")
    visit = office.create()  # A (move, insurance, pension, card), then C (allowances)
    office.run(c.CallNext("c1"), clerk("shimin"))
    office.run(c.Transfer("c1", "C", "先に児童手当の相談"), clerk("shimin"))
    assert [(s.queue, [p.id for p in s.procedures]) for s in visit.steps[1:]] == [
        ("C", ["jido_teate", "kodomo_iryo"]),
        ("A", ["tennyu_todoke", "kokuho_kanyu", "nenkin_shubetsu", "my_number_address"]),
    ]
    assert office.refold().visits[visit.id].steps == visit.steps


def test_moving_an_insurance_only_visitor_into_the_family_register_line_is_refused(
    office: Office,
) -> None:
    visit = office.create(INSURANCE_ONLY)
    rejected(office, c.MoveVisitor(visit.id, "B"), "queue_not_serving")
    assert visit.steps[0].queue == "A"
    assert [v.id for v in waiting_lines(office.state)["A"]] == [visit.id]


def test_a_registry_visitor_may_be_moved_to_a_line_with_registry_staff(office: Office) -> None:
    visit = office.create(Intake(events=["tenkyo"], answers={"has_my_number_card": False}))
    office.run(c.MoveVisitor(visit.id, "B"))  # counters 30 and 32 are registry clerks
    assert visit.steps[0].queue == "B"


def test_a_priority_visitor_who_does_not_come_goes_to_the_back_too(office: Office) -> None:
    office.open("c1")
    priority = office.create(Intake(events=["tenkyo"], needs=["wheelchair"]))
    office.tick(1)
    others = [office.create(Intake(events=["tenkyo"])) for _ in range(2)]
    office.run(c.CallNext("c1"), clerk("shimin"))
    assert office.state.counters["c1"].visit == priority.id
    office.tick(3)
    office.run(c.NoShow("c1"), clerk("shimin"))
    line = [v.id for v in waiting_lines(office.state)["A"]]
    assert line == [others[0].id, others[1].id, priority.id]
    head = next_for_counter(office.rules.site, office.state, "c1")
    assert head is not None and head.id == others[0].id
    assert office.refold().visits[priority.id].steps[0].sent_back


def test_keep_place_keeps_a_priority_visitor_first(office: Office) -> None:
    site = msgspec.structs.replace(office.rules.site, no_show=NoShowRule("keep_place", 1))
    office.rules = msgspec.structs.replace(office.rules, site=site)
    office.open("c1")
    priority = office.create(Intake(events=["tenkyo"], needs=["wheelchair"]))
    office.tick(1)
    other = office.create(Intake(events=["tenkyo"]))
    office.run(c.CallNext("c1"), clerk("shimin"))
    office.run(c.NoShow("c1"), clerk("shimin"))
    assert [v.id for v in waiting_lines(office.state)["A"]] == [priority.id, other.id]
