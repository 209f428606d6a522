"""The stored form of a log record, the same in every backend: JSON, so an auditor can read
the log with standard tools (``sqlite3``, ``redis-cli``) and no Python.

One encoder and one decoder, built once per process (msgspec's advice for speed).
"""

from __future__ import annotations

import msgspec

from server.domain.events import Record

_encoder = msgspec.json.Encoder()
_decoder = msgspec.json.Decoder(Record)


def encode_record(record: Record) -> bytes:
    """The record as stored: JSON bytes, events tagged by ``type``."""
    return _encoder.encode(record)


def decode_record(data: bytes) -> Record:
    """A record from its stored bytes. Raises ``msgspec.DecodeError`` (or its
    ``ValidationError``) on bytes that are not one."""
    return _decoder.decode(data)
