"""Sign-in throttling per id and address (nobody locks a colleague out from afar), and an
audit record per sign-in and failed sign-in in the security log (real server, real store).

The server trusts X-Forwarded-For from 127.0.0.1 (uvicorn's proxy headers), which stands in
for requests from other machines here."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import msgspec

from server.domain.events import SignedIn, SignInFailed
from server.log.backends import open_log
from server.security.sessions import SecuritySnapshot
from tests.support.live import LiveServer, login

ATTACKER = "203.0.113.66"
COLLEAGUE_DESK = "192.0.2.10"
NEW_PHONE = "192.0.2.77"


def sign_in(server: LiveServer, staff: str, pin: str, address: str) -> httpx.Response:
    return httpx.post(
        server.url + "/api/login",
        json={"id": staff, "pin": pin},
        headers={"Origin": server.url, "X-Forwarded-For": address},
    )


def test_guessing_from_one_address_backs_off_exponentially(live: LiveServer) -> None:
    for _ in range(3):
        assert sign_in(live, "super01", "0000", ATTACKER).status_code == 401
    # Past three free tries the address must wait, even with the right PIN.
    refused = sign_in(live, "super01", "9999", ATTACKER)
    assert refused.status_code == 429
    assert refused.json()["code"] == "rate_limited"
    assert int(refused.headers["Retry-After"]) >= 1


def test_a_colleague_is_not_locked_out_by_guesses_from_elsewhere(live: LiveServer) -> None:
    assert sign_in(live, "super01", "9999", COLLEAGUE_DESK).status_code == 200
    for _ in range(40):  # the attacker keeps trying; most are refused before any PIN check
        sign_in(live, "super01", "0000", ATTACKER)
    assert sign_in(live, "super01", "9999", COLLEAGUE_DESK).status_code == 200
    assert sign_in(live, "super01", "9999", NEW_PHONE).status_code == 200


def test_spraying_many_ids_from_one_address_backs_off(live: LiveServer) -> None:
    for n in range(10):
        assert sign_in(live, f"nobody{n}", "0000", ATTACKER).status_code == 401
    assert sign_in(live, "guide01", "0000", ATTACKER).status_code == 429
    assert sign_in(live, "guide01", "1111", COLLEAGUE_DESK).status_code == 200


def test_every_sign_in_and_failure_is_in_the_security_log(live: LiveServer, tmp_path: Path) -> None:
    assert sign_in(live, "guide01", "1234", NEW_PHONE).status_code == 401
    assert sign_in(live, "guide01", "1111", NEW_PHONE).status_code == 200
    assert sign_in(live, "<script>", "1", ATTACKER).status_code == 401

    async def read() -> list[tuple[str, str, str]]:
        store = open_log(live.store)
        await store.open()
        try:
            records = await store.read("_security", 0)
        finally:
            await store.close()
        return [
            (type(e).__name__, e.staff, e.address)
            for r in records
            for e in r.events
            if isinstance(e, SignedIn | SignInFailed)
        ]

    assert asyncio.run(read()) == [
        ("SignInFailed", "guide01", NEW_PHONE),
        ("SignedIn", "guide01", NEW_PHONE),
        ("SignInFailed", "<script>", ATTACKER),
    ]


async def test_parallel_guesses_do_not_slip_past_the_back_off(live: LiveServer) -> None:
    async with httpx.AsyncClient(base_url=live.url) as http:
        replies = await asyncio.gather(
            *(
                http.post(
                    "/api/login",
                    json={"id": "super01", "pin": f"{n:04d}"},
                    headers={"Origin": live.url, "X-Forwarded-For": ATTACKER},
                )
                for n in range(30)
            )
        )
    statuses = [r.status_code for r in replies]
    assert statuses.count(401) == 3  # the free tries; every other one waited
    assert statuses.count(429) == 27


def test_the_security_log_is_snapshotted_for_a_fast_restart(live: LiveServer) -> None:
    cookie = login(live, "guide01", "1111")
    httpx.post(
        live.url + "/api/logout", headers={"Cookie": cookie, "Origin": live.url}
    ).raise_for_status()
    for _ in range(3):
        assert sign_in(live, "super01", "0000", ATTACKER).status_code == 401
    live.stop()  # a snapshot of the security log is saved on the way out
    live.start()

    async def saved() -> SecuritySnapshot:
        store = open_log(live.store)
        await store.open()
        try:
            snapshot = await store.load_snapshot("_security")
        finally:
            await store.close()
        assert snapshot is not None
        return msgspec.msgpack.decode(snapshot[1], type=SecuritySnapshot)

    snapshot = asyncio.run(saved())
    assert snapshot.seq == 5  # a sign-in, a logout, three failures
    assert ("super01", ATTACKER, 3) in [p[:3] for p in snapshot.throttle.pairs]
    assert "guide01" in snapshot.ended
    assert httpx.get(live.url + "/api/me", headers={"Cookie": cookie}).status_code == 401
