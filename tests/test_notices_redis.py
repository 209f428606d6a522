"""Two hub processes on one Redis: both see the call, exactly one of them sends the notice,
and both sign with the one VAPID key the first of them made (a subscription is bound to it)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import redis

from tests.support.desk import INTAKE, SITE, Desk
from tests.support.live import LiveServer
from tests.support.push_receiver import Receiver, subscribe, verify_vapid
from tests.support.redis_proc import RedisServer

ENV = {"MADOGUCHI_RATE_LIMITS": "0", "MADOGUCHI_SPEECH_ENGINES": "", "MADOGUCHI_PUSH_LOOPBACK": "1"}


@pytest.fixture
def pair(tmp_path: Path, redis_server: RedisServer) -> Iterator[tuple[LiveServer, LiveServer]]:
    redis.Redis(port=redis_server.port).flushall()
    a = LiveServer(tmp_path / "a", store=redis_server.url, **ENV)
    b = LiveServer(tmp_path / "b", store=redis_server.url, **ENV)
    a.start()
    b.start()
    yield a, b
    a.stop()
    b.stop()


def test_each_notice_is_sent_once_by_one_of_two_processes(
    pair: tuple[LiveServer, LiveServer], redis_server: RedisServer
) -> None:
    a, b = pair
    key = httpx.get(a.url + "/visit/notices.json").json()["key"]
    assert httpx.get(b.url + "/visit/notices.json").json()["key"] == key
    with Receiver() as receiver, Desk(a, "guide01", "1111") as guide:
        me = guide.run("CreateVisit", intake={**INTAKE, "language": "ja"})
        sub = receiver.subscription("push/me")
        assert subscribe(a, me["token"], sub).status_code == 200  # a follows the site now
        with Desk(b, "clerk-shimin", "2222") as clerk:  # and b, where the clerk works
            clerk.run("OpenCounter", counter="c1")
            for server in (a, b):  # both follow the site's log: both will see the call
                assert httpx.get(server.url + "/healthz").json()["sites"][SITE]["following"]
            clerk.run("CallTicket", counter="c1", visit=me["visit"])
            [push] = receiver.wait_for("push/me")
            verify_vapid(push, key, receiver.origin)
            assert sub.decrypt(push)["kind"] == "called"
            # Both processes have looked at the call by the time each has sent a later
            # notice of its own (one subscription made through each, due at once).
            for n, server in enumerate((a, b)):
                other = guide.run("CreateVisit", intake=INTAKE)
                barrier = receiver.subscription(f"push/barrier{n}")
                assert subscribe(server, other["token"], barrier, ahead=50).status_code == 200
                receiver.wait_for(f"push/barrier{n}")
            time.sleep(0.2)
            assert len(receiver.to("push/me")) == 1
