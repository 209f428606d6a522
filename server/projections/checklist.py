"""What a visitor must bring and fill in for a step, read from the visit's own intake.

:func:`documents` is what the counter's briefing lists (with whether the visitor has each);
:func:`visitor_checklist` is what the visitor's page, the printed ticket and the guide show:
only names from the configuration, never an answer.
"""

from __future__ import annotations

from typing import Any

from server.config.schema import Config
from server.domain.intake import holder, matches
from server.domain.state import Step, Visit


def documents(config: Config, visit: Visit, step: Step) -> list[dict[str, Any]]:
    """The documents the step's open procedures need, and whether the visitor has each."""
    procs = config.procedures.procedures
    docs = config.procedures.documents
    questions = config.life_events.questions
    answers = visit.intake.answers
    needed: dict[str, list[str]] = {}
    for item in step.procedures:
        if item.done or item.id not in procs:
            continue
        for did in procs[item.id].documents:
            doc = docs.get(did)
            if doc is not None and matches(doc.required_if, answers, questions):
                needed.setdefault(did, []).append(item.id)
    out = []
    for did, pids in needed.items():
        held = holder(did, answers, config.life_events, config.procedures)
        out.append(
            {
                "id": did,
                "have": bool(held),
                "met_by": "" if held == did else held,
                "procedures": pids,
            }
        )
    return out


def visitor_checklist(config: Config, visit: Visit, step: Step) -> dict[str, Any]:
    """What the visitor must still bring to a step, and the forms filled in for it there.

    Read from the visit's own intake; only names from config reach the page, never answers.
    """
    # A day closed with steps left: the visitor needs the list to come again another day.
    if step.status == "done" or (step.status == "cancelled" and visit.status != "expired"):
        return {"bring": [], "fill": []}
    procs = config.procedures.procedures
    docs = config.procedures.documents
    forms = config.procedures.forms
    wanted = dict.fromkeys(
        f for p in step.procedures if not p.done and p.id in procs for f in procs[p.id].forms
    )
    return {
        "bring": [docs[d["id"]].name for d in documents(config, visit, step) if not d["have"]],
        "fill": [
            {"name": forms[f].name, "done": visit.forms.get(f, False)} for f in wanted if f in forms
        ],
    }


# Visitor pages are rebuilt on every publish; a visit's checklists change only with the visit.
_CHECKLISTS: dict[tuple[int, str, int], list[dict[str, Any]]] = {}
_CHECKLISTS_MAX = 4096


def checklists(config: Config, visit: Visit) -> list[dict[str, Any]]:
    """:func:`visitor_checklist` of each of the visit's steps, built once per visit revision
    (the list returned is shared: do not change it)."""
    key = (id(config), visit.token, visit.rev)  # tokens are unique across sites
    found = _CHECKLISTS.get(key)
    if found is None:
        if len(_CHECKLISTS) >= _CHECKLISTS_MAX:
            _CHECKLISTS.clear()
        found = _CHECKLISTS[key] = [visitor_checklist(config, visit, s) for s in visit.steps]
    return found
