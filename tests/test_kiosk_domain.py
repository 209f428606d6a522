"""The ticket machine in the pure core and the configuration: its role in the permission
table, the intake it builds from a purpose and at most two answers, the deflection the planner
decides, and the start-up checks of kiosks, purposes and printers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import msgspec
import pytest

from server.config.checks import check_config
from server.config.schema import Config, KioskPurpose, Printer, Text
from server.domain import commands as c
from server.domain.events import VisitCreated, VisitDeflected
from server.domain.intake import plan_visit
from server.domain.kiosk import KioskRequest, kiosk_intake, kiosk_questions
from server.domain.permissions import GRANTS
from server.errors import ConfigError, Rejected
from server.live.protocol import ViewRequest
from server.security.auth import Authenticator, command_actor, view_key
from tests.support.harness import MOVED_IN_WITH_CHILDREN, Office, rejected

KIOSK = c.Actor("kiosk-shimogyo-entrance", "kiosk")
SAMPLE: dict[str, Any] = {
    "intake": MOVED_IN_WITH_CHILDREN,
    "counter": "c1",
    "procedure": "tennyu_todoke",
    "queue": "C",
    "queues": ["A"],
    "text": Text("お知らせ"),
    "notice": "n1",
    "minutes": 20,
    "device": "guide01-phone",
    "back_by": "23:59",
    "date": "2026-04-01",
    "slot": "09:00",
    "reservation": "r1",
    "reason": "witness",
}


def sample(kind: type[c.Cmd], visit: str) -> c.Command:
    """An instance of every command type, aimed at a real visit and counter of the office."""
    fields = {
        f.name: visit if f.name == "visit" else SAMPLE[f.name]
        for f in msgspec.structs.fields(kind)
        if f.required
    }
    command: c.Command = kind(**fields)  # type: ignore[assignment]
    return command


def test_the_kiosk_may_only_create_visits_and_record_deflections(config: Config) -> None:
    """Walks the whole permission table: everything not granted to the kiosk is refused
    (state untouched); what is granted goes through."""
    allowed = {kind for kind, grant in GRANTS.items() if grant.kiosk}
    assert allowed == {c.CreateVisit, c.RecordDeflection}
    office = Office(config)
    office.open("c1")
    visit = office.create().id
    for kind in GRANTS:
        command = sample(kind, visit)
        if kind in allowed:
            events = office.run(command, KIOSK)
            assert isinstance(events[0], VisitCreated | VisitDeflected)
        else:
            rejected(office, command, "forbidden", KIOSK)


def request(purpose: str, **answers: Any) -> KioskRequest:
    return KioskRequest(purpose, answers)


def test_a_card_and_its_pin_send_the_certificate_seeker_to_the_convenience_store(
    config: Config,
) -> None:
    site, life, rules = config.site("shimogyo"), config.life_events, config.kiosk
    purpose = rules.purpose("jumin_hyo")
    assert purpose is not None
    # The PIN question only comes once the card is there.
    assert kiosk_questions(purpose, {}, life) == ["has_my_number_card"]
    assert kiosk_questions(purpose, {"has_my_number_card": True}, life) == [
        "has_my_number_card",
        "knows_pin",
    ]

    both = kiosk_intake(request("jumin_hyo", has_my_number_card=True, knows_pin=True), rules, life)
    plan = plan_visit(both, life, config.procedures, site)
    assert plan.self_service_only and [d.route for d in plan.self_service] == ["konbini"]

    no_card = kiosk_intake(request("jumin_hyo", has_my_number_card=False), rules, life)
    plan = plan_visit(no_card, life, config.procedures, site)
    assert not plan.self_service and [p for s in plan.steps for p in s.procedures] == ["jumin_hyo"]


def test_a_priority_need_puts_the_kiosk_visitor_ahead(config: Config) -> None:
    office = Office(config)
    office.open("c30")
    first = office.create(
        msgspec.structs.replace(MOVED_IN_WITH_CHILDREN, events=["shussei"], answers={})
    )
    intake = kiosk_intake(
        KioskRequest("shussei", {"employee_insured": False}, ["wheelchair"], "en"),
        config.kiosk,
        config.life_events,
    )
    events = office.run(c.CreateVisit(intake), KIOSK)
    created = events[0]
    assert isinstance(created, VisitCreated) and created.priority
    assert created.intake.language == "en"
    office.run(c.CallNext("c30"))
    assert office.state.counter("c30").visit == created.visit != first.id


@pytest.mark.parametrize(
    ("body", "code", "path"),
    [
        (KioskRequest("lottery"), "unknown_purpose", "$.purpose"),
        (
            KioskRequest("jumin_hyo", {"wants_koseki": True}),
            "invalid_intake",
            "$.answers.wants_koseki",
        ),
        (KioskRequest("jumin_hyo", language="fr"), "invalid_intake", "$.language"),
    ],
)
def test_kiosk_requests_outside_the_purpose_are_refused(
    config: Config, body: KioskRequest, code: str, path: str
) -> None:
    with pytest.raises(Rejected) as info:
        kiosk_intake(body, config.kiosk, config.life_events)
    assert (info.value.code, info.value.path) == (code, path)


def test_a_kiosk_token_is_a_kiosk_of_one_site(config: Config) -> None:
    auth = Authenticator(config)
    try:
        kiosk = auth.device("demo-kiosk-entrance-token")
        assert kiosk is not None and kiosk.role == "kiosk" and kiosk.kiosk == "entrance"
        assert command_actor(kiosk, "shimogyo").role == "kiosk"
        with pytest.raises(Rejected, match="forbidden"):
            command_actor(kiosk, "nakagyo")
        for view in (ViewRequest("board", board="lobby-1f"), ViewRequest("floor")):
            with pytest.raises(Rejected, match="forbidden"):
                view_key(kiosk, "shimogyo", view, config)
        board = auth.device("demo-board-lobby-1f-token")
        assert board is not None and board.actor is None
    finally:
        auth.close()


def changed(config: Config, **kiosk: Any) -> Config:
    return msgspec.structs.replace(config, kiosk=msgspec.structs.replace(config.kiosk, **kiosk))


def test_config_checks_of_kiosks_and_printers(config: Config) -> None:
    three = KioskPurpose(
        "too_many", "tennyu", Text("転入"), "🏠", questions=["moved_from", "children", "pregnant"]
    )
    wrong = KioskPurpose("wrong", "shussei", Text("出生"), "👶", answers={"wants_koseki": True})
    with pytest.raises(ConfigError) as info:
        check_config(changed(config, purposes=[three, wrong]), Path("config"))
    message = str(info.value)
    assert "$.purposes[0].questions: 3 questions (expected at most 2" in message
    assert "$.purposes[1].answers.wants_koseki: question 'wants_koseki' is not asked" in message

    site = config.site("shimogyo")
    broken = msgspec.structs.replace(
        site,
        kiosks=[msgspec.structs.replace(site.kiosks[0], printer="nowhere")],
        printers=[Printer("p", Text("p"), "lpt1", width=500)],
    )
    with pytest.raises(ConfigError) as info:
        check_config(
            msgspec.structs.replace(config, sites={**config.sites, "shimogyo": broken}),
            Path("config"),
        )
    message = str(info.value)
    assert "$.kiosks[0].printer: unknown printer 'nowhere'" in message
    assert "$.printers[0].address: 'lpt1': expected tcp://host:9100 or usb:/dev/usb/lp0" in message
    assert "$.printers[0].width: expected a multiple of 8" in message
    # Removing the kiosk leaves its enrolled device pointing nowhere.
    with pytest.raises(ConfigError, match=r"\$\.devices\[4\]\.kiosk: unknown kiosk 'entrance'"):
        check_config(
            msgspec.structs.replace(
                config,
                sites={**config.sites, "shimogyo": msgspec.structs.replace(site, kiosks=[])},
            ),
            Path("config"),
        )
