"""Security headers on every HTTP response; a strict Content-Security-Policy on pages.

The policy allows only this origin's scripts, styles, images and connections (the WebSocket
included), no inline script but the import map every page carries (with a fresh nonce in
``request.state.csp_nonce``), and no framing. Pages keep no inline
script or style of their own: everything is a module or a stylesheet, so a staff-typed text
that somehow reached the markup still could not run.

A plain ASGI middleware (no per-response Python beyond adding a few headers); the WebSocket
endpoint does not pass through it (``WebSocketFastPath``).
"""

from __future__ import annotations

import secrets

from starlette.types import ASGIApp, Message, Receive, Scope, Send

_COMMON = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    # Visitor pages carry the visitor's token and boards the display's in the address:
    # no page sends its address anywhere.
    (b"referrer-policy", b"no-referrer"),
    (
        b"permissions-policy",
        b"camera=(), microphone=(), geolocation=(), payment=(), usb=(), serial=(), "
        b"bluetooth=(), hid=(), midi=(), magnetometer=(), gyroscope=(), accelerometer=(), "
        b"browsing-topics=()",
    ),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
]
HSTS = (b"strict-transport-security", b"max-age=31536000; includeSubDomains")


def content_security_policy(nonce: str, host: str) -> str:
    """The page policy; ``host`` (from the request) names this server's WebSocket address
    for browsers whose ``'self'`` does not cover ``ws:``/``wss:``."""
    sockets = f" ws://{host} wss://{host}" if host and _plain_host(host) else ""
    return (
        "default-src 'self'; "
        f"script-src 'self' 'nonce-{nonce}'; "
        "style-src 'self'; "
        "img-src 'self' data:; "
        "font-src 'self'; "
        f"connect-src 'self'{sockets}; "
        "media-src 'self'; "
        "manifest-src 'self'; "
        "worker-src 'self'; "
        "object-src 'none'; "
        "base-uri 'none'; "
        "form-action 'self'; "
        "frame-ancestors 'none'"
    )


def _plain_host(host: str) -> bool:
    """A Host header fit to appear in the policy (letters, digits, dots, dashes, a port)."""
    return all(ch.isalnum() or ch in ".-:[]" for ch in host) and len(host) < 256


class SecurityHeaders:
    """Adds the headers above to every HTTP response (HSTS behind HTTPS only)."""

    def __init__(self, app: ASGIApp, hsts: bool) -> None:
        self.app = app
        self.common = [*_COMMON, HSTS] if hsts else list(_COMMON)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        nonce = secrets.token_urlsafe(16)
        scope.setdefault("state", {})["csp_nonce"] = nonce

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                own = {name.lower() for name, _ in headers}  # a page's own choice stays
                host = ""
                for name, value in scope["headers"]:
                    if name == b"host":
                        host = value.decode("latin-1")
                        break
                csp = content_security_policy(nonce, host).encode()
                headers.extend(h for h in self.common if h[0] not in own)
                headers.append((b"content-security-policy", csp))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)
