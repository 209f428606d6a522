"""Cross-checks of a decoded configuration folder (see :mod:`server.config.loading`).

msgspec checks the shape of each file while decoding; this module checks what one file alone
cannot: that every reference points at something defined (a rule's procedure, a counter's
queue, a device's board), that ids are unique, and that condition values fit the question
they test. Each problem reads ``<file>: <key path>: <what is wrong> (expected …)`` with a
msgspec-style key path such as ``$.events.tennyu.rules[2].procedure``. All problems are
collected and raised together in one :class:`~server.errors.ConfigError`, so an operator
fixes a bad edit in one pass.
"""

from __future__ import annotations

import re
import typing
import zoneinfo
from collections.abc import Collection, Iterator, Mapping
from pathlib import Path

from server.config import kiosk_checks
from server.config.findings import (
    QUESTIONS,
    At,
    condition_problems,
    duplicates,
    references,
    unique,
    unknown,
    value_problem,
)
from server.config.schema import (
    ANNOUNCEMENT_PLACEHOLDERS,
    Config,
    Deployment,
    LifeEvent,
    Procedures,
    Question,
    Site,
    Text,
)
from server.domain.intake import Need
from server.errors import ConfigError
from server.security.passwords import token_digest
from server.texts import FALLBACK, placeholders

LANGUAGES = ("ja", "en", "zh", "ko", "vi")

# Queue labels are shown on lobby boards: they must not reveal a sensitive matter
# (REFERENCE.md §6). Compared case-insensitively against every translation.
SENSITIVE_WORDS = (
    "死亡",
    "おくやみ",
    "生活保護",
    "障害",
    "障がい",
    "離婚",
    "death",
    "bereave",
    "disab",
    "divorce",
)

# What "expected" says for references into another file.
_PROCEDURES = "one of procedures.toml's procedures"
_SITES = "one of madoguchi.toml's sites"

_CLOCK = re.compile(r"([01]\d|2[0-3]):[0-5]\d\Z")
_HEX = re.compile(r"[0-9a-f]+\Z")


def check_config(config: Config, folder: Path) -> None:
    """Raise ConfigError listing every cross-reference or value problem in ``config``."""
    folder = Path(folder)
    problems = [
        *_deployment_problems(config, At(folder / "madoguchi.toml")),
        *_procedure_problems(config, At(folder / "procedures.toml")),
        *_life_event_problems(config, At(folder / "life_events.toml")),
        *_account_problems(config, At(folder / "staff.toml")),
        *_text_problems(config, At(folder / "texts.toml")),
    ]
    for site_id, site in config.sites.items():
        site_file = At(folder / "sites" / f"{site_id}.toml")
        problems += _site_problems(site, config.procedures, site_file)
        problems += _bereavement_problems(site, config.life_events.events, site_file)
        problems += kiosk_checks.site_problems(site, site_file)
    problems += kiosk_checks.kiosk_problems(config, At(folder / "kiosk.toml"))
    if len(problems) == 1:
        raise ConfigError(problems[0])
    if problems:
        raise ConfigError(f"{len(problems)} configuration problems:\n" + "\n".join(problems))


# --- shared helpers ----------------------------------------------------------------------------


def _languages(at: At, languages: list[str]) -> Iterator[str]:
    for i, lang in enumerate(languages):
        if lang not in LANGUAGES:
            yield at.index(i).problem(
                f"unsupported language {lang!r} (expected one of {', '.join(LANGUAGES)})"
            )
    yield from unique(at, languages, "language")


def _translations(at: At, text: Text, languages: Collection[str]) -> Iterator[str]:
    missing = [lang for lang in LANGUAGES if lang in languages and not getattr(text, lang)]
    if missing:
        yield at.problem(
            f"no {'/'.join(missing)} text (expected a translation for every language "
            f"the site's boards show: {', '.join(lang for lang in LANGUAGES if lang in languages)})"
        )


# --- madoguchi.toml ----------------------------------------------------------------------------


