"""Staff sessions that can end: idle and absolute timeouts, and revocation on every device.
Device tokens (lobby boards, kiosks) are revoked through the same log (:meth:`SessionBook.revoke`).

A session is the signed cookie (Starlette's ``SessionMiddleware``) holding the staff id, a
fresh random id, when it was issued and last used, the seq of its ``SignedIn`` record in the
security log (its generation) and a fingerprint of the staff member's PIN hash. It is valid
while:

- no ``SessionsEnded`` record for that staff member follows its ``SignedIn`` record in the
  security log (logout, or a supervisor ending the sessions of a lost phone) — every process
  folds that log (and follows it on Redis), so the check is a dictionary look-up;
- the PIN is unchanged (a new hash in ``staff.toml`` ends every older session);
- it was used within the idle timeout and issued within the absolute one.

Open WebSockets of a staff member whose sessions end are closed at once (close code 4401);
a sweep closes those idle or past their absolute limit. A device whose token is revoked has
its open WebSockets closed at once too (4403, on every process). The security log (``_security``, a
log of the same store as the sites') also holds every sign-in and failed sign-in: the audit
trail and, folded, the sign-in back-off (:mod:`server.security.signin_throttle`).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import secrets
import time
from collections.abc import AsyncIterator, Callable, MutableMapping
from typing import Any, Protocol, cast

import msgspec

from server.background import cancel_all
from server.config.schema import Device, Staff
from server.domain.commands import Actor
from server.domain.events import Event, Record, SessionsEnded, SignedIn, SignInFailed
from server.errors import Conflict, LogError, StoreUnavailable
from server.log.base import EventLog, SharedLog
from server.security.auth import ANONYMOUS, Principal, device_key, staff_principal
from server.security.signin_throttle import SignInThrottle, ThrottleState

log = logging.getLogger("madoguchi.sessions")

SECURITY_LOG = "_security"
CLOSE_SESSION_ENDED = 4401
TOUCH_EVERY = 30.0  # seconds between rewrites of a session's "last used" time
SWEEP_EVERY = 30.0
APPEND_ATTEMPTS = 8
FOLLOW_WAIT = 2.0
NOBODY = Actor("", "visitor")
SNAPSHOT_EVERY = 1000  # security log records between snapshots


class SecuritySnapshot(msgspec.Struct, frozen=True):
    """The fold of the security log up to ``seq``, so start-up reads only what came after."""

    seq: int
    last_command: str
    ended: dict[str, int]
    throttle: ThrottleState


_snapshot_encoder = msgspec.msgpack.Encoder()
_snapshot_decoder = msgspec.msgpack.Decoder(SecuritySnapshot)


class SessionSocket(Protocol):
    """An open WebSocket of a staff member (``server.live.connection.Connection``)."""

    session_gen: int
    last_active: float
    issued_at: float

    def end_session(self, reason: str) -> None: ...


class DeviceSocket(Protocol):
    """An open WebSocket of an enrolled lobby board or kiosk."""

    def token_revoked(self, reason: str) -> None: ...


def pin_fingerprint(staff: Staff) -> str:
    """Changes when the PIN does; reveals nothing of it (the hash is salted and slow)."""
    return hashlib.sha256(staff.pin_hash.encode()).hexdigest()[:16]


class SessionBook:
    """Issues, checks and ends staff sessions; folds and appends the security log."""

    def __init__(
        self,
        log_backend: EventLog,
        staff: dict[str, Staff],
        idle_seconds: float,
        absolute_seconds: float,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.log = log_backend
        self.staff = staff
        self.idle = idle_seconds
        self.absolute = absolute_seconds
        self.clock = clock
        self.throttle = SignInThrottle()
        self.ended: dict[str, int] = {}
        self.sockets: dict[str, set[SessionSocket]] = {}
        # Open sockets of enrolled devices by token key: a revocation closes them at once.
        self.device_sockets: dict[str, set[DeviceSocket]] = {}
        self.seq = 0
        self.last_command = ""
        self._lock = asyncio.Lock()
        self._attempts: dict[str, tuple[asyncio.Lock, int]] = {}
        self._snapshot_seq = 0
        self._tasks: list[asyncio.Task[None]] = []
        self._stopping = False

    # --- life cycle ------------------------------------------------------------------------

    async def start(self) -> None:
        """Fold the security log (from its snapshot); follow it (shared stores) and sweep
        idle sockets."""
        saved = await self.log.load_snapshot(SECURITY_LOG)
        if saved is not None:
            try:
                snapshot = _snapshot_decoder.decode(saved[1])
                self.seq, self.last_command = snapshot.seq, snapshot.last_command
                self.ended = dict(snapshot.ended)
                self.throttle = SignInThrottle.restore(snapshot.throttle)
                self._snapshot_seq = snapshot.seq
            except msgspec.DecodeError:
                log.warning("security log snapshot unreadable, folding the whole log")
        await self._catch_up()
        loop = asyncio.get_running_loop()
        self._tasks.append(loop.create_task(self._sweep_loop()))
        if self.log.shared:
            self._tasks.append(loop.create_task(self._follow_loop(cast(SharedLog, self.log))))

    async def stop(self) -> None:
        self._stopping = True
        await cancel_all(*self._tasks, wait=FOLLOW_WAIT + 1)
        with contextlib.suppress(LogError):
            await self._save_snapshot()

    async def _save_snapshot(self) -> None:
        if self.seq == self._snapshot_seq:
            return
        snapshot = SecuritySnapshot(self.seq, self.last_command, self.ended, self.throttle.export())
        await self.log.save_snapshot(SECURITY_LOG, self.seq, _snapshot_encoder.encode(snapshot))
        self._snapshot_seq = self.seq

    # --- the security log ------------------------------------------------------------------

    async def _catch_up(self) -> None:
        while True:
            records = await self.log.read(SECURITY_LOG, self.seq)
            if not records:
                return
            for record in records:
                self._fold(record)

    def _fold(self, record: Record) -> None:
        if record.seq != self.seq + 1:
            return  # already folded (our own append read back)
        self.seq = record.seq
        self.last_command = record.command_id
        for event in record.events:
            if isinstance(event, SignedIn | SignInFailed):
                self.throttle.observe(event, record.at)
            elif isinstance(event, SessionsEnded):
                self.ended[event.staff] = record.seq
                for socket in list(self.sockets.get(event.staff, ())):
                    if socket.session_gen < record.seq:
                        socket.end_session(event.reason)
                for device in list(self.device_sockets.get(event.staff, ())):
                    device.token_revoked(event.reason)

    async def append(self, actor: Actor, event: Event) -> Record:
        """Write one audit record (compare-and-append, retried after another process's)."""
        async with self._lock:
            for _ in range(APPEND_ATTEMPTS):
                record = Record(
                    self.seq + 1, self.clock(), actor, "sec-" + secrets.token_hex(8), [event]
                )
                try:
                    await self.log.append(SECURITY_LOG, self.seq, self.last_command, record)
                except Conflict:
                    await self._catch_up()
                    continue
                self._fold(record)
                if self.seq - self._snapshot_seq >= SNAPSHOT_EVERY:
                    await self._save_snapshot()
                return record
        raise StoreUnavailable("the security log is contended")

    async def _follow_loop(self, shared: SharedLog) -> None:
        delay = 0.1
        while not self._stopping:
            try:
                records = await shared.follow(SECURITY_LOG, self.seq, timeout=FOLLOW_WAIT)
                for record in records:
                    self._fold(record)
                if records and self.seq < records[-1].seq:
                    await self._catch_up()
                delay = 0.1
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if self._stopping:
                    return
                log.warning("following the security log failed (%s); retry in %.1fs", exc, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)

    # --- sessions --------------------------------------------------------------------------

    async def sign_in(self, staff: Staff, address: str) -> dict[str, Any]:
        """Record the sign-in; return the new session's cookie contents (a fresh id)."""
        actor = Actor(staff.id, staff.role, staff.department)
        record = await self.append(actor, SignedIn(staff.id, address))
        return {
            "staff": staff.id,
            "sid": secrets.token_urlsafe(16),
            "gen": record.seq,
            "iat": record.at,
            "seen": record.at,
            "pin": pin_fingerprint(staff),
        }

    @contextlib.asynccontextmanager
    async def attempt(self, address: str) -> AsyncIterator[None]:
        """One sign-in at a time per address: a burst of parallel guesses would otherwise all
        pass the back-off check before the first failure is recorded."""
        lock, users = self._attempts.get(address, (asyncio.Lock(), 0))
        self._attempts[address] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._attempts[address]
            if users > 1:
                self._attempts[address] = (lock, users - 1)
            else:
                del self._attempts[address]

    async def failed(self, typed_id: str, address: str) -> None:
        """Record a wrong PIN or unknown id (the audit trail, and the back-off's input)."""
        await self.append(NOBODY, SignInFailed(typed_id[:64], address))

    async def end(self, staff_id: str, by: Actor, reason: str) -> None:
        """End every session of ``staff_id`` on every device and process."""
        await self.append(by, SessionsEnded(staff_id, reason))

    async def revoke(self, device: Device, by: Actor, reason: str) -> None:
        """Revoke a display's or kiosk's token on every process (a stolen or moved device);
        from the next request on it is refused."""
        await self.append(by, SessionsEnded(device_key(device), reason))

    def token_revoked(self, device: Device) -> bool:
        """Whether the device's current token was revoked (a dictionary look-up)."""
        return device_key(device) in self.ended

    def principal(self, session: MutableMapping[str, Any], touch: bool = True) -> Principal:
        """The staff principal of a session, or anonymous when it is missing or has ended.

        ``touch`` (HTTP requests) moves the session's "last used" time on; an ended session
        is emptied so its cookie is dropped.
        """
        staff, gen = self.check(session)
        if staff is None:
            if touch and session:
                session.clear()
            return ANONYMOUS
        now = self.clock()
        if touch and now - session["seen"] >= min(TOUCH_EVERY, self.idle / 4):
            session["seen"] = now
            for socket in self.sockets.get(staff.id, ()):
                if socket.session_gen == gen:
                    socket.last_active = now
        return staff_principal(staff)

    def check(self, session: MutableMapping[str, Any]) -> tuple[Staff | None, int]:
        """The session's staff member and generation, or (None, 0) if it is not valid now."""
        staff = self.staff.get(session.get("staff", ""))
        gen, issued, seen = session.get("gen"), session.get("iat"), session.get("seen")
        if (
            staff is None
            or not isinstance(gen, int)
            or not isinstance(issued, int | float)
            or not isinstance(seen, int | float)
        ):
            return None, 0
        now = self.clock()
        if (
            gen <= self.ended.get(staff.id, 0)
            or now - issued > self.absolute
            or now - seen > self.idle
            or session.get("pin") != pin_fingerprint(staff)
        ):
            return None, 0
        return staff, gen

    # --- open sockets ----------------------------------------------------------------------

    def register(self, staff_id: str, socket: SessionSocket) -> None:
        self.sockets.setdefault(staff_id, set()).add(socket)

    def unregister(self, staff_id: str, socket: SessionSocket) -> None:
        _forget(self.sockets, staff_id, socket)

    def register_device(self, token_key: str, socket: DeviceSocket) -> None:
        """Keep a device's open socket, so revoking its token closes it (not swept: a device
        has no session to time out)."""
        self.device_sockets.setdefault(token_key, set()).add(socket)

    def unregister_device(self, token_key: str, socket: DeviceSocket) -> None:
        _forget(self.device_sockets, token_key, socket)

    def sweep(self) -> int:
        """Close the sockets of sessions idle or past their absolute limit; return how many."""
        now = self.clock()
        closed = 0
        for sockets in list(self.sockets.values()):
            for socket in list(sockets):
                if now - socket.last_active > self.idle:
                    socket.end_session("idle")
                    closed += 1
                elif now - socket.issued_at > self.absolute:
                    socket.end_session("expired")
                    closed += 1
        return closed

    async def _sweep_loop(self) -> None:
        while not self._stopping:
            await asyncio.sleep(min(SWEEP_EVERY, self.idle / 4))
            try:
                self.sweep()
                self.throttle.prune(self.clock())
            except Exception:
                log.exception("sweeping sessions failed")


def _forget(registry: dict[str, set[Any]], key: str, socket: object) -> None:
    sockets = registry.get(key)
    if sockets is not None:
        sockets.discard(socket)
        if not sockets:
            del registry[key]


def client_address(scope_client: tuple[str, int] | None) -> str:
    """The peer's address as uvicorn reports it (behind a proxy, from X-Forwarded-For)."""
    return scope_client[0] if scope_client else ""
