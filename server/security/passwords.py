"""Slow hashing of staff PINs and passwords (stdlib scrypt) and display-token digests."""

from __future__ import annotations

import hashlib
import hmac
import secrets

# scrypt cost: ~50 ms per check on a modest CPU, which makes offline guessing of short PINs
# expensive while keeping sign-in instant for a person.
_N, _R, _P = 2**14, 8, 1


def hash_pin(pin: str, *, n: int = _N, r: int = _R, p: int = _P) -> str:
    """Return ``scrypt$n$r$p$salt$hash`` for storing in ``staff.toml``."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(pin.encode(), salt=salt, n=n, r=r, p=p, dklen=32)
    return f"scrypt${n}${r}${p}${salt.hex()}${digest.hex()}"


def pin_cost(stored: str) -> tuple[int, int, int]:
    """The scrypt ``(n, r, p)`` of a stored hash (the defaults for anything unreadable)."""
    try:
        scheme, n, r, p, _, _ = stored.split("$")
        if scheme == "scrypt":
            return int(n), int(r), int(p)
    except ValueError:
        pass
    return _N, _R, _P


def verify_pin(pin: str, stored: str) -> bool:
    """Check a PIN against a stored hash in constant time; malformed hashes never match."""
    try:
        scheme, n, r, p, salt, expected = stored.split("$")
        if scheme != "scrypt":
            return False
        digest = hashlib.scrypt(
            pin.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p), dklen=32
        )
    except (ValueError, MemoryError):
        return False
    return hmac.compare_digest(digest.hex(), expected)


def token_digest(token: str) -> str:
    """Hex SHA-256 of a display token (tokens are long and random, so no slow hash needed)."""
    return hashlib.sha256(token.encode()).hexdigest()