def _deployment_problems(config: Config, at: At) -> Iterator[str]:
    deployment: Deployment = config.deployment
    sites = at.key("sites")
    if not deployment.sites:
        yield sites.problem("no site (expected at least one site id)")
    yield from unique(sites, deployment.sites, "site")
    if deployment.note_retention_days < 0:
        yield at.key("note_retention_days").problem("negative (expected 0 or more days)")
    staff_ids = {staff.id for staff in config.accounts.staff}
    devices = {device.id: device for device in config.accounts.devices}
    for i, sign_in in enumerate(deployment.demo_sign_ins):
        here = at.key("demo_sign_ins").index(i)
        if bool(sign_in.id and sign_in.pin) == bool(sign_in.device and sign_in.token):
            yield here.problem("expected either `id` and `pin` (staff) or `device` and `token`")
        if sign_in.id and sign_in.id not in staff_ids:
            yield here.key("id").problem(
                unknown("staff id", sign_in.id, staff_ids, "one of staff.toml's staff")
            )
        device = devices.get(sign_in.device)
        if sign_in.device and device is None:
            yield here.key("device").problem(
                unknown("device", sign_in.device, devices, "one of staff.toml's devices")
            )
        elif device and sign_in.token and token_digest(sign_in.token) != device.token_sha256:
            yield here.key("token").problem(
                f"does not match device {device.id!r} "
                "(expected token_digest(token) == the device's token_sha256 in staff.toml)"
            )


# --- procedures.toml ---------------------------------------------------------------------------


def _procedure_problems(config: Config, at: At) -> Iterator[str]:
    catalogue = config.procedures
    questions = config.life_events.questions
    for doc_id, document in catalogue.documents.items():
        here = at.key("documents").key(doc_id)
        yield from condition_problems(here.key("required_if"), document.required_if, questions)
        yield from condition_problems(here.key("have_if"), document.have_if, questions)
        yield from references(
            here.key("satisfied_by"),
            document.satisfied_by,
            [d for d in catalogue.documents if d != doc_id],
            "document",
            "another of procedures.toml's documents",
        )
    for route_id, route in catalogue.self_service.items():
        here = at.key("self_service").key(route_id)
        yield from condition_problems(here.key("requires"), route.requires, questions)
        served = {p for p, proc in catalogue.procedures.items() if proc.self_service == route_id}
        for proc_id, yen in route.fees.items():
            fee = here.key("fees").key(proc_id)
            expected = f"a procedure routed to {route_id!r}"
            if proc_id not in served:
                yield fee.problem(unknown("procedure", proc_id, served, expected))
            elif yen < 0:
                yield fee.problem(f"{yen} (expected yen, 0 or more)")
    departments = {dept.id for site in config.sites.values() for dept in site.departments}
    for proc_id, procedure in catalogue.procedures.items():
        here = at.key("procedures").key(proc_id)
        if procedure.department not in departments:
            yield here.key("department").problem(
                unknown(
                    "department", procedure.department, departments, "a department of some site"
                )
            )
        yield from references(
            here.key("documents"),
            procedure.documents,
            catalogue.documents,
            "document",
            "one of procedures.toml's documents",
        )
        yield from references(
            here.key("forms"),
            procedure.forms,
            catalogue.forms,
            "form",
            "one of procedures.toml's forms",
        )
        if procedure.self_service and procedure.self_service not in catalogue.self_service:
            yield here.key("self_service").problem(
                unknown("self-service route", procedure.self_service, catalogue.self_service)
            )
        if procedure.minutes < 0 or (procedure.minutes == 0 and not procedure.no_visit):
            yield here.key("minutes").problem(
                f"{procedure.minutes} (expected a positive number of minutes, "
                "or 0 with no_visit = true)"
            )
        yield from references(
            here.key("after"),
            procedure.after,
            [p for p in catalogue.procedures if p != proc_id],
            "procedure",
            "another of procedures.toml's procedures",
        )
    yield from _prerequisite_cycles(catalogue, at)


