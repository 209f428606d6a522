"""The public congestion view: anyone may read it, without signing in.

Per line only counts (the very queue entities the lobby boards get) and no ticket number at
all.
"""

from __future__ import annotations

from server.config.schema import Site
from server.projections.site import queue_entity
from server.projections.snapshot import Entities, Snapshot


def public(site: Site, snap: Snapshot) -> Entities:
    """The public congestion view (anyone, no sign-in): per line only counts — waiting, open
    counters, estimated wait and its band, the very entities the lobby boards get — and no
    ticket number at all."""
    return {
        "site": {
            site.id: {
                "id": site.id,
                "name": site.name,
                "wait_bands": [b.label for b in site.wait_bands],
                "queues": [{"id": q.id, "series": q.series, "label": q.label} for q in site.queues],
            }
        },
        "queues": {q.id: queue_entity(site, snap.figures[q.id]) for q in site.queues},
    }
