"""The domain core: itinerary, tickets, calls, handoffs, counters and the business day."""

from __future__ import annotations

import msgspec
import pytest

from server.config.schema import Config
from server.domain import commands as c
from server.domain.intake import Intake
from server.domain.queues import counter_queues, estimate_minutes, queue_figures, waiting_lines
from server.errors import Rejected
from tests.support.harness import GUIDE, MORNING, MOVED_IN_WITH_CHILDREN, Office, clerk, rejected


def test_moving_in_with_children_gets_registry_then_children_step(office: Office) -> None:
    visit = office.create()
    assert [(s.queue, [p.id for p in s.procedures]) for s in visit.steps] == [
        ("A", ["tennyu_todoke", "kokuho_kanyu", "nenkin_shubetsu", "my_number_address"]),
        ("C", ["jido_teate", "kodomo_iryo"]),
    ]
    assert visit.ticket == "A001"
    assert visit.status == "waiting"


def test_ticket_numbers_count_up_per_series_and_restart_next_day(office: Office) -> None:
    tickets = [office.create().ticket for _ in range(3)]
    assert tickets == ["A001", "A002", "A003"]
    office.tick(24 * 60)
    assert office.create().ticket == "A001"
    assert len(office.state.visits) == 1


def test_priority_needs_go_first_then_arrival_order(office: Office) -> None:
    office.open("c1")
    first = office.create()
    office.tick(1)
    wheelchair = office.create(
        msgspec.structs.replace(MOVED_IN_WITH_CHILDREN, needs=["wheelchair"])
    )
    office.run(c.CallNext("c1"))
    assert office.state.counters["c1"].visit == wheelchair.id
    office.run(c.CompleteStep("c1"))
    office.run(c.CallNext("c1"))
    assert office.state.counters["c1"].visit == first.id


def test_full_plan_scenario_with_handoff_to_care(office: Office) -> None:
    office.open("c1", "c40", "c50")  # reception, children, long-term care
    visit = office.create()
    office.run(c.CallNext("c1"), clerk("shimin"))
    assert visit.status == "called"
    office.run(c.StartServing("c1"), clerk("shimin"))
    office.run(c.AddProcedure(visit.id, "kaigo_sodan", "母の介護について相談希望"), clerk("shimin"))
    care = [s for s in visit.steps if s.queue == "D"]
    assert care and care[0].note == "母の介護について相談希望"
    office.tick(12)
    office.run(c.CompleteStep("c1"), clerk("shimin"))
    assert visit.step is not None and visit.step.queue == "C"
    assert visit.status == "waiting"
    office.run(c.CallNext("c40"), clerk("hagukumi"))
    office.run(c.CompleteStep("c40"), clerk("hagukumi"))
    assert visit.step is not None and visit.step.queue == "D"
    office.run(c.CallNext("c50"), clerk("choju"))
    office.run(c.CompleteStep("c50"), clerk("choju"))
    assert visit.status == "done"
    assert all(p.done for s in visit.steps for p in s.procedures)
    assert office.state.service_seconds["A"] == [12 * 60]


def test_no_show_goes_to_the_back_once_then_the_visit_ends(office: Office) -> None:
    office.open("c1")
    first, second = office.create(), office.create()
    office.run(c.CallNext("c1"))
    office.tick(3)
    office.run(c.NoShow("c1"))
    assert first.status == "waiting"
    office.run(c.CallNext("c1"))
    assert office.state.counters["c1"].visit == second.id
    office.run(c.CompleteStep("c1"))
    office.run(c.CallNext("c1"))
    office.run(c.NoShow("c1"))
    assert first.status == "no_show"
    rejected(office, c.CallNext("c1"), "queue_empty")


def test_calling_needs_an_open_idle_counter_and_someone_waiting(office: Office) -> None:
    rejected(office, c.CallNext("c1"), "counter_closed")
    office.open("c1")
    rejected(office, c.CallNext("c1"), "queue_empty")
    office.create()
    office.create()
    office.run(c.CallNext("c1"))
    rejected(office, c.CallNext("c1"), "counter_busy")
    rejected(office, c.CallNext("nope"), "unknown_counter")


def test_two_counters_never_get_the_same_visitor(office: Office) -> None:
    office.open("c1", "c2")
    only = office.create()
    office.run(c.CallNext("c1"))
    rejected(office, c.CallNext("c2"), "queue_empty")
    rejected(office, c.CallTicket("c2", only.id), "not_waiting")


