"""The site state's binary form: msgpack, for the hub's snapshots and for deep copies.

One encoder and one decoder, built once: a copy through msgpack is the fastest deep copy of
msgspec structs, and the same bytes are what a snapshot stores.
"""

from __future__ import annotations

import msgspec

from server.domain.state import SiteState

_encoder = msgspec.msgpack.Encoder()
_decoder = msgspec.msgpack.Decoder(SiteState)


def encode_state(state: SiteState) -> bytes:
    """The state as msgpack bytes (a snapshot's body)."""
    return _encoder.encode(state)


def decode_state(data: bytes) -> SiteState:
    """A state from :func:`encode_state`'s bytes. Raises ``msgspec.DecodeError`` (or its
    ``ValidationError``) on bytes of another shape."""
    return _decoder.decode(data)


def copy_state(state: SiteState) -> SiteState:
    """A deep copy: it shares no mutable part with ``state``, so folding into one leaves the
    other as it was."""
    return _decoder.decode(_encoder.encode(state))
