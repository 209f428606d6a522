"""Protected visits in the pure core: who may mark, unmark and see them (over the permission
table, server/domain/permissions.py), need-to-know grants on the audit trail, retention of the
reason, and the daily figures (counts only)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from server.config.loading import load_config
from server.config.schema import Config
from server.domain import commands as c
from server.domain import events as ev
from server.domain.permissions import GRANTS
from server.domain.privacy import without_notes
from server.domain.protection import may_see
from server.domain.state import Visit
from server.errors import ConfigError
from server.projections.snapshot import analyse
from server.projections.views import ViewKey, build
from server.reports.figures import compute
from server.security.audit import audit_rows
from tests.support.harness import (
    GUIDE,
    MOVED_IN_WITH_CHILDREN,
    SUPERVISOR,
    Office,
    clerk,
    rejected,
    seat,
)

ROOT = Path(__file__).resolve().parent.parent
DISPLAY = c.Actor("board-1f", "display")
VISITOR = c.Actor("visitor", "visitor")
# MOVED_IN_WITH_CHILDREN goes to line A (shimin/hoken) and line C (hagukumi).
ON_ITINERARY = ("shimin", "hoken", "hagukumi")
OFF_ITINERARY = ("choju", "shogai", "seikatsu")


def protected_visit(office: Office) -> Visit:
    visit = office.create()
    office.run(c.MarkProtected(visit.id, "支援措置（DV）"), GUIDE)
    return visit


def test_the_permission_table_marks_by_guide_and_clerk_unmarks_by_supervisor_only() -> None:
    assert GRANTS[c.MarkProtected].guide and GRANTS[c.MarkProtected].clerk == "visit"
    assert not GRANTS[c.UnmarkProtected].guide and GRANTS[c.UnmarkProtected].clerk is None


@pytest.mark.parametrize(
    ("actor", "allowed"),
    [
        (GUIDE, True),
        (SUPERVISOR, True),
        (clerk("shimin"), True),  # the visitor waits in its line A
        (clerk("hoken"), True),  # line A is shared with 保険年金
        (clerk("choju"), False),
        (clerk("shogai"), False),
        (DISPLAY, False),
        (VISITOR, False),
    ],
)
def test_who_may_mark(office: Office, actor: c.Actor, allowed: bool) -> None:
    visit = office.create()
    command = c.MarkProtected(visit.id, "証人")
    if allowed:
        office.run(command, actor)
        assert office.state.visits[visit.id].protected
    else:
        rejected(office, command, "forbidden", actor)


@pytest.mark.parametrize(
    ("actor", "allowed"),
    [
        (SUPERVISOR, True),
        (GUIDE, False),
        (clerk("shimin"), False),  # even the department holding the visitor
        (clerk("hagukumi"), False),
        (DISPLAY, False),
    ],
)
def test_who_may_unmark(office: Office, actor: c.Actor, allowed: bool) -> None:
    visit = protected_visit(office)
    command = c.UnmarkProtected(visit.id)
    if allowed:
        office.run(command, actor)
        assert not office.state.visits[visit.id].protected
    else:
        rejected(office, command, "forbidden", actor)


def test_who_may_see(office: Office) -> None:
    visit = protected_visit(office)
    assert visit.known_to == list(ON_ITINERARY)
    seen = {d: may_see(visit, clerk(d)) for d in (*ON_ITINERARY, *OFF_ITINERARY)}
    assert seen == {d: d in ON_ITINERARY for d in seen}
    assert may_see(visit, SUPERVISOR)
    assert not may_see(visit, GUIDE)  # 保護対象 in the list, nothing more
    assert not may_see(visit, DISPLAY)
    # The views agree: the ticket in each department's counter view, or not at all.
    site, state = office.rules.site, office.state
    snap = analyse(site, state, office.now)

    def entity(kind: str, scope: str = "") -> dict[str, Any] | None:
        view = build(ViewKey(kind, scope), office.config, site, state, snap)  # type: ignore[arg-type]
        found: dict[str, Any] | None = view["visits"].get(visit.id)
        return found

    for department in ON_ITINERARY:
        held = entity("counter", department)
        assert held is not None and held["ticket"] == visit.ticket and held["protected"]
    for department in OFF_ITINERARY:
        held = entity("counter", department)
        assert held is None or held["ticket"] == ""
    supervisor = entity("supervisor")
    assert supervisor is not None and supervisor["ticket"] == visit.ticket
    floor = entity("floor")
    assert floor == {
        "id": visit.id,
        "ticket": "",
        "protected": True,
        "stub": True,
        "status": "waiting",
        "created_at": visit.created_at,
        "closed_at": 0.0,
    }


def test_marking_needs_a_reason_once_and_online(office: Office) -> None:
    visit = office.create()
    rejected(office, c.MarkProtected(visit.id, "  "), "invalid", GUIDE)
    office.run(c.MarkProtected(visit.id, "証人"), GUIDE)
    rejected(office, c.MarkProtected(visit.id, "証人"), "already_done", GUIDE)
    office.run(c.UnmarkProtected(visit.id), SUPERVISOR)
    rejected(office, c.UnmarkProtected(visit.id), "already_done", SUPERVISOR)
    # A number from a phone's lease was printed offline: it cannot be protected at intake.
    office.run(c.LeaseNumbers("phone-1"), GUIDE)
    lease = office.state.leases["phone-1"]
    series, numbers = next(iter(lease.numbers.items()))
    leased = c.LeasedTicket("phone-1", series, numbers[0])
    command = c.CreateVisit(MOVED_IN_WITH_CHILDREN, leased=leased, protect="支援措置")
    rejected(office, command, "invalid", GUIDE)


def test_a_department_gains_sight_on_record_and_the_audit_shows_it(office: Office) -> None:
    visit = protected_visit(office)
    office.open("c1")
    office.run(c.CallNext("c1"), clerk("shimin"))
    office.run(c.StartServing("c1"), clerk("shimin"))
    # 市民 finds the visitor needs 介護: the care department now has business with them.
    events = office.run(c.AddProcedure(visit.id, "kaigo_sodan", "介護の相談"), clerk("shimin"))
    assert ev.NeedToKnowGranted(visit.id, "choju", "ProcedureAdded") in events
    assert may_see(office.state.visits[visit.id], clerk("choju"))
    # The rush: a 障害 counter helps line A and calls whoever is next there.
    other = protected_visit(office)
    office.run(c.AssignQueues("c60", ["A"]), SUPERVISOR)
    office.open("c60")
    assert not may_see(office.state.visits[other.id], clerk("shogai"))
    events = office.run(c.CallNext("c60"), clerk("shogai"))
    assert ev.NeedToKnowGranted(other.id, "shogai", "Called") in events
    site = office.rules.site
    rows = audit_rows(site.id, site.timezone, office.records, [], 0, 2e9, set())
    granted = [r for r in rows if r.action == "NeedToKnowGranted"]
    assert [(r.ticket, r.target) for r in granted] == [
        (visit.ticket, "department=choju why=ProcedureAdded"),
        (other.ticket, "department=shogai why=Called"),
    ]
    marked = [r for r in rows if r.action == "VisitProtected"]
    assert len(marked) == 2 and all("支援" not in r.target for r in marked)


def test_a_transfer_lets_the_new_line_in(config: Config) -> None:
    office = Office(config)
    visit = protected_visit(office)
    office.open("c1")
    office.run(c.CallNext("c1"), clerk("shimin"))
    events = office.run(c.Transfer("c1", "B", "戸籍の窓口へ"), clerk("shimin"))
    # Line B's counters are 市民's own: nobody new, nothing granted.
    assert not [e for e in events if isinstance(e, ev.NeedToKnowGranted)]
    assert office.state.visits[visit.id].known_to == list(ON_ITINERARY)


def test_the_reason_is_purged_with_the_notes(office: Office) -> None:
    protected_visit(office)
    record = next(
        r for r in office.records if any(isinstance(e, ev.VisitProtected) for e in r.events)
    )
    purged = without_notes(record)
    (event,) = [e for e in purged.events if isinstance(e, ev.VisitProtected)]
    assert event.reason == "" and event.departments == list(ON_ITINERARY)


def test_figures_count_protected_visits_without_details(office: Office) -> None:
    protected_visit(office)
    visit = protected_visit(office)
    office.run(c.UnmarkProtected(visit.id), SUPERVISOR)
    office.run(c.MarkProtected(visit.id, "再指定"), GUIDE)
    office.create()
    site = office.rules.site
    figures = compute(site, office.config.procedures, office.records, office.state.business_date)
    assert figures.protected == 2
    assert figures.visits == 3


def test_an_alias_series_a_line_uses_is_refused_at_start_up(tmp_path: Path) -> None:
    copy = tmp_path / "config"
    shutil.copytree(ROOT / "config", copy)
    site = copy / "sites" / "shimogyo.toml"
    text = site.read_text(encoding="utf-8")
    site.write_text(
        text.replace(
            "recent_calls = 8",
            'recent_calls = 8\nprotected_call = { mode = "alias", alias_series = "A" }',
            1,
        ),
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as info:
        load_config(copy)
    assert "$.protected_call.alias_series" in str(info.value)


def test_a_protected_family_at_a_booth_shows_in_use_without_its_ticket(office: Office) -> None:
    family = seat(office)
    office.run(c.MarkProtected(family.id, "支援措置（DV）"), GUIDE)
    site, state = office.rules.site, office.state
    snap = analyse(site, state, office.now)

    def booth(kind: str, scope: str = "") -> dict[str, Any]:
        view = build(ViewKey(kind, scope), office.config, site, state, snap)  # type: ignore[arg-type]
        found: dict[str, Any] = view["booths"][family.booth]
        return found

    for key in (("floor", ""), ("counter", "seikatsu")):  # the guides; a department not asked
        seen = booth(*key)
        assert seen["visit"] and seen["ticket"] == "", key  # in use: nobody seats a walk-in there
    assert booth("counter", "hoken")["ticket"] == family.ticket  # the department it waits for
    assert booth("supervisor")["ticket"] == family.ticket
