"""Bereavement corner in booth mode (issue 22b): the family sits, the departments come."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from server.config.loading import load_config
from server.domain import booths
from server.domain import commands as c
from server.domain.intake import Intake
from server.domain.queues import waiting_lines
from server.errors import ConfigError
from server.reports.figures import compute
from tests.support.harness import BEREAVED, GUIDE, MORNING, Office, clerk, rejected, seat

TODAY = "2026-03-30"  # MORNING's date (09:00 JST)


def test_three_departments_come_to_the_booth_in_the_planners_order(office: Office) -> None:
    office.open("c5", "c50", "c60")
    family = seat(office)
    assert family.booth == "k1"
    assert [s.queue for s in family.steps] == ["A", "D", "E"]
    # Seated, not in a line: nobody calls them and the boards never show them.
    rejected(office, c.CallNext("c5"), "queue_empty", clerk("hoken"))
    rejected(office, c.CallTicket("c5", family.id), "at_booth", clerk("hoken"))
    assert waiting_lines(office.state) == {}  # no board counts them as waiting in a line
    # Nor do they step out of a line they are not in (the departments come to the booth).
    rejected(office, c.StepOut(family.id, "10:00"), "at_booth", GUIDE)
    # Care and disability are not asked yet: the request is for the reception line only.
    rejected(office, c.TakeBoothVisit("c50", family.id), "queue_not_serving", clerk("choju"))
    office.run(c.TakeBoothVisit("c5", family.id), clerk("hoken"))
    assert family.status == "serving" and office.state.counters["c5"].visit == family.id
    assert office.state.calls == []  # never called aloud
    office.tick(20)
    office.run(c.CompleteStep("c5"), clerk("hoken"))
    assert family.step is not None and family.step.queue == "D" and family.status == "waiting"
    office.run(c.TakeBoothVisit("c50", family.id), clerk("choju"))
    office.run(c.CompleteStep("c50"), clerk("choju"))
    office.run(c.TakeBoothVisit("c60", family.id), clerk("shogai"))
    office.run(c.CompleteStep("c60"), clerk("shogai"))
    assert family.status == "done"
    assert booths.occupants(office.state) == {}
    # Time at a booth does not feed a line's pace (the board's estimates).
    assert "A" not in office.state.service_seconds
    assert office.refold() == office.state


def test_two_clerks_racing_for_one_request_never_both_get_it(office: Office) -> None:
    office.open("c5", "c6")
    family = seat(office)
    office.run(c.TakeBoothVisit("c5", family.id), clerk("hoken"))
    rejected(office, c.TakeBoothVisit("c6", family.id), "booth_taken", clerk("hoken"))
    assert office.state.counters["c6"].visit == ""


def test_taking_needs_an_open_idle_counter_of_the_clerks_department(office: Office) -> None:
    family = seat(office)
    rejected(office, c.TakeBoothVisit("c5", family.id), "counter_closed", clerk("hoken"))
    office.open("c5", "c50")
    rejected(office, c.TakeBoothVisit("c50", family.id), "forbidden", clerk("hoken"))
    ordinary = office.create()
    rejected(office, c.TakeBoothVisit("c5", ordinary.id), "not_at_booth", clerk("hoken"))


def test_walk_ins_fill_the_booths_then_are_refused(office: Office) -> None:
    assert seat(office).booth == "k1"
    assert seat(office).booth == "k2"
    rejected(office, c.SeatAtBooth(BEREAVED), "no_booth_free", GUIDE)


def test_a_reservation_holds_its_booth_against_walk_ins_and_shares_the_corner(
    office: Office,
) -> None:
    office.run(c.ReserveBooth(TODAY, "10:30", note="電話 075-000-0000"), GUIDE)
    (booked,) = office.state.booth_reservations.values()
    assert booked.booth == "k1"
    # 09:00: the 10:30 family is due within a slot, so booth 1 is held: the walk-in gets 2.
    walk_in = seat(office)
    assert walk_in.booth == "k2"
    rejected(office, c.SeatAtBooth(BEREAVED), "no_booth_free", GUIDE)
    office.tick(85)
    family = seat(office, reservation=booked.id)
    assert family.booth == "k1" and family.reservation == booked.id
    rejected(office, c.SeatAtBooth(BEREAVED, reservation=booked.id), "already_done", GUIDE)
    rejected(office, c.CancelBoothReservation(booked.id), "already_done", GUIDE)
    assert booths.occupants(office.state) == {"k1": family, "k2": walk_in}


def test_a_late_reserved_family_loses_the_hold_after_a_slot(office: Office) -> None:
    office.run(c.ReserveBooth(TODAY, "10:30"), GUIDE)
    corner = office.rules.site.bereavement
    assert corner is not None
    assert booths.held_booths(office.state, corner, office.now) == {
        "k1": next(iter(office.state.booth_reservations))
    }
    office.tick(90 + 90 + 1)  # 12:01: more than a slot after 10:30
    assert booths.held_booths(office.state, corner, office.now) == {}


def test_bookings_fill_a_slot_then_refuse_and_outlive_the_day(office: Office) -> None:
    office.run(c.ReserveBooth("2026-03-31", "13:00"), GUIDE)
    office.run(c.ReserveBooth("2026-03-31", "13:00"), GUIDE)
    rejected(office, c.ReserveBooth("2026-03-31", "13:00"), "slot_full", GUIDE)
    rejected(office, c.ReserveBooth("2026-03-31", "12:00"), "invalid", GUIDE)
    rejected(office, c.ReserveBooth("31/03/2026", "13:00"), "invalid", GUIDE)
    rejected(office, c.ReserveBooth(TODAY, "09:00"), "invalid", GUIDE)  # already begun
    rejected(office, c.ReserveBooth("2027-03-31", "13:00"), "invalid", GUIDE)
    office.tick(24 * 60)  # the next day's first command starts it
    office.run(c.OpenCounter("c5"))
    assert len(office.state.booth_reservations) == 2
    first = next(iter(office.state.booth_reservations))
    office.run(c.CancelBoothReservation(first), GUIDE)
    assert len(office.state.booth_reservations) == 1
    assert office.refold() == office.state


def test_a_plan_with_a_line_that_does_not_come_is_refused(office: Office) -> None:
    consult = Intake(events=["shibo"], answers={**BEREAVED.answers})
    office.run(c.SeatAtBooth(consult), GUIDE)  # every line of this plan comes
    hardship = Intake(events=["shibo"], extra_procedures=["seikatsu_sodan"])
    rejected(office, c.SeatAtBooth(hardship), "booth_not_attended", GUIDE)
    moving = Intake(events=["tennyu"], answers={"moved_from": "same_ward"})
    rejected(office, c.SeatAtBooth(moving), "invalid_intake", GUIDE)


def test_a_site_without_a_corner_refuses_booth_commands(office: Office) -> None:
    other = Office(office.config, "nakagyo", MORNING)
    rejected(other, c.SeatAtBooth(BEREAVED), "no_booths", GUIDE)
    rejected(other, c.ReserveBooth(TODAY, "10:30"), "no_booths", GUIDE)


def test_figures_count_booth_families_time_per_family_and_per_department(
    office: Office,
) -> None:
    office.open("c5", "c50", "c60")
    office.run(c.ReserveBooth(TODAY, "10:30"), GUIDE)
    walk_in = seat(office)
    for counter, department in (("c5", "hoken"), ("c50", "choju"), ("c60", "shogai")):
        office.tick(5)  # the request waits five minutes for its clerk
        office.run(c.TakeBoothVisit(counter, walk_in.id), clerk(department))
        office.tick(15)
        office.run(c.CompleteStep(counter), clerk(department))
    office.tick(30)
    booked = next(iter(office.state.booth_reservations))
    seat(office, reservation=booked)
    figures = compute(office.rules.site, office.config.procedures, office.records, TODAY)
    booth = figures.booth
    assert booth is not None
    assert (booth.visits, booth.reserved, booth.walk_ins, booth.done) == (2, 1, 1, 1)
    assert booth.time_per_family.max == 60 * 60
    assert list(booth.wait_by_department) == ["hoken", "choju", "shogai"]
    assert {s.p50 for s in booth.wait_by_department.values()} == {5 * 60}
    assert {s.p50 for s in booth.service_by_department.values()} == {15 * 60}
    # Time at a booth is not a line's service time or wait.
    assert figures.service_by_queue["A"].count == 0 and figures.wait_by_queue["A"].count == 0


def test_a_bad_corner_config_names_each_problem(tmp_path: Path) -> None:
    folder = tmp_path / "config"
    shutil.copytree(Path(__file__).resolve().parent.parent / "config", folder)
    site = folder / "sites" / "shimogyo.toml"
    text = site.read_text(encoding="utf-8")
    text = text.replace('slots = ["09:00", "10:30", "13:00", "14:30"]', 'slots = ["9:00"]')
    text = text.replace('departments = ["shimin", "hoken", "hagukumi"', 'departments = ["hokn"')
    text = text.replace('id = "k2"', 'id = "k1"')
    site.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(folder)
    message = str(info.value)
    for part in (
        "$.bereavement.slots[0]: '9:00' (expected HH:MM",
        "$.bereavement.departments[0]: unknown department 'hokn'",
        "$.bereavement.booths[1].id: duplicate booth id 'k1'",
    ):
        assert part in message, message
