"""A failing SQLite store, for real: a full disk (a small tmpfs) and a database another
process keeps locked. While appends fail commands get ``store_unavailable``, ``/healthz``
answers 503 and ``/metrics`` counts the failures; once the store is back the very next
command is acknowledged, and nothing acknowledged is lost."""

from __future__ import annotations

import errno
import os
import re
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import msgspec
import pytest

from tests.support.harness import MOVED_IN_WITH_CHILDREN
from tests.support.live import LiveServer

INTAKE = msgspec.to_builtins(MOVED_IN_WITH_CHILDREN)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 2 MiB tmpfs (mounting needs root, as on the test machines: an error, never a skip)."""
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise RuntimeError(f"the full-disk test mounts a tmpfs and needs root: {done.stderr}")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


class Guide:
    """A signed-in floor guide issuing tickets over HTTP."""

    def __init__(self, server: LiveServer) -> None:
        self.server = server
        self.http = server.client(timeout=30)
        self.http.post("/api/login", json={"id": "guide01", "pin": "1111"}).raise_for_status()
        self.n = 0
        self.acked: list[int] = []

    def issue(self) -> dict[str, Any]:
        self.n += 1
        body = {"id": f"t{self.n}", "command": {"type": "CreateVisit", "intake": INTAKE}}
        reply: dict[str, Any] = self.http.post("/api/sites/shimogyo/commands", json=body).json()
        if reply["type"] == "ack":
            self.acked.append(reply["seq"])
        return reply

    def close(self) -> None:
        self.http.close()

    def health(self) -> int:
        return self.http.get("/healthz").status_code

    def failures(self) -> int:
        text = self.http.get("/metrics").text
        found = re.search(r"^madoguchi_store_failures_total (\d+)$", text, re.M)
        assert found is not None, text
        return int(found.group(1))


def fill(folder: Path) -> Path:
    """Write a file until the disk is full."""
    filler = folder / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT)
    try:
        with pytest.raises(OSError, match="No space left") as full:
            while True:
                os.write(fd, b"\0" * 4096)
        assert full.value.errno == errno.ENOSPC
    finally:
        os.close(fd)
    return filler


def test_a_full_disk_then_space_again(small_disk: Path, tmp_path: Path) -> None:
    server = LiveServer(tmp_path / "logs", store=f"sqlite:{small_disk / 'madoguchi.db'}")
    server.start()
    try:
        guide = Guide(server)
        for _ in range(3):
            assert guide.issue()["type"] == "ack"
        filler = fill(small_disk)
        refused: list[dict[str, Any]] = []
        for _ in range(400):
            reply = guide.issue()
            if reply["type"] == "error":
                refused.append(reply)
                break
        assert refused, "the full disk never failed an append"
        for _ in range(5):
            reply = guide.issue()
            assert reply["type"] == "error", reply
            refused.append(reply)
        assert {r["code"] for r in refused} == {"store_unavailable"}
        assert guide.health() == 503
        assert guide.failures() >= len(refused)
        before = len(guide.acked)

        filler.unlink()
        # The very next command goes through (it used to get `busy` until a restart).
        reply = guide.issue()
        assert reply["type"] == "ack", reply
        assert guide.health() == 200
        assert [guide.issue()["type"] for _ in range(5)] == ["ack"] * 5
        assert len(guide.acked) == before + 6
        guide.close()
    finally:
        server.stop()
    # Nothing acknowledged was lost, nothing refused was written.
    server.start()
    try:
        seq = httpx.get(server.url + "/healthz").json()["sites"]["shimogyo"]["seq"]
        assert seq == max(guide.acked) == len(guide.acked)
    finally:
        server.stop()


def test_a_database_locked_by_another_process(tmp_path: Path) -> None:
    path = tmp_path / "madoguchi.db"
    server = LiveServer(tmp_path / "logs", store=f"sqlite:{path}")
    server.start()
    try:
        guide = Guide(server)
        assert guide.issue()["type"] == "ack"
        other = sqlite3.connect(path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")  # holds the write lock past SQLite's busy timeout
        try:
            reply = guide.issue()
            assert reply["type"] == "error" and reply["code"] == "store_unavailable", reply
            assert guide.health() == 503
            assert guide.failures() == 1
        finally:
            other.execute("ROLLBACK")
            other.close()
        assert guide.issue()["type"] == "ack"
        assert guide.health() == 200
        guide.close()
    finally:
        server.stop()
    log = server.log_path.read_text()
    assert "Traceback" not in log, log
