"""A push service on loopback for the notice tests: accepts Web Push requests as a browser
vendor's push service would (RFC 8030), and lets the test decrypt them (RFC 8291,
``http_ece``) with the keys of a subscription it made as a browser would, and check their
VAPID signature (RFC 8292) against the server's public key.

Paths decide the answer: ``/gone/…`` answers 410 (the subscription expired), ``/hang/…``
holds the request until the test ends (a push service that hangs), anything else 201.
"""

from __future__ import annotations

import base64
import json
import os
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import http_ece
import httpx
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from tests.support.desk import SITE
from tests.support.live import LiveServer


def b64d(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def b64e(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass
class Push:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float


@dataclass
class Subscription:
    """What a browser makes when a page subscribes: an endpoint and its own key pair."""

    endpoint: str
    key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )
    auth: bytes = field(default_factory=lambda: os.urandom(16))

    def json(self) -> dict[str, Any]:
        public = self.key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return {
            "endpoint": self.endpoint,
            "keys": {"p256dh": b64e(public), "auth": b64e(self.auth)},
        }

    def decrypt(self, push: Push) -> dict[str, Any]:
        """The notice, decrypted as the browser would (aes128gcm)."""
        assert push.headers.get("content-encoding") == "aes128gcm"
        plain = http_ece.decrypt(push.body, private_key=self.key, auth_secret=self.auth,
                                 version="aes128gcm")  # fmt: skip
        notice: dict[str, Any] = json.loads(plain)
        return notice


def verify_vapid(push: Push, server_key: str, audience: str) -> dict[str, Any]:
    """Check ``Authorization: vapid t=<JWT>, k=<key>``: the key is the server's, the ES256
    signature verifies with it, ``aud`` is this push service's origin, not expired; return
    the claims."""
    scheme, _, params = push.headers["authorization"].partition(" ")
    assert scheme == "vapid", push.headers["authorization"]
    values = dict(part.strip().split("=", 1) for part in params.split(","))
    assert values["k"] == server_key
    head, payload, signature = values["t"].split(".")
    assert json.loads(b64d(head)) == {"typ": "JWT", "alg": "ES256"}
    raw = b64d(signature)
    public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b64d(server_key))
    try:
        public.verify(
            encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big")),
            f"{head}.{payload}".encode(),
            ec.ECDSA(hashes.SHA256()),
        )
    except InvalidSignature as exc:
        raise AssertionError("the VAPID signature does not verify") from exc
    claims: dict[str, Any] = json.loads(b64d(payload))
    assert claims["aud"] == audience
    assert time.time() < claims["exp"] <= time.time() + 24 * 3600
    assert claims["sub"].startswith(("mailto:", "https://"))
    return claims


class Receiver:
    """The loopback push service."""

    def __init__(self) -> None:
        self.pushes: list[Push] = []
        self.lock = threading.Lock()
        self.release = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                with receiver.lock:
                    receiver.pushes.append(
                        Push(
                            self.path,
                            {k.lower(): v for k, v in self.headers.items()},
                            body,
                            time.monotonic(),
                        )
                    )
                if self.path.startswith("/hang/"):
                    receiver.release.wait(60)
                status = 410 if self.path.startswith("/gone/") else 201
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                return None

        self.http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.http.daemon_threads = True
        self.origin = f"http://127.0.0.1:{self.http.server_address[1]}"
        self.thread = threading.Thread(target=self.http.serve_forever, daemon=True)

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release.set()
        self.http.shutdown()
        self.http.server_close()

    def subscription(self, path: str, host: str = "127.0.0.1") -> Subscription:
        """A browser's subscription at this service (``host="localhost"``: as another push
        service, another origin, for the server)."""
        return Subscription(f"http://{host}:{self.http.server_address[1]}/{path}")

    def to(self, path: str) -> list[Push]:
        with self.lock:
            return [p for p in self.pushes if p.path == "/" + path]

    def wait_for(self, path: str, count: int = 1, timeout: float = 10.0) -> list[Push]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.to(path)
            if len(found) >= count:
                return found
            time.sleep(0.02)
        raise AssertionError(f"{count} push(es) to /{path} expected, got {len(self.to(path))}")


def subscribe(
    server: LiveServer, token: str, sub: Subscription, lang: str = "ja", **choices: Any
) -> httpx.Response:
    return httpx.post(
        f"{server.url}/visit/{SITE}/{token}/notices",
        json={"contact": sub.json(), "choices": {"called": True, **choices}, "lang": lang},
        headers={"Origin": server.origin},
    )
