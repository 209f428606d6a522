"""Error codes over HTTP: one table gives each code its status and default message."""

from __future__ import annotations

import json

import pytest

from server.errors import CODES, Rejected
from server.web.http_errors import error_response


def test_every_code_has_an_error_status_and_a_message() -> None:
    for code, (status, message) in CODES.items():
        assert 400 <= status < 600, code
        assert message, code


@pytest.mark.parametrize(
    ("code", "status"),
    [
        ("invalid", 400),
        ("not_authenticated", 401),
        ("forbidden", 403),
        ("unknown_site", 404),
        ("no_voice", 404),
        ("too_large", 413),
        ("visit_closed", 409),
        ("rate_limited", 429),
        ("store_unavailable", 503),
        ("speech_failed", 503),
    ],
)
def test_status_comes_from_the_table(code: str, status: int) -> None:
    assert error_response(Rejected(code)).status_code == status


def test_body_carries_code_message_and_path_only_when_given() -> None:
    plain = json.loads(bytes(error_response(Rejected("unknown_site")).body))
    assert plain == {"type": "error", "code": "unknown_site", "message": "no such site"}
    placed = error_response(
        Rejected("unknown_visit", path="$.visit"), {"Cache-Control": "no-store"}
    )
    assert json.loads(bytes(placed.body))["path"] == "$.visit"
    assert placed.headers["cache-control"] == "no-store"
