"""What a printed ticket says, whoever prints it (the browser's A6 / receipt page, a thermal
printer): number, where to go, the documents to bring and the visitor's own link."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import msgspec

from server.config.schema import Config, Site, Text
from server.domain.state import Visit
from server.projections.checklist import visitor_checklist


class Stop(msgspec.Struct, frozen=True):
    """One stop of the itinerary: the line's (neutral) label, its floor and counter numbers."""

    label: Text
    floor: str
    counters: list[str]
    status: str = "pending"


class TicketFacts(msgspec.Struct, frozen=True):
    """Everything a ticket shows. ``language``: the visitor's, printed after Japanese."""

    site: Text
    ticket: str
    issued: str
    language: str
    priority: bool
    stops: list[Stop]
    documents: list[Text]
    url: str


def stop_counters(site: Site, queue_id: str) -> list[str]:
    """The numbers of the counters that serve a line."""
    return [c.number for c in site.counters if queue_id in c.queues]


def stop_floor(site: Site, queue_id: str) -> str:
    """The floor of the first department of a line that names one."""
    floors = [d.floor for d in site.departments if d.id in site.queue(queue_id).departments]
    return next((f for f in floors if f), "")


def ticket_facts(config: Config, site: Site, visit: Visit, url: str) -> TicketFacts:
    """The ticket of a visit: the stops still ahead, and the documents the visitor still has
    to bring to them — the same list as the browser's printed ticket and the visitor page
    (``visitor_checklist``), once each."""
    ahead = [
        s for s in visit.steps if site.has_queue(s.queue) and s.status not in ("done", "cancelled")
    ]
    documents = list(
        {
            name.ja: name
            for step in ahead
            for name in visitor_checklist(config, visit, step)["bring"]
        }.values()
    )
    local = dt.datetime.fromtimestamp(visit.created_at, ZoneInfo(site.timezone))
    return TicketFacts(
        site=site.name,
        ticket=visit.shown_ticket,  # a protected visit: its alias, or "" (called in person)
        issued=local.strftime("%Y-%m-%d %H:%M"),
        language=visit.intake.language,
        priority=visit.priority,
        stops=[
            Stop(
                site.queue(s.queue).label,
                stop_floor(site, s.queue),
                stop_counters(site, s.queue),
                s.status,
            )
            for s in ahead
        ],
        documents=documents,
        url=url,
    )
