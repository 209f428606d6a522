"""Configuration types: the typed structs a configuration folder decodes into.

Pure data and small lookups, no file reading: the domain core imports these types and nothing
else of configuration. Loading is :mod:`server.config.loading`, cross-checks are
:mod:`server.config.checks`; the folder's layout is in :mod:`server.config`.
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import Literal

import msgspec

from server.texts import Texts

ConditionValue = bool | str | int | list[str] | dict[str, int]
Condition = dict[str, ConditionValue]


class Text(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A label in Japanese first, with optional translations."""

    ja: str
    en: str = ""
    zh: str = ""
    ko: str = ""
    vi: str = ""

    def get(self, lang: str) -> str:
        value = getattr(self, lang, "") if lang in ("ja", "en", "zh", "ko", "vi") else ""
        return value or self.en or self.ja


class Option(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    id: str
    label: Text


class Question(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """One intake question. ``show_if`` hides it unless earlier answers match."""

    text: Text
    kind: Literal["bool", "choice", "count"] = "bool"
    options: list[Option] = []
    default: bool | str | int | None = None
    show_if: Condition = {}
    help: Text | None = None


class Rule(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Add ``procedure`` when the answers match ``when`` (all keys) or any of ``any``."""

    procedure: str
    when: Condition = {}
    any: list[Condition] = []


class LifeEvent(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    name: Text
    questions: list[str] = []
    rules: list[Rule] = []
    advice: Text | None = None
    icon: str = ""


class LifeEvents(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Questions, events and rules; ``needs`` and ``languages`` label the intake's other fields
    (accessibility needs by their fixed ids, and the visitor languages offered)."""

    questions: dict[str, Question]
    events: dict[str, LifeEvent]
    needs: dict[str, Text] = {}
    languages: dict[str, Text] = {}


class Document(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Something to bring. ``have_if`` tells from the answers that the visitor has it;
    ``satisfied_by`` names other documents the counter accepts instead (a My Number card is
    photo ID), so holding any of them counts as holding this one."""

    name: Text
    required_if: Condition = {}
    have_if: Condition = {}
    satisfied_by: list[str] = []


class Form(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    name: Text


class SelfService(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A route that saves a visit (convenience-store certificates, online filing).

    ``where``, ``bring``, ``how``, ``hours`` and ``fees`` (yen per procedure; 0 = free) fill
    the self-service slip handed to a visitor sent there instead of the queue.
    """

    name: Text
    advice: Text
    requires: Condition = {}
    hours: str = ""
    hours_note: Text | None = None
    where: Text | None = None
    url: str = ""
    bring: list[Text] = []
    how: list[Text] = []
    fees: dict[str, int] = {}


class Procedure(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """One procedure. ``after`` names procedures that must be accepted before this one when
    the visit includes them (the planner orders the stops by it)."""

    name: Text
    department: str
    minutes: int = 10
    consultation: bool = False
    documents: list[str] = []
    forms: list[str] = []
    self_service: str = ""
    no_visit: bool = False
    deadline: Text | None = None
    sensitive: bool = False
    after: list[str] = []


class Procedures(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    documents: dict[str, Document]
    forms: dict[str, Form]
    self_service: dict[str, SelfService]
    procedures: dict[str, Procedure]


class Department(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    id: str
    name: Text
    floor: str = ""


class Queue(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A waiting line with its own ticket series. Labels must be neutral (shown on boards).

    ``shared``: a one-stop line whose departments complete each other's procedures here
    (otherwise a clerk completes only what their own department owns)."""

    id: str
    series: str
    label: Text
    departments: list[str]
    procedures: list[str] = []
    order: int = 100
    minutes: int = 10
    first_number: int = 1
    alert_minutes: int = 60
    shared: bool = False


class Counter(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    id: str
    number: str
    department: str
    queues: list[str]
    label: Text | None = None


class Board(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    id: str
    name: Text
    queues: list[str]
    orientation: Literal["landscape", "portrait"] = "landscape"
    languages: list[str] = msgspec.field(default_factory=lambda: ["ja", "en", "zh", "ko"])


class Printer(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A thermal receipt printer speaking ESC/POS: ``tcp://host:9100`` (raw network port) or
    ``usb:/dev/usb/lp0`` (the kernel's USB printer device). ``width`` is the printable width
    in dots (576 for 80 mm paper, 384 for 58 mm, at 203 dpi)."""

    id: str
    name: Text
    address: str
    width: int = 576


class Kiosk(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A walk-in ticket machine (発券機) and the printer beside it ("" = screen only)."""

    id: str
    name: Text
    printer: str = ""
    orientation: Literal["portrait", "landscape"] = "portrait"


class WaitBand(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Estimated waits are shown in bands: ``below`` minutes (0 = open-ended last band)."""

    below: int
    label: Text


class NoShowRule(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """What happens to a called visitor who does not come.

    ``requeue``: ``keep_place`` puts them back at their original place, ``back`` at the end,
    ``drop`` ends the visit. After ``max_requeues`` requeues the visit is dropped.
    """

    requeue: Literal["keep_place", "back", "drop"] = "back"
    max_requeues: int = 1


class StepOutRule(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Stepping out while waiting (「いったん外出します」, ``step_out`` in a site file).

    A visitor out keeps their place but is not called: a counter reaching them calls the next
    visitor present and asks them to return. Back by ``back_by`` + ``grace_minutes`` they are
    called ``on_return = "next"`` (at the head of the line once their turn has passed) or in
    their own ``"place"``; later, the no-show rule applies. ``max_minutes``: the longest
    outing allowed; ``self_mark``: visitors may mark it on their own page; they are asked to
    come back when ``notify_ahead`` or fewer are ahead, or the wait is ``notify_minutes`` or
    less (0 turns either off).
    """

    enabled: bool = True
    max_minutes: int = 60
    grace_minutes: int = 10
    self_mark: bool = True
    notify_ahead: int = 3
    notify_minutes: int = 15
    on_return: Literal["next", "place"] = "next"


class ProtectedCall(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """How a counter calls a protected visitor (DV・ストーカー等の支援措置, witnesses…), whose
    number must never be shown or spoken.

    ``private`` (the default): boards and voice never carry the call; the counter panel says
    "call in person / 直接お声がけ" and the visitor page (if issued) vibrates and says where to
    wait. ``alias``: boards and voice call a number of ``alias_series`` instead, drawn at
    random (three digits), so it reveals neither the ticket nor how many were protected.
    """

    mode: Literal["private", "alias"] = "private"
    alias_series: str = "R"


class Hours(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    open: str = "08:45"
    close: str = "17:30"


# The spoken and captioned lobby call (REFERENCE.md §4). ``{ticket}`` and ``{counter}`` are
# filled in by the boards; a site may override it in its own file.
DEFAULT_ANNOUNCEMENT = Text(
    ja="大変お待たせいたしました。受付番号{ticket}番の番号札でお待ちの方、{counter}番窓口へお越しください。",
    en="Thank you for waiting. Ticket number {ticket}, please come to counter {counter}.",
    zh="让您久等了。请持{ticket}号号码牌的客人到{counter}号窗口办理。",
    ko="오래 기다리셨습니다. {ticket}번 번호표를 가지신 분은 {counter}번 창구로 와 주십시오.",
)
ANNOUNCEMENT_PLACEHOLDERS = ("{ticket}", "{counter}")


class Speech(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """How the boards speak the call (``[speech]`` in a site file).

    ``wording``: what is spoken, per language, where it differs from the captioned
    ``announcement`` (e.g. a pause before the ticket); empty languages speak the announcement.
    ``repeat``: times the call is spoken in a language (default once), e.g. ``{ ja = 2 }``.
    """

    wording: Text | None = None
    repeat: dict[str, int] = {}


# --- bereavement corner (おくやみコーナー, issue 22b) -------------------------------------------


class Booth(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """One booth of a bereavement corner: the family sits here and the departments come."""

    id: str
    label: Text


class BereavementCorner(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A site's おくやみコーナー (``[bereavement]`` in its file): the booths, the departments
    whose clerks come to a booth, their typical minutes there (the family's page says roughly
    when the next one comes), the reservation slots (local start times) and how long each
    lasts, the life events offered the corner and how far ahead a booth can be booked."""

    booths: list[Booth]
    departments: list[str]
    minutes: dict[str, int] = {}
    slots: list[str] = []
    slot_minutes: int = 90
    events: list[str] = msgspec.field(default_factory=lambda: ["shibo"])
    booking_days: int = 60

    def booth(self, booth_id: str) -> Booth | None:
        """The booth with this id, or None."""
        return next((b for b in self.booths if b.id == booth_id), None)


class Site(msgspec.Struct, frozen=True, forbid_unknown_fields=True, dict=True):
    """One ward office. (``dict=True`` gives room for the lookup tables cached below.)"""

    id: str
    name: Text
    departments: list[Department]
    queues: list[Queue]
    counters: list[Counter]
    boards: list[Board] = []
    kiosks: list[Kiosk] = []
    printers: list[Printer] = []
    timezone: str = "Asia/Tokyo"
    hours: Hours = Hours()
    languages: list[str] = msgspec.field(default_factory=lambda: ["ja", "en", "zh", "ko"])
    notices: list[Text] = []
    wait_bands: list[WaitBand] = []
    no_show: NoShowRule = NoShowRule()
    step_out: StepOutRule = StepOutRule()
    recent_calls: int = 8
    announcement: Text = DEFAULT_ANNOUNCEMENT
    speech: Speech = Speech()
    bereavement: BereavementCorner | None = None
    """The site's bereavement corner (booth mode); None: the site runs none."""
    protected_call: ProtectedCall = ProtectedCall()

    @functools.cached_property
    def _queues(self) -> dict[str, Queue]:
        return {queue.id: queue for queue in self.queues}

    @functools.cached_property
    def _counters(self) -> dict[str, Counter]:
        # Views look counters up on every publish: a table, not a scan.
        return {counter.id: counter for counter in self.counters}

    def queue(self, queue_id: str) -> Queue:
        return self._queues[queue_id]

    def counter(self, counter_id: str) -> Counter:
        return self._counters[counter_id]

    def has_counter(self, counter_id: str) -> bool:
        return counter_id in self._counters

    def has_queue(self, queue_id: str) -> bool:
        return queue_id in self._queues

    def board(self, board_id: str) -> Board:
        for board in self.boards:
            if board.id == board_id:
                return board
        raise KeyError(board_id)

    def kiosk(self, kiosk_id: str) -> Kiosk | None:
        return next((k for k in self.kiosks if k.id == kiosk_id), None)

    def printer(self, printer_id: str) -> Printer | None:
        return next((p for p in self.printers if p.id == printer_id), None)

    @functools.cached_property
    def _staffed(self) -> frozenset[tuple[str, str]]:
        return frozenset((q, c.department) for c in self.counters for q in c.queues)

    def serves(self, queue_id: str, procedure_id: str, department: str) -> bool:
        """True when someone at the line can do the procedure: the line lists it, or one of
        its counters belongs to the procedure's department."""
        return (
            procedure_id in self._queues[queue_id].procedures
            or (queue_id, department) in self._staffed
        )

    def queue_for(self, procedure_id: str, department: str) -> Queue:
        """The queue that handles a procedure here: an explicit listing wins over department."""
        for queue in self.queues:
            if procedure_id in queue.procedures:
                return queue
        for queue in sorted(self.queues, key=lambda q: q.order):
            if department in queue.departments and not queue.procedures:
                return queue
        for queue in sorted(self.queues, key=lambda q: q.order):
            if department in queue.departments:
                return queue
        raise KeyError(department)


class Staff(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A staff account. ``pin_hash`` is ``scrypt$<n>$<r>$<p>$<salt hex>$<hash hex>``."""

    id: str
    name: str
    role: Literal["guide", "clerk", "supervisor"]
    sites: list[str]
    pin_hash: str
    department: str = ""


class Device(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """An enrolled display: a lobby board (``board``) or a walk-in ticket machine (``kiosk``),
    exactly one of them. ``token_sha256`` is the hex SHA-256 of its token."""

    id: str
    site: str
    token_sha256: str
    board: str = ""
    kiosk: str = ""


class Accounts(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    staff: list[Staff] = []
    devices: list[Device] = []


class DemoSignIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Plain-text sign-ins shown on the landing page of a demo deployment only."""

    label: str
    id: str = ""
    pin: str = ""
    device: str = ""
    token: str = ""


class KioskPurpose(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """One big button of the ticket machine: a life event, the answers pressing it implies,
    and at most two questions the visitor answers on the screen."""

    id: str
    event: str
    name: Text
    icon: str
    answers: dict[str, bool | str | int] = {}
    questions: list[str] = []


class KioskRules(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """``kiosk.toml``: what every ticket machine offers, and when it starts over."""

    idle_seconds: int = 60
    # Each named in itself by config/texts.toml [languages]; the kiosk's words come from there
    # too (``kiosk_*``), English filling a language's gaps.
    languages: list[str] = msgspec.field(default_factory=lambda: ["ja", "en", "zh", "ko"])
    purposes: list[KioskPurpose] = []

    def purpose(self, purpose_id: str) -> KioskPurpose | None:
        return next((p for p in self.purposes if p.id == purpose_id), None)


class Deployment(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    sites: list[str]
    note_retention_days: int = 0
    demo_sign_ins: list[DemoSignIn] = []


class Season(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A stretch of every year, ``MM-DD`` to ``MM-DD`` inclusive."""

    start: str
    end: str


class Calendar(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """``calendar.toml``: days the offices are closed besides weekends, and the busy season."""

    holidays: list[str] = []
    busy_season: Season | None = None

    def is_open(self, date: str) -> bool:
        """Offices open on weekdays that are not holidays."""
        return dt.date.fromisoformat(date).weekday() < 5 and date not in self.holidays

    def in_season(self, date: str) -> bool:
        """Whether ``date`` falls in the busy season."""
        season = self.busy_season
        return season is not None and season.start <= date[5:] <= season.end


class Config(msgspec.Struct, frozen=True):
    """Everything loaded from one configuration folder."""

    deployment: Deployment
    procedures: Procedures
    life_events: LifeEvents
    accounts: Accounts
    sites: dict[str, Site]
    texts: Texts
    calendar: Calendar = Calendar()
    kiosk: KioskRules = KioskRules()

    def site(self, site_id: str) -> Site:
        return self.sites[site_id]
