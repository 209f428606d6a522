"""Staff views share only what each department needs."""

from __future__ import annotations

from typing import Any

import msgspec

from server.config.schema import Config
from server.domain import commands as c
from server.projections.snapshot import analyse
from server.projections.views import ViewKey, build
from tests.support.harness import MOVED_IN_WITH_CHILDREN, SUPERVISOR, Office


def test_another_departments_sensitive_procedure_and_notes_are_withheld(config: Config) -> None:
    office = Office(config)
    intake = msgspec.structs.replace(MOVED_IN_WITH_CHILDREN, extra_procedures=["shogai_sodan"])
    visit = office.create(intake)
    office.run(c.AddProcedure(visit.id, "kaigo_sodan", "母の介護認定について"), SUPERVISOR)
    site = office.rules.site
    snap = analyse(site, office.state, office.now)

    def steps(department: str) -> dict[str, Any]:
        view = build(ViewKey("counter", department), config, site, office.state, snap)
        return {s["queue"]: s for s in view["visits"][visit.id]["steps"]}

    children = steps("hagukumi")
    assert [p["id"] for p in children["E"]["procedures"]] == ["withheld"]
    assert children["D"]["note"] == ""
    assert [p["id"] for p in children["C"]["procedures"]] == ["jido_teate", "kodomo_iryo"]
    disability = steps("shogai")
    assert [p["id"] for p in disability["E"]["procedures"]] == ["shogai_sodan"]
    care = steps("choju")
    assert care["D"]["note"] == "母の介護認定について"
    floor = build(ViewKey("floor"), config, site, office.state, snap)
    assert "shogai_sodan" in str(floor["visits"][visit.id]["steps"])
