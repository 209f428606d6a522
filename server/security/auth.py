"""Who is on the other end: staff (signed session cookie), display devices (token), visitors.

Also decides which views a principal may open; which commands it may send is decided in the
domain (``server.domain.permissions``), so HTTP and WebSocket share one rule book.
"""

from __future__ import annotations

import asyncio
import hmac
import os
import secrets
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Literal

import msgspec

from server.config.schema import Config, Device, Staff
from server.domain.commands import Actor
from server.errors import Rejected
from server.live.protocol import ViewRequest
from server.projections.views import ViewKey
from server.security.passwords import hash_pin, pin_cost, token_digest, verify_pin

# PIN hashing (~50 ms of CPU each) runs on its own threads, one core's worth at most, so the
# event loop keeps a core for every screen; sign-ins beyond this many waiting are refused.
HASH_WORKERS = max(1, min(2, (os.cpu_count() or 2) - 1))
MAX_WAITING_SIGN_INS = 64


class Principal(msgspec.Struct, frozen=True):
    kind: Literal["staff", "device", "anonymous"]
    actor: Actor | None = None
    sites: tuple[str, ...] = ()
    board: str = ""
    kiosk: str = ""
    token_key: str = ""
    """A device's token as the security log names it (:func:`device_key`): what a
    revocation is recorded under."""

    @property
    def role(self) -> str:
        if self.actor is not None:
            return self.actor.role
        return "board" if self.kind == "device" else "visitor"


ANONYMOUS = Principal("anonymous")


def staff_principal(staff: Staff) -> Principal:
    return Principal(
        "staff", Actor(staff.id, staff.role, staff.department), sites=tuple(staff.sites)
    )


class Authenticator:
    """Checks PINs and device tokens against the config."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.staff = {s.id: s for s in config.accounts.staff}
        self.devices = {d.token_sha256: d for d in config.accounts.devices}
        # Set by the app to the session book's check: a revoked token is no token.
        self.revoked: Callable[[Device], bool] = lambda device: False
        self._hasher = ThreadPoolExecutor(HASH_WORKERS, thread_name_prefix="pin-hash")
        self._waiting = 0
        # An unknown id is checked against this hash of the accounts' own cost, so its answer
        # takes as long as a wrong PIN's and staff ids cannot be found by timing.
        costs = [pin_cost(s.pin_hash) for s in config.accounts.staff]
        n, r, p = max(costs, key=costs.count) if costs else pin_cost("")
        self._dummy = hash_pin(secrets.token_hex(16), n=n, r=r, p=p)

    async def sign_in(self, staff_id: str, pin: str) -> Staff | None:
        """Return the account, or None for an unknown id or a wrong PIN (raise Rejected
        ``busy`` when too many sign-ins already wait for the hashing threads). Guessing is
        slowed down by the caller (``server.security.signin_throttle``), per id and per address."""
        if self._waiting >= MAX_WAITING_SIGN_INS:
            raise Rejected("busy", "many sign-ins at once; try again")
        staff = self.staff.get(staff_id)
        stored = staff.pin_hash if staff is not None else self._dummy
        self._waiting += 1
        try:
            loop = asyncio.get_running_loop()
            matches = await loop.run_in_executor(self._hasher, verify_pin, pin, stored)
        finally:
            self._waiting -= 1
        return staff if staff is not None and matches else None

    def close(self) -> None:
        """Stop the hashing threads (at shutdown)."""
        self._hasher.shutdown(wait=False, cancel_futures=True)

    def device(self, token: str) -> Principal | None:
        if not token:
            return None
        digest = token_digest(token)
        for known, device in self.devices.items():
            if hmac.compare_digest(known, digest):
                if self.revoked(device):
                    return None
                key = device_key(device)
                if device.kiosk:
                    # A ticket machine sends commands as itself, with the kiosk role the
                    # domain's permission table limits to creating visits.
                    actor = Actor(device.id, "kiosk")
                    return Principal(
                        "device", actor, sites=(device.site,), kiosk=device.kiosk, token_key=key
                    )
                return Principal("device", sites=(device.site,), board=device.board, token_key=key)
        return None


def device_key(device: Device) -> str:
    """The security log's name for one device token: a new token for the same display (a
    re-enrolment) is not covered by the revocation of the old one."""
    return "device:" + device.token_sha256[:16]


def command_actor(principal: Principal, site_id: str) -> Actor:
    """Who a command is sent as, or Rejected: the one gate both transports (the WebSocket and
    ``POST /api/sites/{site}/commands``) pass before the domain's own permission check."""
    if principal.kind == "anonymous":
        raise Rejected("not_authenticated")
    if principal.actor is None:
        raise Rejected("forbidden", "only signed-in staff send commands")
    if site_id not in principal.sites:
        raise Rejected("forbidden", "not staffed at this site")
    return principal.actor


def view_key(principal: Principal, site_id: str, request: ViewRequest, config: Config) -> ViewKey:
    """The projection a principal may open, or Rejected with the reason."""
    site = config.site(site_id)
    if request.kind == "visitor":
        if not request.token:
            raise Rejected("invalid", "a visitor view needs its token", "$.view.token")
        return ViewKey("visitor", request.token)
    if request.kind == "public":
        # Counts per line only (the public congestion page): open to anyone.
        return ViewKey("public")
    if principal.kind == "anonymous":
        raise Rejected("not_authenticated")
    if site_id not in principal.sites:
        raise Rejected("forbidden", "not enrolled or staffed at this site")
    if request.kind == "board":
        board = request.board or principal.board
        if not any(b.id == board for b in site.boards):
            raise Rejected("unknown_board", f"no board {board!r}", "$.view.board")
        if principal.kind == "device" and board != principal.board:
            raise Rejected("forbidden", "this display is enrolled for another board")
        return ViewKey("board", board)
    if principal.kind == "device" or principal.actor is None:
        raise Rejected("forbidden", "a display only shows numbers")
    actor = principal.actor
    if request.kind == "counter":
        department = request.department or actor.department
        if not any(d.id == department for d in site.departments):
            raise Rejected("unknown_view", f"no department {department!r}", "$.view.department")
        if actor.role == "clerk" and department != actor.department:
            raise Rejected("forbidden", "clerks see their own department")
        return ViewKey("counter", department)
    if actor.role == "clerk":
        raise Rejected("forbidden", "clerks open the counter view of their department")
    if request.kind == "supervisor":
        if actor.role != "supervisor":
            raise Rejected("forbidden", "the supervisor view is for supervisors")
        return ViewKey("supervisor")
    return ViewKey("floor")
