"""What staff views withhold: protected visits (issue 22a) and other departments' sensitive work.

- A protected visit, seen without a need to know (guides, departments not let in), is a
  :func:`protected_stub`: that it exists and its state, nothing that tells who or where.
- Staff who do see a protected visit see that it is (:func:`flag_protected`).
- A department sees another department's steps only as far as it needs
  (:func:`withhold_elsewhere`): sensitive procedures there become ``withheld``.
"""

from __future__ import annotations

from typing import Any

from server.config.schema import Config, Procedure
from server.domain.state import Visit
from server.projections.snapshot import Snapshot

WITHHELD = "withheld"


def protected_stub(visit: Visit, snap: Snapshot) -> dict[str, Any]:
    """A protected visit as seen without a need to know: 保護対象, its state and nothing that
    tells who or where (no ticket, line, counter, itinerary, intake or link)."""
    return {
        "id": visit.id,
        "ticket": "",
        "protected": True,
        "stub": True,
        "status": visit.status,
        "created_at": visit.created_at,
        "closed_at": visit.closed_at,
    }


def flag_protected(entity: dict[str, Any], visit: Visit) -> None:
    """Staff who see a protected visit see that it is: the panel calls it in person."""
    if entity.get("stub"):
        return
    entity["protected"] = visit.protected
    entity["alias"] = visit.alias


def _withheld_name(
    procedures: dict[str, Procedure], pid: str, queues: set[str], entity: dict[str, Any]
) -> str:
    """``pid``, or ``withheld`` when it is sensitive and done at none of ``queues``."""
    known = procedures.get(pid)
    if known is None or not known.sensitive:
        return pid
    ours = any(
        item["id"] == pid
        for s in entity["steps"]
        if s["queue"] in queues
        for item in s["procedures"]
    )
    return pid if ours else WITHHELD


def withhold_elsewhere(config: Config, entity: dict[str, Any], queues: set[str]) -> dict[str, Any]:
    """A department sees another department's steps only as far as it needs: sensitive
    procedures there (disability, welfare, divorce…) become ``withheld`` and the handoff notes
    meant for those counters are left out."""
    procedures = config.procedures.procedures
    for step in entity["steps"]:
        # "After the divorce notification" names a sensitive procedure: only its own counter
        # (and the steps it concerns) may read it.
        if any(
            (known := procedures.get(pid)) is not None and known.sensitive for pid in step["after"]
        ):
            step["after"] = [
                _withheld_name(procedures, pid, queues, entity) for pid in step["after"]
            ]
        if step["queue"] in queues:
            continue
        step["note"] = ""
        for item in step["procedures"]:
            known = procedures.get(item["id"])
            if known is not None and known.sensitive:
                item.update(id=WITHHELD, note="", added_by="")
    return entity