def test_call_a_specific_ticket_by_its_number(office: Office) -> None:
    office.open("c1")
    office.create()
    second = office.create()
    office.run(c.CallTicket("c1", "a002"))
    assert office.state.counters["c1"].visit == second.id


def test_recall_repeats_the_call_on_the_boards(office: Office) -> None:
    office.open("c1")
    office.create()
    office.run(c.CallNext("c1"))
    office.run(c.Recall("c1"))
    assert [(call.ticket, call.recall) for call in office.state.calls] == [("A001", 1)]
    office.run(c.StartServing("c1"))
    rejected(office, c.Recall("c1"), "already_done")


def test_completing_a_procedure_twice_is_refused(office: Office) -> None:
    office.open("c1")
    visit = office.create()
    office.run(c.CallNext("c1"))
    office.run(c.CompleteProcedure(visit.id, "tennyu_todoke"))
    rejected(office, c.CompleteProcedure(visit.id, "tennyu_todoke"), "already_done")
    rejected(office, c.CompleteProcedure(visit.id, "shibo_todoke"), "unknown_procedure")


def test_transfer_takes_what_the_line_serves_and_brings_the_rest_back(office: Office) -> None:
    office.open("c1")
    visit = office.create()
    office.run(c.CallNext("c1"))
    office.run(c.CompleteProcedure(visit.id, "tennyu_todoke"))
    office.run(c.Transfer("c1", "B", "戸籍の確認が必要"))
    # The family-register line's clerks are registry staff: the card goes with the visitor;
    # insurance and pension wait at the general reception, then the children's line.
    assert [(s.queue, [p.id for p in s.procedures], s.status) for s in visit.steps] == [
        ("A", ["tennyu_todoke"], "done"),
        ("B", ["my_number_address"], "waiting"),
        ("A", ["kokuho_kanyu", "nenkin_shubetsu"], "pending"),
        ("C", ["jido_teate", "kodomo_iryo"], "pending"),
    ]
    assert visit.steps[1].note == "戸籍の確認が必要"
    assert office.state.counters["c1"].visit == ""
    rejected(office, c.Transfer("c1", "B"), "counter_idle")


def test_park_frees_the_counter_and_unpark_keeps_the_place(office: Office) -> None:
    office.open("c1")
    parked = office.create()
    office.tick(1)
    later = office.create()
    office.run(c.CallNext("c1"))
    office.run(c.Park("c1", "転出証明書を取りに帰宅"))
    assert parked.status == "parked"
    office.run(c.Unpark(parked.id), GUIDE)
    lines = waiting_lines(office.state)
    assert [v.id for v in lines["A"]] == [parked.id, later.id]


def test_forms_pending_keeps_the_visitor_at_the_writing_desk(office: Office) -> None:
    visit = office.create(forms_pending=True)
    assert visit.status == "writing"
    assert visit.forms
    office.run(c.MarkForms(visit.id, [next(iter(visit.forms))]), GUIDE)
    if len(visit.forms) > 1:
        assert visit.status == "writing"
    office.run(c.MarkForms(visit.id), GUIDE)
    assert visit.status == "waiting"


def test_self_service_only_needs_an_override_for_a_ticket(office: Office) -> None:
    certificate = Intake(
        events=["shomeisho"],
        answers={"wants_jumin_hyo": True, "has_my_number_card": True, "knows_pin": True},
    )
    rejected(office, c.CreateVisit(certificate), "self_service_available", GUIDE)
    office.run(c.RecordDeflection(certificate), GUIDE)
    assert office.state.deflections == 1
    visit = office.create(certificate, override_self_service=True)
    assert [p.id for p in visit.steps[0].procedures] == ["jumin_hyo"]


def test_turning_65_needs_no_visit(office: Office) -> None:
    rejected(office, c.CreateVisit(Intake(events=["turning_65"])), "no_procedures", GUIDE)


def test_bad_intakes_name_the_offending_field(office: Office) -> None:
    cases = [
        (Intake(events=["moving_to_mars"]), "unknown_event", "$.intake.events[0]"),
        (
            Intake(events=["tennyu"], answers={"children": "two"}),
            "invalid_intake",
            "$.intake.answers.children",
        ),
        (
            Intake(events=["tennyu"], answers={"shoe_size": 27}),
            "invalid_intake",
            "$.intake.answers.shoe_size",
        ),
        (
            Intake(events=["tennyu"], answers={"moved_from": "moon"}),
            "invalid_intake",
            "$.intake.answers.moved_from",
        ),
        (Intake(events=[]), "invalid_intake", "$.intake.events"),
    ]
    for intake, code, path in cases:
        with pytest.raises(Rejected) as info:
            office.run(c.CreateVisit(intake), GUIDE)
        assert (info.value.code, info.value.path) == (code, path)
    assert office.state.visits == {}


