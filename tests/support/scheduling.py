"""How pytest-xdist shares the suite out between its workers (``scripts/test`` runs ``-n 2``)."""

from __future__ import annotations

import re

from xdist.scheduler import LoadScopeScheduling

# pytest-playwright parametrizes every browser test by its browser: ``test_x[chromium]`` or,
# with parameters of its own, ``test_x[chromium-a]``.
BROWSER_PARAMETER = re.compile(r"\[(.*-)?chromium(-.*)?\]$")


class ModuleScheduling(LoadScopeScheduling):  # type: ignore[misc]
    """Whole modules go to a worker: a module's shared server is started once, and its tests
    run in order on one worker. A module's browser tests are a unit of their own, and units go
    out in collection order (browser tests last, tests/conftest.py), so every worker still runs
    all its non-browser tests before its first browser test: Playwright's sync API keeps an
    event loop running in the worker's main thread from then on."""

    def _split_scope(self, nodeid: str) -> str:
        module, _, test = nodeid.partition("::")
        return f"{module} (browser)" if BROWSER_PARAMETER.search(test) else module
