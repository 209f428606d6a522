"""Prometheus text-format metrics: connections by role, commands, fan-out latency."""

from __future__ import annotations

import bisect
from collections import Counter
from collections.abc import Callable

BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0)


class Histogram:
    def __init__(self) -> None:
        self.counts = [0] * (len(BUCKETS) + 1)
        self.total = 0.0
        self.count = 0

    def observe(self, seconds: float) -> None:
        self.counts[bisect.bisect_left(BUCKETS, seconds)] += 1
        self.total += seconds
        self.count += 1

    def lines(self, name: str, labels: str = "") -> list[str]:
        """The histogram's exposition lines; ``labels`` (``k="v"``) set it apart from others."""
        out, running = [], 0
        for bound, n in zip((*BUCKETS, float("inf")), self.counts, strict=True):
            running += n
            le = "+Inf" if bound == float("inf") else repr(bound)
            out.append(f'{name}_bucket{{{labels + "," if labels else ""}le="{le}"}} {running}')
        tag = f"{{{labels}}}" if labels else ""
        out += [f"{name}_sum{tag} {self.total:.6f}", f"{name}_count{tag} {self.count}"]
        return out


class Metrics:
    """In-process counters; one instance per server process."""

    def __init__(self) -> None:
        self.connections: Counter[str] = Counter()
        self.commands: Counter[tuple[str, str]] = Counter()
        self.cut_off = 0
        self.frames_waited = 0
        self.store_failures = 0
        self.fanout_seconds = Histogram()
        # Other parts of the process (speech) add their own lines.
        self.sections: list[Callable[[], list[str]]] = []

    def connected(self, role: str, delta: int) -> None:
        self.connections[role] += delta

    def command(self, name: str, outcome: str) -> None:
        self.commands[(name, outcome)] += 1

    def fanout(self, seconds: float) -> None:
        self.fanout_seconds.observe(seconds)

    def render(self) -> str:
        lines = [
            "# HELP madoguchi_connections Open WebSocket connections by role.",
            "# TYPE madoguchi_connections gauge",
        ]
        for role in ("board", "kiosk", "visitor", "guide", "clerk", "supervisor"):
            lines.append(f'madoguchi_connections{{role="{role}"}} {self.connections[role]}')
        lines += [
            "# HELP madoguchi_commands_total Commands by type and outcome.",
            "# TYPE madoguchi_commands_total counter",
        ]
        for (name, outcome), n in sorted(self.commands.items()):
            lines.append(f'madoguchi_commands_total{{command="{name}",outcome="{outcome}"}} {n}')
        lines += [
            "# HELP madoguchi_slow_consumers_total Connections cut off for not keeping up.",
            "# TYPE madoguchi_slow_consumers_total counter",
            f"madoguchi_slow_consumers_total {self.cut_off}",
            "# HELP madoguchi_frames_waited_total Frames that could not go straight to the"
            " socket (its buffer was full) and took the ASGI send.",
            "# TYPE madoguchi_frames_waited_total counter",
            f"madoguchi_frames_waited_total {self.frames_waited}",
            "# HELP madoguchi_store_failures_total Appends the event store failed (disk full,"
            " read-only, locked, unreachable); nothing of them was acknowledged.",
            "# TYPE madoguchi_store_failures_total counter",
            f"madoguchi_store_failures_total {self.store_failures}",
            "# HELP madoguchi_fanout_seconds Time to build and queue one change for all views.",
            "# TYPE madoguchi_fanout_seconds histogram",
            *self.fanout_seconds.lines("madoguchi_fanout_seconds"),
        ]
        for section in self.sections:
            lines += section()
        return "\n".join(lines) + "\n"
