"""Steps of the plan's scenario shared by the one-process test and the two-process (Redis)
test, and the check the privacy tests share: every key anywhere in a message."""

from __future__ import annotations

from typing import Any

from tests.support.live import Client


async def supervisor_serves_the_childrens_step(
    supervisor: Client, care: Client, visit: str
) -> None:
    """The children's counter (c40) is closed, so the supervisor opens it, calls the visitor
    and completes step C; the care counter then sees them waiting in its line D."""
    for i, command in enumerate(
        [
            {"type": "OpenCounter", "counter": "c40"},
            {"type": "CallNext", "counter": "c40"},
            {"type": "CompleteStep", "counter": "c40"},
        ]
    ):
        assert (await supervisor.command(f"s-{i}", command))["type"] == "ack"
    await care.until(
        lambda m: (
            m.get("upsert", {}).get("visits", {}).get(visit, {}).get("where")
            == {"kind": "waiting", "queue": "D"}
        )
    )


def keys_in(value: Any) -> set[str]:
    """Every key of every object nested anywhere in ``value`` (a decoded message)."""
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in keys_in(v)}
    if isinstance(value, list):
        return {k for v in value for k in keys_in(v)}
    return set()
