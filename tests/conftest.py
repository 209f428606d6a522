"""Shared fixtures: the demo configuration, live servers, and Debian's Chromium for Playwright."""

from __future__ import annotations

import gc
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, expect

from server.config.loading import load_config
from server.config.schema import Config
from tests.support.browser import CHROMIUM_ARGS, chromium_path
from tests.support.harness import Office
from tests.support.live import ROOT, LiveServer, http_command
from tests.support.redis_proc import RedisServer


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """A redis-server of the test session's own (AOF, fsync always), on a free port."""
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def config() -> Config:
    return load_config(ROOT / "config")


@pytest.fixture
def office(config: Config) -> Office:
    """Shimogyo run through the pure domain core (no I/O), from 09:00 on a March Monday."""
    return Office(config)


@pytest.fixture
def live(tmp_path: Path) -> Iterator[LiveServer]:
    """A real server process on a free port with its own SQLite file."""
    server = LiveServer(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def contexts(browser: Browser) -> Iterator[list[BrowserContext]]:
    """Browser contexts for separate staff members (each its own session), closed after."""
    made: list[BrowserContext] = []
    yield made
    for context in made:
        context.close()


@pytest.fixture
def fresh_day(server: LiveServer) -> LiveServer:
    """Close the business day on a module's shared ``server``: every visit left by earlier
    tests expires and every counter closes."""
    assert http_command(server, ("super01", "9999"), {"type": "CloseDay"})["type"] == "ack"
    return server


@pytest.fixture
def patient_expect() -> Iterator[None]:
    """A busy CI machine can take more than Playwright's default 5 s to settle a screen."""
    expect.set_options(timeout=15_000)
    yield
    expect.set_options(timeout=5_000)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_type_launch_args, "executable_path": chromium_path(), "args": CHROMIUM_ARGS}


BROWSER_FIXTURES = {
    "page",
    "context",
    "browser",
    "browser_type",
    "new_context",
    "browser_context_args",
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run browser tests last: Playwright's sync API keeps an event loop running in the main
    thread from its first test to the end of the session, which pytest-asyncio cannot share."""
    items.sort(key=lambda item: bool(BROWSER_FIXTURES & set(getattr(item, "fixturenames", ()))))


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """Whole modules per worker, browser tests last on each (tests/support/scheduling.py)."""
    from tests.support.scheduling import ModuleScheduling

    # Keep collection order: xdist would otherwise put the modules with most tests first.
    config.option.loadscopereorder = False
    return ModuleScheduling(config, log)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    """With MADOGUCHI_LEAK_SWEEP=1, collect garbage after each test's body: a socket (or
    anything else) it left unclosed then fails that test (a ResourceWarning, and warnings are
    errors), not some later test that happened to run the collector."""
    yield
    if os.environ.get("MADOGUCHI_LEAK_SWEEP"):
        gc.collect()