def _prerequisite_cycles(catalogue: Procedures, at: At) -> Iterator[str]:
    """Prerequisites (``after``) must not loop: no visit could then be planned."""
    finished: set[str] = set()
    for start in catalogue.procedures:
        loop = _loop_from(catalogue, start, [], finished)
        if loop is not None:
            yield (
                at.key("procedures")
                .key(loop[0])
                .key("after")
                .problem(
                    "prerequisites form a cycle: "
                    + " after ".join(loop)
                    + " (expected an order that can be followed)"
                )
            )
            finished.update(loop)


def _loop_from(
    catalogue: Procedures, pid: str, path: list[str], finished: set[str]
) -> list[str] | None:
    """A prerequisite loop reachable from ``pid`` (depth first), or None."""
    if pid in path:
        return [*path[path.index(pid) :], pid]
    if pid in finished or pid not in catalogue.procedures:
        return None
    path.append(pid)
    for pre in catalogue.procedures[pid].after:
        loop = _loop_from(catalogue, pre, path, finished)
        if loop is not None:
            return loop
    path.pop()
    finished.add(pid)
    return None


# --- life_events.toml --------------------------------------------------------------------------


def _life_event_problems(config: Config, at: At) -> Iterator[str]:
    questions = config.life_events.questions
    for question_id in questions:
        yield from _question_problems(at.key("questions").key(question_id), question_id, questions)
    for event_id, event in config.life_events.events.items():
        here = at.key("events").key(event_id)
        yield from _event_problems(here, event_id, event, questions, config.procedures)
    yield from _need_problems(config, at.key("needs"))


def _text_problems(config: Config, at: At) -> Iterator[str]:
    """Every intake language has an entry; every text has Japanese and English, known
    languages only, and the English text's placeholders in each translation."""
    texts = config.texts
    languages = texts.languages
    for lang in config.life_events.languages:
        if lang not in languages:
            yield at.key("languages").problem(
                f"no entry for {lang!r} (life_events.toml offers it at intake)"
            )
    for lang, language in languages.items():
        if language.texts and language.texts not in languages:
            yield (
                at.key("languages")
                .key(lang)
                .key("texts")
                .problem(unknown("language", language.texts, languages))
            )
    for key, entry in texts.texts.items():
        here = at.key("texts").key(key)
        for required in ("ja", FALLBACK):
            if not entry.get(required):
                yield here.problem(f"no {required!r} text (Japanese and English are required)")
        expected = placeholders(entry.get(FALLBACK, ""))
        for lang, text in entry.items():
            if lang not in languages:
                yield here.key(lang).problem(unknown("language", lang, languages))
            elif placeholders(text) != expected:
                yield here.key(lang).problem(
                    f"placeholders {sorted(placeholders(text))} "
                    f"(expected {sorted(expected)}, as in the English text)"
                )


def _need_problems(config: Config, at: At) -> Iterator[str]:
    """Need labels name the intake's fixed need ids (a typo would label nothing)."""
    known = typing.get_args(Need)
    for need in config.life_events.needs:
        if need not in known:
            yield at.key(need).problem(unknown("need", need, known))


def _question_problems(
    at: At, question_id: str, questions: Mapping[str, Question]
) -> Iterator[str]:
    question = questions[question_id]
    options = [option.id for option in question.options]
    if question.kind == "choice" and len(options) < 2:
        yield at.key("options").problem("fewer than 2 options (expected a choice of 2 or more)")
    if question.kind != "choice" and options:
        yield at.key("options").problem(f"options on a {question.kind} question (expected none)")
    yield from unique(at.key("options"), options, "option id", "id")
    if question.default is not None and (
        problem := value_problem(question_id, question, question.default)
    ):
        yield at.key("default").problem(problem)
    if question_id in question.show_if:
        itself = at.key("show_if").key(question_id)
        yield itself.problem("the question depends on itself (expected earlier questions only)")
    yield from condition_problems(at.key("show_if"), question.show_if, questions)


