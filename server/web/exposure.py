"""What the server trusts about where a request comes from, all from settings, never from
the request's own ``Host`` header (which a client writes as it likes):

- the browser origins allowed to open the WebSocket and POST (``MADOGUCHI_PUBLIC_ORIGIN`` and
  ``MADOGUCHI_ORIGINS``; the loopback origins of the listening port when neither is set);
- the public address the ticket's QR code points visitors to;
- who may read ``/metrics`` (``MADOGUCHI_METRICS_TOKEN`` as a bearer token, or an address in
  ``MADOGUCHI_METRICS_FROM``; loopback only by default).
"""

from __future__ import annotations

import hmac
import ipaddress
from urllib.parse import urlsplit

from starlette.requests import HTTPConnection

from server.settings import Settings

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]")


def check(settings: Settings) -> None:
    """Raise ValueError for an origin or address list that cannot mean what was meant."""
    for origin in (settings.public_origin, *settings.allowed_origins):
        if not origin:
            continue
        parts = urlsplit(origin)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.path:
            raise ValueError(f"{origin!r} is not an origin such as https://madoguchi.example")
    for network in settings.metrics_from:
        ipaddress.ip_network(network, strict=False)


def public_origin(settings: Settings) -> str:
    """Where visitors and staff reach this server: the configured public origin, else the
    listening address (loopback when it listens on every interface)."""
    if settings.public_origin:
        return settings.public_origin
    host = settings.host if settings.host not in ("0.0.0.0", "::", "") else "127.0.0.1"
    host = f"[{host}]" if ":" in host else host
    return f"http://{host}:{settings.port}"


def allowed_origins(settings: Settings) -> frozenset[str]:
    """Every origin a browser page of ours may send from."""
    origins = {public_origin(settings), *settings.allowed_origins}
    if not settings.public_origin:
        origins |= {f"http://{host}:{settings.port}" for host in LOOPBACK_HOSTS}
    return frozenset(origins)


def origin_allowed(conn: HTTPConnection, allowed: frozenset[str]) -> bool:
    """Browsers always send Origin on WebSockets and POSTs: it must be one of ours. (A request
    without one is not from a browser page: a script or a curl, which a cookie check covers.)"""
    origin = conn.headers.get("origin")
    return origin is None or origin in allowed


def metrics_allowed(conn: HTTPConnection, settings: Settings) -> bool:
    """A bearer token when one is set, or a client address in ``metrics_from``."""
    if settings.metrics_token:
        given = conn.headers.get("authorization", "").removeprefix("Bearer ").strip()
        if hmac.compare_digest(given.encode(), settings.metrics_token.encode()):
            return True
    client = conn.client.host if conn.client is not None else ""
    try:
        address = ipaddress.ip_address(client)
    except ValueError:
        return False
    return any(
        address in ipaddress.ip_network(network, strict=False) for network in settings.metrics_from
    )
