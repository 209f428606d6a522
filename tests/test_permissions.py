"""Procedure-level authorization in the domain core: the procedure × department matrix of
every configured site, and the red-team cases (a clerk completing another department's work)."""

from __future__ import annotations

from pathlib import Path

import msgspec
import pytest

from server.config.checks import check_config
from server.config.schema import Config
from server.domain import commands as c
from server.domain.permissions import GRANTS
from server.errors import ConfigError
from tests.support.harness import GUIDE, Office, clerk, rejected
from tests.support.permission_matrix import expected_allowed, site_matrix


def with_procedure(office: Office, procedure: str) -> str:
    """A new visit that includes ``procedure`` (added by a supervisor if the plan lacks it)."""
    visit = office.create()
    if not any(p.id == procedure for s in visit.steps for p in s.procedures):
        office.run(c.AddProcedure(visit.id, procedure))
    return visit.id


def test_every_command_has_a_grant() -> None:
    assert set(GRANTS) == set(c.Command.__args__)


@pytest.mark.parametrize("site_id", ["shimogyo", "nakagyo"])
def test_procedure_department_matrix(config: Config, site_id: str) -> None:
    """Every routed procedure × every department: CompleteProcedure is acked exactly when the
    department owns the procedure or shares its line by configuration."""
    office = Office(config, site_id)
    site = config.site(site_id)
    walked = 0
    for sid, pid, department in site_matrix(config):
        if sid != site_id:
            continue
        vid = with_procedure(office, pid)
        command = c.CompleteProcedure(vid, pid)
        if expected_allowed(site, config, department, pid):
            office.run(command, clerk(department))
            assert office.visit(vid).steps and all(
                p.done for s in office.visit(vid).steps for p in s.procedures if p.id == pid
            )
        else:
            rejected(office, command, "forbidden", clerk(department))
        walked += 1
    assert walked >= 6 * 30


def test_red_team_registry_clerk_cannot_complete_a_care_procedure(office: Office) -> None:
    """The attack: clerk-shimin completed a care-department procedure and got an ack."""
    vid = with_procedure(office, "kaigo_sodan")
    rejected(office, c.CompleteProcedure(vid, "kaigo_sodan"), "forbidden", clerk("shimin"))
    office.run(c.CompleteProcedure(vid, "kaigo_sodan"), clerk("choju"))


def unshared(config: Config, site_id: str) -> Config:
    """The configuration with every line of ``site_id`` keeping departments to their own."""
    site = config.site(site_id)
    queues = [msgspec.structs.replace(q, shared=False) for q in site.queues]
    sites = {**config.sites, site_id: msgspec.structs.replace(site, queues=queues)}
    return msgspec.structs.replace(config, sites=sites)


def test_red_team_insurance_clerk_on_an_unshared_line_a(config: Config) -> None:
    """The attack: the insurance clerk completed a registry procedure through line A. Line A
    is shared in the demo (the area-type reception); without ``shared`` it is refused, both
    procedure by procedure and by finishing the whole step."""
    office = Office(unshared(config, "shimogyo"))
    office.open("c5")
    visit = office.create()
    rejected(office, c.CompleteProcedure(visit.id, "tennyu_todoke"), "forbidden", clerk("hoken"))
    office.run(c.CallNext("c5"), clerk("hoken"))
    rejected(office, c.CompleteStep("c5"), "forbidden", clerk("hoken"))
    # The area-type reception: the registry clerk beside them completes the registry part.
    for item in visit.steps[0].procedures:
        owner = config.procedures.procedures[item.id].department
        office.run(c.CompleteProcedure(visit.id, item.id), clerk(owner))
    office.run(c.CompleteStep("c5"), clerk("hoken"))
    assert visit.current == 1

    shared = Office(config)
    other = shared.create()
    shared.run(c.CompleteProcedure(other.id, "tennyu_todoke"), clerk("hoken"))


def at_nakagyo_d(config: Config) -> tuple[Office, str]:
    """Nakagyo's unshared welfare & care line D with a visitor waiting for a care procedure."""
    office = Office(config, "nakagyo")
    site = config.site("nakagyo")
    office.open(*(counter.id for counter in site.counters))
    vid = office.create().id
    office.run(c.AddProcedure(vid, "kaigo_sodan"))
    while (step := office.visit(vid).step) is not None and step.queue != "D":
        desk = next(k.id for k in site.counters if step.queue in k.queues)
        office.run(c.CallTicket(desk, vid))
        office.run(c.CompleteStep(desk))
    return office, vid


def test_a_shared_line_department_without_work_on_the_step_does_not_hold_the_visitor(
    config: Config,
) -> None:
    """Line D serves three sections; only the one with work on the step holds the visitor."""
    office, vid = at_nakagyo_d(config)
    step = office.visit(vid).step
    assert step is not None and step.queue == "D"
    note = c.AddProcedure(vid, "seikatsu_sodan", "相談希望")
    rejected(office, note, "forbidden", clerk("shogai"))
    rejected(office, c.CompleteProcedure(vid, "kaigo_sodan"), "forbidden", clerk("seikatsu"))
    office.run(note, clerk("choju"))


def test_finishing_a_step_needs_every_procedure_on_it_to_be_ours(config: Config) -> None:
    office, vid = at_nakagyo_d(config)
    office.run(c.CallTicket("c22", vid), clerk("seikatsu"))
    rejected(office, c.CompleteStep("c22"), "forbidden", clerk("seikatsu"))
    # Returning the visitor to the line, or letting care finish its part, is theirs to do.
    office.run(c.CompleteProcedure(vid, "kaigo_sodan"), clerk("choju"))
    office.run(c.CompleteStep("c22"), clerk("seikatsu"))


def test_a_clerk_transfers_only_from_their_own_counter(office: Office) -> None:
    office.open("c1")
    office.create()
    office.run(c.CallNext("c1"), clerk("shimin"))
    rejected(office, c.Transfer("c1", "C"), "forbidden", clerk("choju"))
    rejected(office, c.Transfer("c1", "C"), "forbidden", GUIDE)
    office.run(c.Transfer("c1", "C"), clerk("shimin"))


def test_the_shared_flag_needs_a_line_of_several_departments(config: Config) -> None:
    site = config.site("shimogyo")
    queues = [msgspec.structs.replace(q, shared=q.id == "C") for q in site.queues]
    broken = msgspec.structs.replace(
        config, sites={**config.sites, "shimogyo": msgspec.structs.replace(site, queues=queues)}
    )
    with pytest.raises(ConfigError, match="shared"):
        check_config(broken, Path("config"))
