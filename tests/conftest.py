"""Shared fixtures: the demo configuration, and a browser set-up for later suites."""

from __future__ import annotations

from pathlib import Path

import pytest

from server.config import Config, load_config

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def config() -> Config:
    return load_config(ROOT / "config")
