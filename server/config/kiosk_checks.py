"""Start-up checks of the ticket machines and printers: ``kiosk.toml`` and the ``kiosks`` and
``printers`` of each site file (the rest of the configuration: ``server.config.checks``)."""

from __future__ import annotations

from collections.abc import Iterator

from server.config.findings import At, condition_problems, duplicates, unknown
from server.config.schema import Config, Site
from server.printing.address import parse_address

MAX_KIOSK_QUESTIONS = 2


def site_problems(site: Site, at: At) -> list[str]:
    """Unique ids, kiosks naming printers of the site, printer addresses that parse."""
    problems = list(
        duplicates(
            [(at.key("kiosks").index(i).key("id"), k.id) for i, k in enumerate(site.kiosks)],
            "kiosk id",
        )
    )
    problems += duplicates(
        [(at.key("printers").index(i).key("id"), p.id) for i, p in enumerate(site.printers)],
        "printer id",
    )
    printers = [p.id for p in site.printers]
    for i, kiosk in enumerate(site.kiosks):
        if kiosk.printer and kiosk.printer not in printers:
            problems.append(
                at.key("kiosks")
                .index(i)
                .key("printer")
                .problem(unknown("printer", kiosk.printer, printers))
            )
    for i, printer in enumerate(site.printers):
        here = at.key("printers").index(i)
        try:
            parse_address(printer.address)
        except ValueError as exc:
            problems.append(here.key("address").problem(str(exc)))
        if not 64 <= printer.width <= 1024 or printer.width % 8:
            problems.append(
                here.key("width").problem("expected a multiple of 8 from 64 to 1024 (dots)")
            )
    return problems


def kiosk_problems(config: Config, at: At) -> Iterator[str]:
    """Purposes name life events, ask at most two of the event's questions, and imply answers
    that fit; the kiosk languages are languages of life_events.toml (and so of texts.toml)."""
    rules = config.kiosk
    life = config.life_events
    if rules.idle_seconds < 10:
        yield at.key("idle_seconds").problem("expected at least 10 seconds")
    for i, lang in enumerate(rules.languages):
        if lang not in life.languages:
            yield at.key("languages").index(i).problem(unknown("language", lang, life.languages))
    yield from duplicates(
        [(at.key("purposes").index(i).key("id"), p.id) for i, p in enumerate(rules.purposes)],
        "purpose id",
    )
    for i, purpose in enumerate(rules.purposes):
        here = at.key("purposes").index(i)
        event = life.events.get(purpose.event)
        if event is None:
            yield here.key("event").problem(unknown("life event", purpose.event, life.events))
            continue
        if len(purpose.questions) > MAX_KIOSK_QUESTIONS:
            yield here.key("questions").problem(
                f"{len(purpose.questions)} questions (expected at most {MAX_KIOSK_QUESTIONS}:"
                " a walk-in visitor answers two at most)"
            )
        for j, qid in enumerate(purpose.questions):
            if qid not in event.questions:
                yield (
                    here.key("questions")
                    .index(j)
                    .problem(
                        unknown(
                            "question", qid, event.questions, f"a question of {purpose.event!r}"
                        )
                    )
                )
        yield from condition_problems(
            here.key("answers"),
            dict(purpose.answers),
            life.questions,
            event.questions,
            purpose.event,
        )
