"""Back-off after wrong PINs: per id and address, per address, and per id from strangers.

A lockout per id alone lets anyone lock a colleague out by typing their id with wrong PINs.
Here the waits grow exponentially for the place the guesses come from:

- one id from one address: three free tries, then 2, 4, 8 … seconds (at most 15 minutes);
- one address, any ids (spraying): ten free tries, then the same growth;
- one id from many addresses: ten free tries, then the same growth, but only for addresses
  that never signed in as that id. The colleague's own phone or panel keeps working while
  their id is under attack from elsewhere.

Pure: fed with the audit events of the security log (``SignedIn``, ``SignInFailed``), time
passed in, so every process that folds the same log throttles alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import msgspec

from server.domain.events import SignedIn, SignInFailed

MAX_WAIT = 900.0
FORGET_AFTER = 3600.0  # a quiet hour and the count starts again
PAIR_FREE = 3
ADDRESS_FREE = 10
ID_FREE = 10


class ThrottleState(msgspec.Struct, frozen=True):
    """The counts, as plain data for a snapshot."""

    pairs: list[tuple[str, str, int, float]]
    addresses: dict[str, tuple[int, float]]
    ids: dict[str, tuple[int, float]]
    trusted: dict[str, list[str]]


@dataclass
class Strikes:
    count: int = 0
    last: float = 0.0

    def add(self, at: float) -> None:
        if at - self.last > FORGET_AFTER:
            self.count = 0
        self.count += 1
        self.last = at

    def wait(self, free: int, now: float) -> float:
        """Seconds still to wait before the next try counted by these strikes."""
        if self.count < free or now - self.last > FORGET_AFTER:
            return 0.0
        return max(0.0, self.last + min(MAX_WAIT, 2.0 ** (self.count - free + 1)) - now)


class SignInThrottle:
    """Failure counts folded from the security log; :meth:`wait` says how long to refuse."""

    def __init__(self) -> None:
        self.pairs: dict[tuple[str, str], Strikes] = {}
        self.addresses: dict[str, Strikes] = {}
        self.ids: dict[str, Strikes] = {}
        self.trusted: dict[str, set[str]] = {}

    def observe(self, event: SignedIn | SignInFailed, at: float) -> None:
        """Fold one sign-in audit event."""
        if isinstance(event, SignedIn):
            self.pairs.pop((event.staff, event.address), None)
            self.trusted.setdefault(event.staff, set()).add(event.address)
            return
        self.pairs.setdefault((event.staff, event.address), Strikes()).add(at)
        self.addresses.setdefault(event.address, Strikes()).add(at)
        self.ids.setdefault(event.staff, Strikes()).add(at)

    def wait(self, staff: str, address: str, now: float) -> float:
        """Seconds before a sign-in as ``staff`` from ``address`` may be tried (0: now)."""
        waits = [
            _wait(self.pairs.get((staff, address)), PAIR_FREE, now),
            _wait(self.addresses.get(address), ADDRESS_FREE, now),
        ]
        if address not in self.trusted.get(staff, ()):
            waits.append(_wait(self.ids.get(staff), ID_FREE, now))
        return max(waits)

    def export(self) -> ThrottleState:
        """What a snapshot of the security log keeps (see ``server.security.sessions``)."""
        return ThrottleState(
            pairs=[(s, a, k.count, k.last) for (s, a), k in self.pairs.items()],
            addresses={a: (k.count, k.last) for a, k in self.addresses.items()},
            ids={s: (k.count, k.last) for s, k in self.ids.items()},
            trusted={s: sorted(addresses) for s, addresses in self.trusted.items()},
        )

    @classmethod
    def restore(cls, state: ThrottleState) -> SignInThrottle:
        throttle = cls()
        throttle.pairs = {(s, a): Strikes(n, at) for s, a, n, at in state.pairs}
        throttle.addresses = {a: Strikes(n, at) for a, (n, at) in state.addresses.items()}
        throttle.ids = {s: Strikes(n, at) for s, (n, at) in state.ids.items()}
        throttle.trusted = {s: set(addresses) for s, addresses in state.trusted.items()}
        return throttle

    def prune(self, now: float) -> None:
        """Forget counts nobody has added to for an hour (ids typed by an attacker too)."""
        tables: tuple[dict[Any, Strikes], ...] = (self.pairs, self.addresses, self.ids)
        for table in tables:
            for key in [k for k, strikes in table.items() if now - strikes.last > FORGET_AFTER]:
                del table[key]


def _wait(strikes: Strikes | None, free: int, now: float) -> float:
    return strikes.wait(free, now) if strikes is not None else 0.0
