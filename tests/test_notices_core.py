"""Notices without a network: when each is due (pure), its words in the visitor's language,
which push endpoints are accepted, the dispatcher's timeouts, retries and bounded queue, and
the service on an in-process hub (once-only, purged with the visit and the day, ``return``)."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import msgspec
import pytest

from server.config.schema import Config
from server.domain import commands as c
from server.live.hub import Hub
from server.log.backends import open_log
from server.metrics import Metrics
from server.notify.book import MemoryBook
from server.notify.channels import LogOnly, Outcome, endpoint_problem
from server.notify.dispatch import Dispatcher, Job
from server.notify.service import Notices
from server.notify.triggers import Choices, Progress, due
from server.notify.wording import Message, word
from server.settings import Settings
from tests.support.harness import MOVED_IN_WITH_CHILDREN, SUPERVISOR


def progress(
    status: str = "waiting", ahead: int | None = 5, wait: int | None = 40, **more: Any
) -> Progress:
    return Progress(status, more.get("step", 0), more.get("calls", 0), ahead, wait, "A012", "3")


# --- when -------------------------------------------------------------------------------------


def test_a_notice_is_due_only_for_what_the_visitor_chose() -> None:
    everything = Choices(called=True, ahead=3, minutes=15)
    assert due(everything, progress(ahead=5, wait=40)) == []
    assert [d.kind for d in due(everything, progress(ahead=3, wait=40))] == ["ahead"]
    assert [d.kind for d in due(everything, progress(ahead=2, wait=12))] == ["ahead", "soon"]
    assert due(Choices(called=False), progress(ahead=0, wait=0)) == []
    called = due(everything, progress("called", None, None, calls=1))
    assert [(d.kind, d.values) for d in called] == [("called", {"t": "A012", "n": "3"})]
    assert due(everything, progress("serving", None, None)) == []
    # No open counter yet: no estimate, so no "about M minutes" notice.
    assert [d.kind for d in due(everything, progress(ahead=1, wait=None))] == ["ahead"]


def test_once_only_keys_repeat_for_a_recall_and_for_the_next_counter_only() -> None:
    choices = Choices(called=True, ahead=3)
    first = due(choices, progress("called", calls=1))[0].key
    assert due(choices, progress("called", calls=1))[0].key == first  # the same call
    assert due(choices, progress("called", calls=2))[0].key != first  # a recall
    ahead = due(choices, progress(ahead=2))[0].key
    assert due(choices, progress(ahead=1))[0].key == ahead  # told once per line
    assert due(choices, progress(ahead=1, step=1))[0].key != ahead  # the next counter's line


def test_a_visitor_out_who_is_asked_back_is_told_to_return_once_per_request() -> None:
    out = Progress("out", 0, 0, None, None, "A012", "", asked=1000.0)
    [back] = due(Choices(called=False), out)
    assert (back.kind, back.values) == ("return", {"t": "A012", "held": 0})
    held = Progress("out", 0, 0, None, None, "A012", "", asked=1000.0, held=True)
    assert due(Choices(), held)[0].values == {"t": "A012", "held": 1}
    assert due(Choices(), Progress("out", 0, 0, None, None, "A012", "", asked=1000.0)) == [back]
    held_later = due(Choices(), Progress("out", 0, 0, None, None, "A012", "", asked=1300.0))
    assert held_later[0].key != back.key  # a held call after "turn near": told again
    assert due(Choices(), Progress("out", 0, 0, None, None, "A012", "")) == []  # not asked yet


def test_choices_are_checked() -> None:
    assert Choices(ahead=3, minutes=30).check() == ""
    assert Choices(ahead=-1).check() and Choices(minutes=0).check()
    assert Choices(minutes=10_000).check()


# --- words ------------------------------------------------------------------------------------


def test_notices_are_worded_in_the_visitors_language_with_english_filling_gaps(
    config: Config,
) -> None:
    site = config.site("shimogyo")
    url = "https://x/visit/shimogyo/t"
    called = word(config, site, "ko", "called", {"t": "A012", "n": "3"}, url)
    assert (called.title, called.body, called.lang) == (
        "[호출] A012 → 3번 창구",
        "3번 창구로 와 주세요",
        "ko",
    )
    assert word(config, site, "ja", "ahead", {"t": "A012", "n": 0}, url).body == "次にお呼びします"
    assert word(config, site, "en", "ahead", {"t": "A012", "n": 2}, url).body == "2 ahead of you"
    soon = word(config, site, "de", "soon", {"t": "A012", "n": 15}, url)
    assert soon.body == "Geschätzte Wartezeit: etwa 15 Min."
    back = {
        lang: word(config, site, lang, "return", {"t": "A012"}, url)
        for lang in config.texts.languages
    }
    english = back["en"].body
    # Every language with words of its own says "please come back" in them; Burmese reads
    # English until a checked translation exists, sign-language users read Japanese.
    assert back["my"].body == english and back["sgn"].body == back["ja"].body
    own = [lang for lang, language in config.texts.languages.items() if not language.texts]
    assert len(own) == 14
    assert all(back[lang].body != english for lang in own if lang != "en")
    # Titled with the ticket (and the office, or the stepping-out banner's 「お戻りください」).
    assert back["ja"].title.startswith("A012 — ")
    assert word(config, site, "xx", "test", {"t": "A012"}, url).body == "Notifications are working."


# --- where ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("endpoint", "loopback", "ok"),
    [
        ("https://fcm.googleapis.com/fcm/send/abc", False, True),
        ("https://web.push.apple.com/QGx", False, True),
        ("http://fcm.googleapis.com/fcm/send/abc", False, False),
        ("https://10.0.0.5/push", False, False),
        ("https://192.168.1.1/push", False, False),
        ("https://127.0.0.1:8443/push", False, False),
        ("http://127.0.0.1:9000/push", True, True),
        ("http://localhost:9000/push", True, True),
        ("http://10.0.0.5/push", True, False),
        ("file:///etc/passwd", True, False),
    ],
)
def test_push_endpoints_must_be_public_https(endpoint: str, loopback: bool, ok: bool) -> None:
    assert (endpoint_problem(endpoint, loopback) == "") is ok


# --- sending ----------------------------------------------------------------------------------


class Scripted:
    """A channel whose answers the test scripts (``hang``: never answers)."""

    name = "scripted"

    def __init__(self, *outcomes: str) -> None:
        self.outcomes = list(outcomes)
        self.tries: list[float] = []

    def check(self, contact: dict[str, Any]) -> str:
        return ""

    async def send(self, contact: dict[str, Any], message: Message, timeout: float) -> Outcome:
        self.tries.append(time.monotonic())
        outcome = self.outcomes.pop(0) if self.outcomes else "sent"
        if outcome == "hang":
            await asyncio.sleep(3600)  # ignores its timeout: the dispatcher must not
        return outcome  # type: ignore[return-value]

    async def close(self) -> None:
        return None


def job(visit: str = "v1") -> Job:
    return Job("s", visit, "scripted", {}, Message("called", "t", "b", "ja", "tag", "/"))


async def test_failed_sends_are_retried_with_backoff_and_gone_contacts_deleted() -> None:
    channel = Scripted("retry", "hang", "sent", "gone")
    gone: list[tuple[str, str]] = []

    async def on_gone(site: str, visit: str) -> None:
        gone.append((site, visit))

    dispatcher = Dispatcher({"scripted": channel}, on_gone, workers=1, timeout=0.05, backoff=0.05)
    dispatcher.start()
    try:
        assert dispatcher.offer(job())
        async with asyncio.timeout(5):
            while dispatcher.counts[("scripted", "sent")] < 1:  # noqa: ASYNC110 (polling what a worker task changes)
                await asyncio.sleep(0.01)
        # A retry, a hung send cut off after its timeout (+1 s grace), then sent.
        assert len(channel.tries) == 3
        first, second, third = channel.tries
        assert second - first >= 0.04 and third - second >= 0.08  # backoff doubles
        assert dispatcher.offer(job("v2"))
        async with asyncio.timeout(5):
            while not gone:  # noqa: ASYNC110 (polling what a worker task changes)
                await asyncio.sleep(0.01)
        assert gone == [("s", "v2")]
    finally:
        await dispatcher.stop()


async def test_the_queue_is_bounded_and_offering_never_waits() -> None:
    channel = Scripted(*["hang"] * 10)

    async def on_gone(site: str, visit: str) -> None:
        return None

    dispatcher = Dispatcher({"scripted": channel}, on_gone, size=3, workers=1, timeout=30)
    dispatcher.start()
    try:
        await asyncio.sleep(0)
        # Offering is a plain call that answers at once (never awaits a send), even while the
        # one worker hangs on the push service: past the queue's size, jobs are dropped.
        offered = [dispatcher.offer(job(f"v{n}")) for n in range(6)]
        assert all(isinstance(answer, bool) for answer in offered)
        assert offered.count(False) >= 2
        assert dispatcher.counts[("scripted", "dropped")] == offered.count(False)
    finally:
        await dispatcher.stop()


# --- the service on an in-process hub ---------------------------------------------------------


async def test_the_service_tells_once_purges_with_the_visit_and_the_day_and_sends_return(
    config: Config,
) -> None:
    hub = Hub(config, open_log("memory:"), Metrics(), heartbeat=0)
    await hub.start()
    settings = Settings(secret="s" * 32, notifiers=("log",))
    book = MemoryBook()
    notices = Notices(config, settings, hub, book, "https://madoguchi.example")
    await notices.start()
    site = hub.site_hub("shimogyo")
    ids = iter(range(1000))

    async def run(command: c.Command) -> Any:
        return await site.execute(SUPERVISOR, f"cmd-{next(ids)}", command)

    log_channel = notices.notifiers["log"]
    assert isinstance(log_channel, LogOnly)

    async def sent(count: int) -> list[Message]:
        async with asyncio.timeout(5):
            while len(log_channel.sent) < count:  # noqa: ASYNC110 (polling what a worker task changes)
                await asyncio.sleep(0.01)
        await asyncio.sleep(0.1)
        return list(log_channel.sent)

    try:
        visits = [await run(c.CreateVisit(intake=MOVED_IN_WITH_CHILDREN)) for _ in range(3)]
        done, stays, me = (site.state.visits[a.visit] for a in visits)
        for visit in (done, stays, me):
            await notices.subscribe(site, visit, "log", {}, Choices(called=True), "en")
        assert len(await book.entries("shimogyo")) == 3

        await run(c.OpenCounter(counter="c1"))
        await run(c.CallTicket(counter="c1", visit=me.id))
        [called] = await sent(1)
        assert (called.kind, called.body, called.url) == (
            "called",
            "Please go to counter 1",
            f"https://madoguchi.example/visit/shimogyo/{me.token}",
        )
        await notices.evaluate(site)  # looking again sends nothing new
        assert len(await sent(1)) == 1

        # Another feature (the stepping-out window) asks the visitor back: one call.
        assert await notices.notify("shimogyo", stays.id, "return", once="return:1")
        back = (await sent(2))[-1]
        assert back.kind == "return" and back.body.startswith("Your turn is near")
        assert not await notices.notify("shimogyo", stays.id, "return", once="return:1")

        # A cancelled visit loses its subscription; the day's close takes the rest.
        await run(c.CancelVisit(visit=done.id))
        await notices.evaluate(site)
        assert set(await book.entries("shimogyo")) == {stays.id, me.id}
        await run(c.CloseDay())
        await notices.evaluate(site)
        assert await book.entries("shimogyo") == {}
        assert not await notices.notify("shimogyo", stays.id, "return")
    finally:
        await notices.stop()
        await hub.stop()


def test_entries_survive_a_secret_only_as_long_as_it_is_the_same() -> None:
    """An entry sealed under another secret cannot be opened: it is treated as gone."""
    # (The service deletes entries it cannot open; checked through its sealing directly.)
    from server.notify.service import Entry

    entry = Entry("log", {"endpoint": "x"}, Choices(), "ja", "2026-03-30", "tok")
    one = Notices.__new__(Notices)
    two = Notices.__new__(Notices)
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    one._key, two._key = AESGCM(b"1" * 32), AESGCM(b"2" * 32)
    blob = one._seal("s", "v", entry)
    assert one._open("s", "v", blob) == entry
    assert two._open("s", "v", blob) is None
    assert one._open("s", "other-visit", blob) is None  # bound to its visit
    assert b"endpoint" not in blob and msgspec.msgpack.encode(entry) not in blob


class TwoServices:
    """Two push services: ``slow.example`` always times out, ``fast.example`` answers."""

    name = "scripted"

    def __init__(self) -> None:
        self.in_flight = 0
        self.most_in_flight = 0
        self.fast: list[float] = []

    def check(self, contact: dict[str, Any]) -> str:
        return ""

    async def send(self, contact: dict[str, Any], message: Message, timeout: float) -> Outcome:
        if "fast" in contact["endpoint"]:
            self.fast.append(time.monotonic())
            return "sent"
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            await asyncio.sleep(timeout)
        finally:
            self.in_flight -= 1
        return "retry"

    async def close(self) -> None:
        return None


async def test_a_push_service_that_times_out_gets_one_send_at_a_time() -> None:
    channel = TwoServices()

    async def on_gone(site: str, visit: str) -> None:
        return None

    def to(host: str, n: int) -> Job:
        return Job("s", f"v{n}", "scripted", {"endpoint": f"https://{host}/{n}"},
                   Message("called", "t", "b", "ja", "tag", "/"))  # fmt: skip

    dispatcher = Dispatcher({"scripted": channel}, on_gone, workers=2, timeout=0.2, attempts=1)
    dispatcher.start()
    try:
        dispatcher.offer(to("slow.example", 0))
        async with asyncio.timeout(2):
            while dispatcher.counts[("scripted", "retry")] < 1:  # noqa: ASYNC110 (polling what a worker task changes)
                await asyncio.sleep(0.01)
        # Known slow now: of its next three jobs only one is in flight at a time, and a job
        # for another service behind them goes out at once.
        for n in range(1, 4):
            dispatcher.offer(to("slow.example", n))
        offered = time.monotonic()
        dispatcher.offer(to("fast.example", 9))
        async with asyncio.timeout(2):
            while not channel.fast:  # noqa: ASYNC110 (polling what a worker task changes)
                await asyncio.sleep(0.01)
        assert channel.fast[0] - offered < 0.1
        async with asyncio.timeout(5):
            while dispatcher.counts[("scripted", "retry")] < 4:  # noqa: ASYNC110 (polling what a worker task changes)
                await asyncio.sleep(0.01)
        assert channel.most_in_flight == 1
    finally:
        await dispatcher.stop()


async def test_a_protected_visitor_is_told_without_the_ticket_or_the_counter(
    config: Config,
) -> None:
    """A notice shows on the phone's lock screen: a protected visitor called in person reads
    'stay where you are', never their ticket nor the counter (issue 22)."""
    hub = Hub(config, open_log("memory:"), Metrics(), heartbeat=0)
    await hub.start()
    notices = Notices(
        config,
        Settings(secret="s" * 32, notifiers=("log",)),
        hub,
        MemoryBook(),
        "https://m.example",
    )
    await notices.start()
    site = hub.site_hub("shimogyo")
    log_channel = notices.notifiers["log"]
    assert isinstance(log_channel, LogOnly)
    try:
        ack = await site.execute(
            SUPERVISOR, "p-1", c.CreateVisit(intake=MOVED_IN_WITH_CHILDREN, protect="支援措置")
        )
        visit = site.state.visits[ack.visit]
        await notices.subscribe(site, visit, "log", {}, Choices(called=True), "en")
        await site.execute(SUPERVISOR, "p-2", c.OpenCounter(counter="c1"))
        await site.execute(SUPERVISOR, "p-3", c.CallTicket(counter="c1", visit=visit.id))
        async with asyncio.timeout(5):
            while not log_channel.sent:  # noqa: ASYNC110 (polling what a worker task changes)
                await asyncio.sleep(0.01)
        [called] = log_channel.sent
        assert called.body == "Please stay where you are: a member of staff is coming to you"
        assert visit.ticket not in f"{called.title} {called.body} {called.tag}"
        assert "counter" not in called.body.lower()
    finally:
        await notices.stop()
        await hub.stop()
