"""The VAPID key pair (RFC 8292) that signs every push, and its public half for the page.

From ``MADOGUCHI_VAPID_PRIVATE_KEY`` (the raw key, base64url, as ``vapid --gen`` and most
tools print it) when set; otherwise made on first start and kept in the subscription book —
the data directory's ``push.sqlite``, or Redis, where every process reads the same key (a
browser's subscription is bound to one public key: each process signing with its own would
make every other process's pushes fail).
"""

from __future__ import annotations

import base64

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import Vapid02

from server.notify.book import Book


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _raw(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_numbers().private_value.to_bytes(32, "big")


async def load(book: Book, configured: str) -> Vapid02:
    """The deployment's VAPID key: the configured one, else the one the book keeps (made
    now if this is the first start)."""
    if configured:
        return Vapid02.from_string(configured.strip())
    fresh = _raw(ec.generate_private_key(ec.SECP256R1()))
    kept = await book.setting("vapid", _b64(fresh).encode())
    return Vapid02.from_string(kept.decode())


def public_key(vapid: Vapid02) -> str:
    """The ``applicationServerKey`` a page subscribes with (uncompressed P-256, base64url)."""
    point = vapid.public_key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return _b64(point)