def _event_problems(
    at: At,
    event_id: str,
    event: LifeEvent,
    questions: Mapping[str, Question],
    catalogue: Procedures,
) -> Iterator[str]:
    listed = at.key("questions")
    yield from references(listed, event.questions, questions, "question", QUESTIONS)
    yield from unique(listed, event.questions, "question")
    # The guide asks in order: a question may only depend on answers already given.
    for i, question_id in enumerate(event.questions):
        for key in questions[question_id].show_if if question_id in questions else {}:
            if key in questions and key not in event.questions[:i]:
                yield listed.index(i).problem(
                    f"{question_id!r} is shown only after {key!r}, which the event does not "
                    f"ask before it (expected {key!r} earlier in $.events.{event_id}.questions)"
                )
    if not event.rules:
        yield at.key("rules").problem("no rule (expected at least one [[rules]] entry)")
    for i, rule in enumerate(event.rules):
        here = at.key("rules").index(i)
        if rule.procedure not in catalogue.procedures:
            yield here.key("procedure").problem(
                unknown("procedure", rule.procedure, catalogue.procedures, _PROCEDURES)
            )
        yield from condition_problems(
            here.key("when"), rule.when, questions, event.questions, event_id
        )
        for j, alternative in enumerate(rule.any):
            if not alternative:
                yield here.key("any").index(j).problem("empty (expected at least one question)")
            yield from condition_problems(
                here.key("any").index(j), alternative, questions, event.questions, event_id
            )


# --- sites/<id>.toml ---------------------------------------------------------------------------


def _site_problems(site: Site, catalogue: Procedures, at: At) -> list[str]:
    return [
        *_site_settings_problems(site, at),
        *_queue_problems(site, catalogue, at),
        *_counter_problems(site, at),
        *_board_problems(site, at),
        *_routing_problems(site, catalogue, at),
    ]


def _bereavement_problems(site: Site, events: Collection[str], at: At) -> list[str]:
    """The corner's booths, departments, typical minutes, slots and events (issue 22b)."""
    corner = site.bereavement
    if corner is None:
        return []
    at = at.key("bereavement")
    departments = {d.id for d in site.departments}
    out = [
        *unique(at.key("booths"), [b.id for b in corner.booths], "booth id", "id"),
        *references(at.key("departments"), corner.departments, departments, "department"),
        *references(at.key("events"), corner.events, events, "life event"),
        *unique(at.key("slots"), corner.slots, "slot"),
    ]
    if not corner.booths:
        out.append(at.key("booths").problem("empty (expected at least one booth)"))
    for did in corner.minutes:
        if did not in departments:
            out.append(at.key("minutes").key(did).problem(unknown("department", did, departments)))
    for i, slot in enumerate(corner.slots):
        if not _CLOCK.match(slot):
            out.append(at.key("slots").index(i).problem(f"{slot!r} (expected HH:MM, e.g. '09:00')"))
    if corner.slot_minutes < 1:
        out.append(at.key("slot_minutes").problem(f"{corner.slot_minutes} (expected 1 or more)"))
    if corner.booking_days < 0:
        out.append(at.key("booking_days").problem("negative (expected 0 or more)"))
    return out


def _board_languages(site: Site) -> set[str]:
    return set(site.languages).union(*(board.languages for board in site.boards))


