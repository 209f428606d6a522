"""A client's clock as seen from the server (for the age of a command)."""

from __future__ import annotations


class ClockOffset:
    """How far a client's clock is from the server's, learnt from the ``clock`` of its hello
    and pings, so a command's ``at`` can be read on the server's clock.

    Each sample is (server time at receipt) − (client time at sending): the true offset plus
    the message's transit. Keeping the minimum means a message that sat in a dead link for a
    minute never makes the offset look a minute larger (which would make late commands look
    fresh); the remaining error is the quickest transit seen, a few milliseconds.
    """

    __slots__ = ("offset",)

    def __init__(self) -> None:
        self.offset: float | None = None

    def sample(self, client_ms: float | None, server_now: float) -> None:
        """Record one message's clock reading (``server_now`` in seconds)."""
        if client_ms is None:
            return
        offset = server_now - client_ms / 1000
        if self.offset is None or offset < self.offset:
            self.offset = offset

    def server_time(self, client_ms: float | None) -> float | None:
        """A client time (ms) on the server's clock (s); unchanged when nothing was learnt."""
        if client_ms is None:
            return None
        return client_ms / 1000 + (self.offset or 0.0)
