"""Start-up refusals: a short session key, and demo sign-ins on a non-loopback address."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from server.config.schema import Config
from server.security.startup import is_loopback, unsafe_reason
from server.settings import Settings
from tests.support.live import LiveServer
from tests.support.processes import free_port

ROOT = Path(__file__).resolve().parent.parent


def start(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "server"],
        cwd=ROOT,
        env={
            **os.environ,
            "PORT": str(free_port()),
            "MADOGUCHI_STORE": f"sqlite:{tmp_path / 'db'}",
            **env,
        },
        capture_output=True,
        text=True,
        timeout=30,
    )


def test_a_short_secret_refuses_to_start(tmp_path: Path) -> None:
    run = start(tmp_path, MADOGUCHI_SECRET="changeme")
    assert run.returncode != 0
    assert "MADOGUCHI_SECRET must be at least 32 bytes" in run.stderr


def test_demo_sign_ins_refuse_to_listen_beyond_loopback(tmp_path: Path) -> None:
    run = start(tmp_path, MADOGUCHI_SECRET="k" * 32, MADOGUCHI_HOST="0.0.0.0")
    assert run.returncode == 2
    assert "demo sign-ins" in run.stderr and "MADOGUCHI_DEMO=1" in run.stderr


def test_demo_sign_ins_start_on_loopback_or_when_asked_for(tmp_path: Path, config: Config) -> None:
    assert unsafe_reason(Settings(host="127.0.0.1"), config) is None
    assert unsafe_reason(Settings(host="::1"), config) is None
    assert unsafe_reason(Settings(host="0.0.0.0", demo=True), config) is None
    assert unsafe_reason(Settings(host="10.0.0.5"), config) is not None
    assert not is_loopback("madoguchi.example") and is_loopback("localhost")
    server = LiveServer(tmp_path, MADOGUCHI_HOST="0.0.0.0", MADOGUCHI_DEMO="1")
    server.start()  # answers on 127.0.0.1 too
    server.stop()


@pytest.mark.parametrize("secret", ["", "x" * 32])
def test_a_long_enough_or_generated_secret_is_accepted(secret: str) -> None:
    env = {"MADOGUCHI_SECRET": secret} if secret else {}
    assert len(Settings.from_env(env).secret.encode()) >= 32
