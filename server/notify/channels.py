"""The notifier interface, and the two channels shipped: Web Push and a logging notifier.

A *channel* delivers a worded :class:`~server.notify.wording.Message` to one *contact* (what
the visitor gave: a push subscription; for LINE a user id, for SMS a phone number). Adding a
channel (docs/notifications.md): write a class with ``name``, ``check`` and ``send``, and
register it in :data:`FACTORIES`. ``send`` must not retry by itself and must honour its
``timeout``; the dispatcher retries with backoff and drops contacts reported ``gone``.
"""

from __future__ import annotations

import ipaddress
import json
import logging
from collections.abc import Callable
from typing import Any, Literal, Protocol
from urllib.parse import urlsplit

import aiohttp
import msgspec
from py_vapid import Vapid02
from pywebpush import WebPushException, webpush_async

from server.notify.wording import Message

log = logging.getLogger("madoguchi.notify")

Outcome = Literal["sent", "retry", "gone", "refused"]
"""``retry``: try again later (timeout, 429, 5xx); ``gone``: the contact no longer exists
(404/410): delete it; ``refused``: a permanent error for this message (4xx): drop it."""

MAX_CONTACT_BYTES = 4096
PUSH_TTL = 30 * 60  # a push undelivered for half an hour is about a turn long past


class Notifier(Protocol):
    """One channel. ``check`` validates a contact when the visitor subscribes ('' when fine,
    else the reason), ``send`` delivers one message within ``timeout`` seconds."""

    name: str

    def check(self, contact: dict[str, Any]) -> str: ...

    async def send(self, contact: dict[str, Any], message: Message, timeout: float) -> Outcome: ...

    async def close(self) -> None: ...


class WebPush:
    """Standard Web Push (RFC 8030 / 8291 aes128gcm / 8292 VAPID) through the browser's own
    push service: no app, no account. The contact is the browser's ``PushSubscription``."""

    name = "webpush"

    def __init__(self, vapid: Vapid02, subject: str, allow_loopback: bool = False) -> None:
        self.vapid = vapid
        self.subject = subject
        self.allow_loopback = allow_loopback
        self._session: aiohttp.ClientSession | None = None

    def check(self, contact: dict[str, Any]) -> str:
        endpoint = contact.get("endpoint")
        keys = contact.get("keys")
        if not isinstance(endpoint, str) or not isinstance(keys, dict):
            return "a push subscription needs endpoint and keys"
        if not isinstance(keys.get("p256dh"), str) or not isinstance(keys.get("auth"), str):
            return "a push subscription needs keys.p256dh and keys.auth"
        if len(json.dumps(contact)) > MAX_CONTACT_BYTES:
            return "push subscription too large"
        return endpoint_problem(endpoint, self.allow_loopback)

    async def send(self, contact: dict[str, Any], message: Message, timeout: float) -> Outcome:
        if self._session is None:
            self._session = aiohttp.ClientSession()
        info = {"endpoint": contact["endpoint"], "keys": contact["keys"]}
        try:
            await webpush_async(
                info,
                data=msgspec.json.encode(message).decode(),
                vapid_private_key=self.vapid,
                vapid_claims={"sub": self.subject},
                timeout=aiohttp.ClientTimeout(total=timeout),
                ttl=PUSH_TTL,
                headers={"Urgency": "high" if message.kind == "called" else "normal"},
                aiohttp_session=self._session,
            )
        except WebPushException as exc:
            status = exc.status_code
            if status in (404, 410):
                return "gone"
            if status is None or status == 429 or status >= 500:
                return "retry"
            log.warning("webpush: the push service refused a message (%s)", status)
            return "refused"
        except (aiohttp.ClientError, TimeoutError, OSError):
            return "retry"
        return "sent"

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


def endpoint_problem(endpoint: str, allow_loopback: bool) -> str:
    """Push services are public HTTPS services: anything else would let a page make this
    server post to the office's own network. Loopback HTTP only when allowed (tests)."""
    parts = urlsplit(endpoint)
    host = parts.hostname or ""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
    loopback = host == "localhost" or (address is not None and address.is_loopback)
    if allow_loopback and loopback and parts.scheme in ("http", "https"):
        return ""
    if parts.scheme != "https" or not host:
        return "a push endpoint must be an https address"
    if loopback or (address is not None and not address.is_global):
        return "a push endpoint must be a public address"
    return ""


class LogOnly:
    """Writes each message to the log instead of sending it: for trying the feature out, and
    the smallest example of a channel. The contact is ``{}``; nothing personal is logged."""

    name = "log"

    def __init__(self) -> None:
        self.sent: list[Message] = []

    def check(self, contact: dict[str, Any]) -> str:
        return ""

    async def send(self, contact: dict[str, Any], message: Message, timeout: float) -> Outcome:
        self.sent.append(message)
        del self.sent[:-100]
        log.info("notice %s for %s: %s", message.kind, message.ticket, message.body)
        return "sent"

    async def close(self) -> None:
        return None


Factory = Callable[..., Notifier]
FACTORIES: dict[str, Factory] = {"webpush": WebPush, "log": LogOnly}
"""Channel name -> class. A new channel (LINE, SMS) is added here."""
