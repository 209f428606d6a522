"""Where a page may send the browser after sign-in: only a path on this same origin.

Browsers read a backslash as a slash, drop tabs and newlines from URLs and accept a scheme
without slashes (``https:evil.example``), so a check such as "starts with one slash" lets
``/\\evil.example`` or ``/\\t/evil.example`` out to another site. :func:`safe_next` is the
one normaliser every sign-in redirect goes through.
"""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

HOME = "/"
# An origin-relative path (and query): RFC 3986 path and query characters only — no
# backslash, no whitespace or control characters, no fragment.
_PATH = re.compile(r"/[A-Za-z0-9\-._~!$&'()*+,;=:@%/?]*")
_MAX_LENGTH = 2000


def safe_next(value: str | None) -> str:
    """``value`` if it is a path on this origin, else ``/``.

    Refused: anything not starting with exactly one ``/``; any backslash, whitespace or
    control character, also once percent-decoded (a second decoding step, by a proxy or a
    later redirect, must not turn it into ``//host``); a scheme or host in the parsed URL.
    """
    if not value or len(value) > _MAX_LENGTH or not _PATH.fullmatch(value):
        return HOME
    decoded = value
    for _ in range(3):  # %252F → %2F → /
        decoded = unquote(decoded)
        if (
            decoded.startswith("//")
            or "\\" in decoded
            or any(ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in decoded)
        ):
            return HOME
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or not parts.path.startswith("/"):
        return HOME
    return value