def test_roles_are_enforced(office: Office) -> None:
    office.open("c1")
    visit = office.create()
    rejected(office, c.CallNext("c1"), "forbidden", GUIDE)
    rejected(office, c.CallNext("c40"), "forbidden", clerk("shimin"))
    rejected(office, c.CreateVisit(MOVED_IN_WITH_CHILDREN), "forbidden", clerk("shimin"))
    rejected(office, c.CloseDay(), "forbidden", clerk("shimin"))
    rejected(office, c.AssignQueues("c1", ["C"]), "forbidden", clerk("shimin"))
    rejected(office, c.CancelVisit(visit.id), "forbidden", c.Actor("tv", "display"))
    # A clerk of another department cannot touch a visitor who is not theirs.
    rejected(office, c.AddProcedure(visit.id, "kaigo_sodan"), "forbidden", clerk("choju"))


def test_assigning_a_counter_to_another_queue_changes_whom_it_calls(office: Office) -> None:
    office.open("c40")
    visit = office.create()
    rejected(office, c.CallNext("c40"), "queue_empty")

    def serving(queue: str) -> int:
        lines = waiting_lines(office.state)
        return queue_figures(office.rules.site, office.state, lines, office.now)[
            queue
        ].open_counters

    assert (serving("A"), serving("C")) == (0, 1)
    office.run(c.AssignQueues("c40", ["C", "A"]))
    assert (serving("A"), serving("C")) == (1, 1)  # the wait estimate for A counts it now
    office.run(c.CallNext("c40"))
    assert office.state.counters["c40"].visit == visit.id


def test_a_reassignment_lasts_for_the_day_it_was_made(office: Office, config: Config) -> None:
    office.run(c.AssignQueues("c40", ["C", "A"]))
    office.now += 86400
    office.open("c40")  # the first command of the next day starts it
    site = config.site("shimogyo")
    assert counter_queues(site, office.state, "c40") == site.counter("c40").queues


def test_close_day_ends_open_visits_and_closes_counters(office: Office) -> None:
    office.open("c1")
    visit = office.create()
    office.run(c.CloseDay())
    assert visit.status == "expired"
    assert office.state.counters["c1"].status == "closed"
    rejected(office, c.CallNext("c1"), "counter_closed")


def test_counter_with_a_visitor_cannot_close(office: Office) -> None:
    office.open("c1")
    office.create()
    office.run(c.CallNext("c1"))
    rejected(office, c.CloseCounter("c1"), "counter_busy")
    office.run(c.PauseCounter("c1"))
    assert office.state.counters["c1"].status == "paused"


def test_wait_estimates_use_live_service_times_and_open_counters(office: Office) -> None:
    office.open("c1", "c2")
    for _ in range(5):
        office.create()
    figures = queue_figures(
        office.rules.site, office.state, waiting_lines(office.state), office.now
    )
    assert figures["A"].waiting == 5
    assert figures["A"].estimated_wait == estimate_minutes(5, 15, 2) == 38
    for _ in range(3):
        office.run(c.CallNext("c1"))
        office.tick(6)
        office.run(c.CompleteStep("c1"))
    figures = queue_figures(
        office.rules.site, office.state, waiting_lines(office.state), office.now
    )
    assert figures["A"].minutes_per_visit == 6.0
    assert figures["A"].estimated_wait == 6  # two waiting, 6 min each, two counters
    office.run(c.CloseCounter("c1"))
    office.run(c.CloseCounter("c2"))
    figures = queue_figures(
        office.rules.site, office.state, waiting_lines(office.state), office.now
    )
    assert figures["A"].estimated_wait is None


def test_folding_the_log_again_gives_the_same_state(office: Office) -> None:
    office.open("c1", "c40")
    visit = office.create()
    office.create()
    office.run(c.CallNext("c1"))
    office.run(c.AddProcedure(visit.id, "kaigo_sodan", "note"))
    office.run(c.CompleteStep("c1"))
    assert office.refold() == office.state


def test_the_first_command_of_a_day_starts_it(office: Office) -> None:
    office.create()
    assert office.state.business_date == "2026-03-30"
    office.now = MORNING + 15 * 3600  # 24:00 JST: the next calendar day in Kyoto
    office.create()
    assert office.state.business_date == "2026-03-31"
