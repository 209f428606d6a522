"""The site and queue entities that boards, the public page and staff views all start from,
and where things are (the floor of a department or of a queue's waiting area).

Numbers, labels and counts only: what any screen in the building may show.
"""

from __future__ import annotations

from typing import Any

from server.config.schema import Site
from server.domain.queues import QueueFigures, wait_band


def site_entity(site: Site, queues: list[str]) -> dict[str, Any]:
    """The site as a view of ``queues`` shows it: its name, notices, those queues and the
    counters that serve one of them."""
    return {
        "id": site.id,
        "name": site.name,
        "languages": site.languages,
        "notices": site.notices,
        "wait_bands": [b.label for b in site.wait_bands],
        "queues": [
            {"id": q.id, "series": q.series, "label": q.label}
            for q in site.queues
            if q.id in queues
        ],
        "counters": [
            {
                "id": c.id,
                "number": c.number,
                "queues": c.queues,
                "floor": department_floor(site, c.department),
            }
            for c in site.counters
            if set(c.queues) & set(queues)
        ],
    }


def department_floor(site: Site, department_id: str) -> str:
    """The floor a department is on ("" when the site does not say)."""
    return next((d.floor for d in site.departments if d.id == department_id), "")


def queue_floor(site: Site, queue_id: str) -> str:
    """Where a queue waits: the floor of its first department that has one."""
    floors = (department_floor(site, d) for d in site.queue(queue_id).departments)
    return next((f for f in floors if f), "")


def queue_entity(site: Site, figures: QueueFigures) -> dict[str, Any]:
    """A queue's counts: waiting, out, open counters, the estimated wait and its band."""
    return {
        "id": figures.queue,
        "waiting": figures.waiting,
        "out": figures.out,
        "open_counters": figures.open_counters,
        "estimated_wait": figures.estimated_wait,
        "band": wait_band(site, figures.estimated_wait),
    }
