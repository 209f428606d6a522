"""Notices to a visitor who steps out, on a real push path over loopback.

A real server process sends standard Web Push (aes128gcm, VAPID) to a push service running in
the test (tests/support/push_receiver.py); the test decrypts each request with the keys of the
subscription it made as a browser would, verifies the VAPID JWT with the server's public key
(``aud`` = the receiver's origin), and checks the words. A real Chromium then shows the
decrypted notice through the visitor page's own service worker (delivered with the DevTools
``ServiceWorker.deliverPushMessage``: Chromium's push service is unreachable offline, and
headless contexts refuse PushManager.subscribe). At the end the day is closed and the
subscription book on disk is empty.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.support.a11y import audit
from tests.support.desk import INTAKE, SITE, Desk
from tests.support.live import LiveServer
from tests.support.push_receiver import Receiver, subscribe, verify_vapid
from tests.support.screenshots import save

NOTICE_TIMEOUT = 1.0


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    with Receiver() as push_service:
        yield push_service


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    live = LiveServer(
        tmp_path_factory.mktemp("notices"),
        MADOGUCHI_SPEECH_ENGINES="",
        MADOGUCHI_RATE_LIMITS="0",
        MADOGUCHI_PUSH_LOOPBACK="1",  # the receiver is on http://127.0.0.1
        MADOGUCHI_NOTICE_TIMEOUT=str(NOTICE_TIMEOUT),
        MADOGUCHI_NOTICE_BACKOFF="0.2",
        MADOGUCHI_NOTICE_ATTEMPTS="2",
    )
    live.start()
    yield live
    live.stop()


@pytest.fixture(scope="module")
def desks(server: LiveServer) -> Iterator[dict[str, Desk]]:
    made = {
        "guide": Desk(server, "guide01", "1111"),
        "clerk": Desk(server, "clerk-shimin", "2222"),
        "super": Desk(server, "super01", "9999"),
    }
    yield made
    for desk in made.values():
        desk.close()


def server_key(server: LiveServer) -> str:
    key: str = httpx.get(server.url + "/visit/notices.json").json()["key"]
    return key


def visit(desks: dict[str, Desk], language: str = "ja") -> dict[str, Any]:
    return desks["guide"].run("CreateVisit", intake={**INTAKE, "language": language})


def book_rows(server: LiveServer) -> list[tuple[str, bytes]]:
    path = Path(server.store.removeprefix("sqlite:")).parent / "push.sqlite"
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        return [(v, bytes(e)) for v, e in db.execute("SELECT visit, entry FROM subscriptions")]


def test_called_and_n_ahead_arrive_encrypted_signed_and_in_the_visitors_language(
    server: LiveServer, receiver: Receiver, desks: dict[str, Desk]
) -> None:
    first, _second = visit(desks), visit(desks)
    me = visit(desks, "vi")
    sub = receiver.subscription("push/me")
    reply = subscribe(server, me["token"], sub, lang="vi", ahead=1)
    assert reply.status_code == 200, reply.text
    assert receiver.to("push/me") == []  # two ahead: nothing due yet

    clerk = desks["clerk"]
    clerk.run("OpenCounter", counter="c1")
    clerk.run("CallTicket", counter="c1", visit=first["visit"])  # one ahead now
    [push] = receiver.wait_for("push/me")
    key = server_key(server)
    verify_vapid(push, key, receiver.origin)
    assert int(push.headers["ttl"]) > 0
    notice = sub.decrypt(push)
    assert notice["kind"] == "ahead"
    assert notice["body"] == "1 người trước bạn"  # "1 ahead of you" in Vietnamese
    assert notice["title"].startswith(me["ticket"])
    assert notice["lang"] == "vi"
    assert notice["url"].endswith(f"/visit/{SITE}/{me['token']}")

    clerk.run("OpenCounter", counter="c2")
    clerk.run("CallTicket", counter="c2", visit=me["visit"])
    pushes = receiver.wait_for("push/me", 2)
    verify_vapid(pushes[1], key, receiver.origin)
    called = sub.decrypt(pushes[1])
    assert called["kind"] == "called"
    assert called["title"] == f"[Gọi] {me['ticket']} → quầy 2"
    assert called["body"] == "Vui lòng đến quầy 2"
    assert pushes[1].headers["urgency"] == "high"

    # Once per call: other changes do not repeat it; a recall is a new call and is told.
    clerk.run("Recall", counter="c2")
    third = sub.decrypt(receiver.wait_for("push/me", 3)[2])
    assert third["kind"] == "called"
    clerk.run("StartServing", counter="c2")
    clerk.run("StartServing", counter="c1")
    time.sleep(0.3)
    assert len(receiver.to("push/me")) == 3


def test_the_estimated_wait_notice_and_a_wrong_subscription_refused(
    server: LiveServer, receiver: Receiver, desks: dict[str, Desk]
) -> None:
    me = visit(desks, "en")
    sub = receiver.subscription("push/soon")
    assert (
        subscribe(server, me["token"], sub, lang="en", called=False, minutes=240).status_code == 200
    )
    notice = sub.decrypt(receiver.wait_for("push/soon")[0])
    assert notice["kind"] == "soon"
    assert notice["body"].startswith("Estimated wait: about ")

    # The page's test button, then "turn off": the subscription is gone from the book.
    page = f"{server.url}/visit/{SITE}/{me['token']}/notices"
    origin = {"Origin": server.origin}
    assert httpx.post(page + "/test", headers=origin).json() == {"ok": True, "subscribed": True}
    test = sub.decrypt(receiver.wait_for("push/soon", 2)[1])
    assert (test["kind"], test["body"]) == ("test", "Notifications are working.")
    assert httpx.delete(page, headers=origin).status_code == 200
    assert me["visit"] not in {v for v, _ in book_rows(server)}
    again = httpx.post(page + "/test", headers=origin)  # and at most one test per 10 s
    assert again.status_code == 429 and again.json()["code"] == "rate_limited"

    # A push endpoint on the office's network, a bad key, bad choices: refused, coded.
    bad = sub.json()
    for contact, choices in [
        ({**bad, "endpoint": "http://10.0.0.5/push"}, {}),
        ({**bad, "keys": {}}, {}),
        (bad, {"ahead": -1}),
    ]:
        reply = httpx.post(
            f"{server.url}/visit/{SITE}/{me['token']}/notices",
            json={"contact": contact, "choices": choices},
            headers={"Origin": server.origin},
        )
        assert reply.status_code == 400 and reply.json()["code"] == "invalid", reply.text
    unknown = subscribe(server, "no-such-token-xyz", sub)
    assert unknown.status_code == 404 and unknown.json()["code"] == "unknown_visit"
    cross_site = httpx.post(
        f"{server.url}/visit/{SITE}/{me['token']}/notices",
        json={"contact": bad},
        headers={"Origin": "https://evil.example"},
    )
    assert cross_site.status_code == 403


def test_a_push_service_that_hangs_does_not_slow_calls_and_410_deletes(
    server: LiveServer, receiver: Receiver, desks: dict[str, Desk]
) -> None:
    clerk = desks["clerk"]
    hanging = [visit(desks) for _ in range(8)]  # twice the dispatcher's workers
    for n, v in enumerate(hanging):
        assert subscribe(server, v["token"], receiver.subscription(f"hang/{n}")).status_code == 200
    # Another push service (another origin: "localhost"), whose subscription has expired.
    gone = visit(desks)
    elsewhere = receiver.subscription("gone/1", host="localhost")
    assert subscribe(server, gone["token"], elsewhere).status_code == 200
    clerk.run("OpenCounter", counter="c3")
    times = []
    for n, v in enumerate(hanging):
        started = time.monotonic()
        clerk.run("CallTicket", counter="c3", visit=v["visit"])
        times.append(time.monotonic() - started)
        if n < 4:  # the workers are free: the push goes out at once, and hangs
            receiver.wait_for(f"hang/{n}", timeout=NOTICE_TIMEOUT * 4)
        else:  # every worker is stuck: the notice waits in the queue (looked at in 50 ms)
            time.sleep(0.2)
        if n < len(hanging) - 1:
            clerk.run("ReturnToQueue", counter="c3")  # free the counter for the next call
    # Each call is acknowledged although every push to this service hangs: a call held up by
    # a send would take the whole send timeout.
    assert max(times) < NOTICE_TIMEOUT, times
    # Hung sends time out and are retried with backoff; the service is now known to be slow.
    deadline = time.monotonic() + NOTICE_TIMEOUT * 6
    while 'outcome="retry"' not in httpx.get(server.url + "/metrics").text:
        assert time.monotonic() < deadline, "no send timed out"
        time.sleep(0.05)
    # The calls keep going, and the other push service is not held up behind the hanging
    # one (one send at a time goes to a slow service, the other workers stay free).
    clerk.run("OpenCounter", counter="c4")
    started = time.monotonic()
    clerk.run("CallTicket", counter="c4", visit=gone["visit"])
    assert time.monotonic() - started < NOTICE_TIMEOUT
    [push] = receiver.wait_for("gone/1", timeout=NOTICE_TIMEOUT * 8)
    assert push.at - started < 0.5 * NOTICE_TIMEOUT, push.at - started
    # The 410 deletes the subscription: a recall is not sent to it again.
    deadline = time.monotonic() + 5
    while gone["visit"] in {v for v, _ in book_rows(server)}:
        assert time.monotonic() < deadline
        time.sleep(0.02)
    clerk.run("Recall", counter="c4")
    barrier = visit(desks)
    sub = receiver.subscription("push/barrier", host="localhost")
    assert subscribe(server, barrier["token"], sub, ahead=50).status_code == 200
    receiver.wait_for("push/barrier", timeout=NOTICE_TIMEOUT * 8)
    assert len(receiver.to("gone/1")) == 1
    clerk.run("NoShow", counter="c4")
    clerk.run("CloseCounter", counter="c4")
    receiver.release.set()  # the push service recovers: its held requests are answered
    metrics = httpx.get(server.url + "/metrics").text
    assert 'madoguchi_notices_total{channel="webpush",outcome="gone"} 1' in metrics


def open_visitor(browser: Browser, server: LiveServer, token: str) -> Page:
    context = browser.new_context(locale="ja-JP", viewport={"width": 390, "height": 844})
    context.grant_permissions(["notifications"], origin=server.url)
    page = context.new_page()
    page.goto(f"{server.url}/visit/{SITE}/{token}")
    expect(page.locator("#link")).to_have_attribute("data-link", "live")
    return page


def deliver(page: Page, server: LiveServer, payload: dict[str, Any]) -> None:
    """Hand a decrypted push to the page's service worker, as the browser does when its push
    service delivers one (DevTools protocol; the registration id comes from its events)."""
    cdp = page.context.new_cdp_session(page)
    registrations: list[dict[str, Any]] = []
    cdp.on(
        "ServiceWorker.workerRegistrationUpdated",
        lambda event: registrations.extend(event["registrations"]),
    )
    cdp.send("ServiceWorker.enable")
    deadline = time.monotonic() + 10
    while not any(r["scopeURL"].endswith("/visit/") for r in registrations):
        assert time.monotonic() < deadline, "the visitor page's service worker is not registered"
        page.wait_for_timeout(50)
    [registration] = [r for r in registrations if r["scopeURL"].endswith("/visit/")][-1:]
    cdp.send(
        "ServiceWorker.deliverPushMessage",
        {
            "origin": server.url,
            "registrationId": registration["registrationId"],
            "data": json.dumps(payload, ensure_ascii=False),
        },
    )


NOTIFICATIONS = """async () => {
  const registration = await navigator.serviceWorker.getRegistration("/visit/");
  const shown = await registration.getNotifications();
  return shown.map((n) =>
    ({ title: n.title, body: n.body, lang: n.lang, tag: n.tag, data: n.data }));
}"""


def test_the_service_worker_shows_called_and_n_ahead_with_the_page_closed(
    browser: Browser, server: LiveServer, receiver: Receiver, desks: dict[str, Desk]
) -> None:
    clerk = desks["clerk"]
    visit(desks)  # someone ahead
    me = visit(desks)
    page = open_visitor(browser, server, me["token"])
    # The choices are offered in the page's language, with the iOS advice where it applies.
    expect(page.locator("#notices-title")).to_have_text("外出中もお知らせ")
    expect(page.locator("#n-called")).to_be_checked()
    # Installable (iOS pushes only to a Home Screen web app), opening this very ticket.
    href = page.locator('link[rel="manifest"]').get_attribute("href")
    manifest = httpx.get(server.url + str(href)).json()
    assert manifest["start_url"] == f"/visit/{SITE}/{me['token']}"
    assert (manifest["display"], manifest["scope"]) == ("standalone", "/visit/")
    page.locator("#n-ahead-on").check()
    page.locator("#n-ahead").select_option("1")
    save(page.locator("#notices"), "visitor-notices-ja.png")  # audited for accessibility too
    page.locator("#n-on").click()
    # A headless (incognito) Chromium refuses PushManager.subscribe: the page says so plainly
    # and tells the visitor to keep it open; the service worker is registered all the same.
    expect(page.locator("#notices-status")).to_have_text(
        "通知を設定できませんでした。ページを開いたままお待ちください。"
    )
    audit(page, "visitor notices: could not be set up")
    # The push path itself: the server's real push, decrypted as the browser would (the
    # visitor asked to be told at 20 ahead or fewer: due at once)...
    page_says = page.locator("#status-detail").inner_text()
    assert page_says.startswith("あなたの前に"), page_says
    sub = receiver.subscription("push/browser")
    assert subscribe(server, me["token"], sub, lang="ja", ahead=20).status_code == 200
    ahead = sub.decrypt(receiver.wait_for("push/browser")[0])
    # ...then shown by the page's service worker with the page gone.
    worker_page = page.context.new_page()
    worker_page.goto(f"{server.url}/visit/notices.json")
    page.close()
    deliver(worker_page, server, ahead)
    worker_page.wait_for_function(
        """async () => (await (await navigator.serviceWorker.getRegistration("/visit/"))
            .getNotifications()).length === 1"""
    )
    [shown] = worker_page.evaluate(NOTIFICATIONS)
    assert shown["title"] == f"{me['ticket']} — 下京区役所"
    assert shown["body"] == page_says  # the notice says what the page says
    assert shown["lang"] == "ja" and shown["tag"] == f"madoguchi-{me['ticket']}"

    clerk.run("OpenCounter", counter="c4")
    clerk.run("CallTicket", counter="c4", visit=me["visit"])
    called = sub.decrypt(receiver.wait_for("push/browser", 2)[1])
    deliver(worker_page, server, called)
    worker_page.wait_for_function(
        """async () => (await (await navigator.serviceWorker.getRegistration("/visit/"))
            .getNotifications()).some((n) => n.title.startsWith("【お呼び出し】"))"""
    )
    # One notification per ticket: the call replaced the "next" notice.
    [shown] = worker_page.evaluate(NOTIFICATIONS)
    assert shown["title"] == f"【お呼び出し】{me['ticket']} → 4番窓口"
    assert shown["body"] == "4番窓口へお越しください"
    assert shown["data"]["url"].endswith(f"/visit/{SITE}/{me['token']}")
    worker_page.context.close()


def test_subscriptions_and_the_vapid_key_survive_a_restart(
    server: LiveServer, receiver: Receiver, desks: dict[str, Desk]
) -> None:
    key = server_key(server)
    me = visit(desks)
    sub = receiver.subscription("push/restart")
    assert subscribe(server, me["token"], sub).status_code == 200
    server.stop()
    server.start()
    assert server_key(server) == key  # browsers' subscriptions are bound to it
    desks["super"].run("OpenCounter", counter="c5")
    desks["super"].run("CallTicket", counter="c5", visit=me["visit"])
    [push] = receiver.wait_for("push/restart")
    verify_vapid(push, key, receiver.origin)
    assert sub.decrypt(push)["kind"] == "called"


def test_at_day_end_every_subscription_is_deleted_and_none_was_kept_in_clear(
    server: LiveServer, receiver: Receiver, desks: dict[str, Desk]
) -> None:
    waiting = visit(desks)
    sub = receiver.subscription("push/evening")
    assert subscribe(server, waiting["token"], sub, ahead=0).status_code == 200
    rows = book_rows(server)
    assert waiting["visit"] in {v for v, _ in rows}
    # Sealed: neither the endpoint nor the keys are readable in the book, nor in the log.
    data_dir = Path(server.store.removeprefix("sqlite:")).parent
    for name in ("push.sqlite", "madoguchi.db"):
        for path in data_dir.glob(name + "*"):
            raw = path.read_bytes()
            assert b"push/evening" not in raw and sub.json()["keys"]["auth"].encode() not in raw
    desks["super"].run("CloseDay")
    deadline = time.monotonic() + 5
    while book_rows(server):
        assert time.monotonic() < deadline, book_rows(server)
        time.sleep(0.05)
    # A late subscription is refused: the visit is over.
    late = subscribe(server, waiting["token"], sub)
    assert late.status_code == 409 and late.json()["code"] == "visit_closed"