def _site_settings_problems(site: Site, at: At) -> Iterator[str]:
    yield from _languages(at.key("languages"), site.languages)
    try:
        zoneinfo.ZoneInfo(site.timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        yield at.key("timezone").problem(
            f"unknown time zone {site.timezone!r} (expected an IANA name such as 'Asia/Tokyo')"
        )
    yield from _hours_problems(site, at.key("hours"))
    departments = at.key("departments")
    yield from unique(departments, [d.id for d in site.departments], "department id", "id")
    if site.recent_calls < 1:
        yield at.key("recent_calls").problem(f"{site.recent_calls} (expected 1 or more)")
    if site.no_show.max_requeues < 0:
        yield at.key("no_show").key("max_requeues").problem("negative (expected 0 or more)")
    yield from _step_out_problems(site, at.key("step_out"))
    yield from _wait_band_problems(site, at.key("wait_bands"))
    languages = _board_languages(site)
    for i, notice in enumerate(site.notices):
        yield from _translations(at.key("notices").index(i), notice, languages)
    yield from _announcement_problems(site, at.key("announcement"), languages)
    yield from _speech_problems(site, at.key("speech"))


def _announcement_problems(site: Site, at: At, languages: Collection[str]) -> Iterator[str]:
    """The boards speak and caption the call in every board language, with both numbers."""
    yield from _translations(at, site.announcement, languages)
    yield from _placeholder_problems(at, site.announcement)


def _placeholder_problems(at: At, wording: Text) -> Iterator[str]:
    for lang in LANGUAGES:
        text = getattr(wording, lang)
        missing = [p for p in ANNOUNCEMENT_PLACEHOLDERS if text and p not in text]
        if missing:
            yield at.key(lang).problem(
                f"lacks {' and '.join(missing)} (expected both {{ticket}} and {{counter}}, "
                "which the boards fill in)"
            )


def _speech_problems(site: Site, at: At) -> Iterator[str]:
    """Spoken wording needs both numbers too; a call repeated more than thrice holds the
    lobby's queue of calls up."""
    if site.speech.wording is not None:
        yield from _placeholder_problems(at.key("wording"), site.speech.wording)
    for lang, times in site.speech.repeat.items():
        if lang not in LANGUAGES:
            yield (
                at.key("repeat")
                .key(lang)
                .problem(f"unknown language (expected one of {', '.join(LANGUAGES)})")
            )
        elif not 1 <= times <= 3:
            yield at.key("repeat").key(lang).problem(f"{times} (expected 1, 2 or 3)")


def _step_out_problems(site: Site, at: At) -> Iterator[str]:
    """An outing needs time to go somewhere; the grace and the notices cannot be negative."""
    rule = site.step_out
    if not 5 <= rule.max_minutes <= 8 * 60:
        yield at.key("max_minutes").problem(f"{rule.max_minutes} (expected 5 to 480 minutes)")
    for name in ("grace_minutes", "notify_ahead", "notify_minutes"):
        if getattr(rule, name) < 0:
            yield at.key(name).problem("negative (expected 0 or more)")


def _hours_problems(site: Site, at: At) -> Iterator[str]:
    times = {"open": site.hours.open, "close": site.hours.close}
    for field, value in times.items():
        if not _CLOCK.match(value):
            yield at.key(field).problem(f"{value!r} (expected HH:MM, e.g. '08:45')")
    if all(_CLOCK.match(v) for v in times.values()) and times["open"] >= times["close"]:
        yield at.problem("opens after it closes (expected open < close)")


def _wait_band_problems(site: Site, at: At) -> Iterator[str]:
    """Bands go up in minutes; ``below = 0`` (open-ended) only on the last one."""
    languages = _board_languages(site)
    previous = 0
    for i, band in enumerate(site.wait_bands):
        here = at.index(i)
        yield from _translations(here.key("label"), band.label, languages)
        last = i == len(site.wait_bands) - 1
        if band.below < 0 or (band.below == 0 and not last) or 0 < band.below <= previous:
            yield here.key("below").problem(
                f"{band.below} (expected increasing minutes, with 0 only on the last band)"
            )
        previous = max(previous, band.below)


def _queue_problems(site: Site, catalogue: Procedures, at: At) -> Iterator[str]:
    queues = at.key("queues")
    department_ids = {d.id for d in site.departments}
    languages = _board_languages(site)
    yield from unique(queues, [q.id for q in site.queues], "queue id", "id")
    yield from unique(queues, [q.series for q in site.queues], "queue series", "series")
    alias = site.protected_call.alias_series
    if alias in {q.series for q in site.queues} or not alias.isalpha():
        # An alias from a line's own series would be called as that line's next number.
        yield (
            at.key("protected_call")
            .key("alias_series")
            .problem(f"{alias!r} (expected letters no queue uses as its series)")
        )
    listed_in: dict[str, str] = {}
    for i, queue in enumerate(site.queues):
        here = queues.index(i)
        if not queue.series:
            yield here.key("series").problem("empty (expected a letter such as 'A')")
        if not queue.departments:
            yield here.key("departments").problem("empty (expected at least one department)")
        yield from references(
            here.key("departments"), queue.departments, department_ids, "department"
        )
        if queue.shared and len(queue.departments) < 2:
            yield here.key("shared").problem(
                "true on a line of one department (expected `shared` only on a line that"
                " several departments serve)"
            )
        for j, proc_id in enumerate(queue.procedures):
            procedure = catalogue.procedures.get(proc_id)
            item = here.key("procedures").index(j)
            if procedure is None:
                yield item.problem(unknown("procedure", proc_id, catalogue.procedures, _PROCEDURES))
            elif procedure.department not in queue.departments:
                yield item.problem(
                    f"procedure {proc_id!r} belongs to department {procedure.department!r} "
                    f"(expected one of this queue's departments: {', '.join(queue.departments)})"
                )
            if proc_id in listed_in:
                yield item.problem(
                    f"procedure {proc_id!r} is already listed by queue {listed_in[proc_id]!r} "
                    "(expected each procedure in at most one queue)"
                )
            listed_in.setdefault(proc_id, queue.id)
        for field in ("minutes", "alert_minutes"):
            if getattr(queue, field) <= 0:
                yield here.key(field).problem(f"{getattr(queue, field)} (expected minutes > 0)")
        if queue.first_number < 0:
            yield here.key("first_number").problem("negative (expected 0 or more)")
        yield from _translations(here.key("label"), queue.label, languages)
        yield from _neutral_label(here.key("label"), queue.label)
        if not any(queue.id in counter.queues for counter in site.counters):
            yield here.key("id").problem(
                f"no counter serves queue {queue.id!r} (expected a counter listing it in `queues`)"
            )


def _neutral_label(at: At, label: Text) -> Iterator[str]:
    texts = " ".join(getattr(label, lang) for lang in LANGUAGES).lower()
    for word in SENSITIVE_WORDS:
        if word in texts:
            yield at.problem(
                f"contains {word!r}, shown on lobby boards (expected a neutral label such as "
                "'総合受付' or a letter; never a sensitive matter)"
            )


def _counter_problems(site: Site, at: At) -> Iterator[str]:
    counters = at.key("counters")
    department_ids = {d.id for d in site.departments}
    queues = {q.id: q for q in site.queues}
    yield from unique(counters, [c.id for c in site.counters], "counter id", "id")
    yield from unique(counters, [c.number for c in site.counters], "counter number", "number")
    for i, counter in enumerate(site.counters):
        here = counters.index(i)
        if counter.department not in department_ids:
            yield here.key("department").problem(
                unknown("department", counter.department, department_ids)
            )
        if not counter.queues:
            yield here.key("queues").problem("empty (expected at least one queue id)")
        for j, queue_id in enumerate(counter.queues):
            queue, item = queues.get(queue_id), here.key("queues").index(j)
            if queue is None:
                yield item.problem(unknown("queue", queue_id, queues))
            elif (
                counter.department in department_ids and counter.department not in queue.departments
            ):
                fitting = [q.id for q in site.queues if counter.department in q.departments]
                yield item.problem(
                    f"queue {queue_id!r} does not take department {counter.department!r} "
                    f"(expected a queue whose departments include it: {', '.join(fitting)})"
                )


def _board_problems(site: Site, at: At) -> Iterator[str]:
    boards = at.key("boards")
    queue_ids = {q.id for q in site.queues}
    yield from unique(boards, [b.id for b in site.boards], "board id", "id")
    for i, board in enumerate(site.boards):
        here = boards.index(i)
        if not board.queues:
            yield here.key("queues").problem("empty (expected at least one queue id)")
        yield from references(here.key("queues"), board.queues, queue_ids, "queue")
        yield from _languages(here.key("languages"), board.languages)


def _routing_problems(site: Site, catalogue: Procedures, at: At) -> Iterator[str]:
    """Every procedure of a department this site has must reach a queue (Site.queue_for)."""
    unrouted: dict[str, str] = {}
    department_ids = {d.id for d in site.departments}
    for proc_id, procedure in catalogue.procedures.items():
        if procedure.no_visit or procedure.department not in department_ids:
            continue
        try:
            site.queue_for(proc_id, procedure.department)
        except KeyError:
            unrouted.setdefault(procedure.department, proc_id)
    for i, department in enumerate(site.departments):
        example = unrouted.get(department.id)
        if example:
            yield (
                at.key("departments")
                .index(i)
                .problem(
                    f"no queue takes department {department.id!r} (expected a queue whose "
                    f"departments include it, to route e.g. {example!r})"
                )
            )


# --- staff.toml --------------------------------------------------------------------------------


def _pin_hash_ok(stored: str) -> bool:
    parts = stored.split("$")
    if len(parts) != 6 or parts[0] != "scrypt":
        return False
    _, n, r, p, salt, digest = parts
    if not (n.isdigit() and r.isdigit() and p.isdigit()):
        return False
    power_of_two = int(n) > 1 and int(n) & (int(n) - 1) == 0
    hex_ok = bool(_HEX.match(salt)) and bool(_HEX.match(digest)) and len(digest) == 64
    return power_of_two and int(r) > 0 and int(p) > 0 and hex_ok


def _account_problems(config: Config, at: At) -> Iterator[str]:
    accounts = config.accounts
    staff_at, devices_at = at.key("staff"), at.key("devices")
    yield from duplicates(
        [
            *((staff_at.index(i).key("id"), s.id) for i, s in enumerate(accounts.staff)),
            *((devices_at.index(i).key("id"), d.id) for i, d in enumerate(accounts.devices)),
        ],
        "account id (staff and devices share the audit log's actor ids)",
    )
    for i, staff in enumerate(accounts.staff):
        here = staff_at.index(i)
        if not staff.sites:
            yield here.key("sites").problem("empty (expected at least one site id)")
        yield from references(here.key("sites"), staff.sites, config.sites, "site", _SITES)
        if staff.role == "clerk" and not staff.department:
            yield here.problem("a clerk without `department` (expected the department served)")
        for site_id in staff.sites:
            site = config.sites.get(site_id)
            departments = {d.id for d in site.departments} if site else set()
            if site and staff.department and staff.department not in departments:
                yield here.key("department").problem(
                    unknown(
                        "department",
                        staff.department,
                        departments,
                        f"a department of site {site_id!r}: {', '.join(sorted(departments))}",
                    )
                )
        if not _pin_hash_ok(staff.pin_hash):
            yield here.key("pin_hash").problem(
                "not a PIN hash (expected scrypt$<n>$<r>$<p>$<salt hex>$<hash hex> "
                "from server.security.passwords.hash_pin)"
            )
    for i, device in enumerate(accounts.devices):
        here = devices_at.index(i)
        site = config.sites.get(device.site)
        if site is None:
            yield here.key("site").problem(unknown("site", device.site, config.sites, _SITES))
        elif bool(device.board) == bool(device.kiosk):
            yield here.problem("expected exactly one of `board` (a lobby display) or `kiosk`")
        elif device.board and device.board not in {b.id for b in site.boards}:
            yield here.key("board").problem(
                unknown("board", device.board, [b.id for b in site.boards])
            )
        elif device.kiosk and site.kiosk(device.kiosk) is None:
            yield here.key("kiosk").problem(
                unknown("kiosk", device.kiosk, [k.id for k in site.kiosks])
            )
        if len(device.token_sha256) != 64 or not _HEX.match(device.token_sha256):
            yield here.key("token_sha256").problem(
                "not a SHA-256 digest (expected 64 lowercase hex digits from token_digest(token))"
            )
