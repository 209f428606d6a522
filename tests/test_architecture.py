"""The layers of docs/architecture.md, checked on the source: no import cycle anywhere in
``server/``, and the pure core imports nothing that does I/O.

Every import counts, also those inside functions and under ``TYPE_CHECKING``: a late import
hides a cycle from Python, not from the next reader.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path

import pytest

from tests.support.live import ROOT

SERVER = ROOT / "server"

# What the pure layers may import besides the standard library (docs/architecture.md).
PURE_LAYERS = {
    "server.domain": ("msgspec", "server.domain", "server.config.schema", "server.errors"),
    "server.config.schema": ("msgspec", "server.errors", "server.texts"),
    "server.projections": (
        "msgspec",
        "server.projections",
        "server.domain",
        "server.config.schema",
        "server.errors",
        "server.texts",
        "server.reports.staffing",
        "server.reports.queue_sim",
    ),
}
# Standard-library modules that do I/O or run an event loop: not in the pure layers.
IMPURE_STDLIB = {"asyncio", "socket", "os", "subprocess", "sqlite3", "threading", "time", "io"}


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path, name: str = "") -> set[str]:
    """Every module ``path`` (module ``name``) imports, wherever the import statement is."""
    name = name or module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def import_graph() -> dict[str, set[str]]:
    """Module → the modules of ``server`` it imports."""
    paths = {module_name(path): path for path in SERVER.rglob("*.py")}
    return {
        name: {target for target in imports_of(path) if target in paths and target != name}
        for name, path in paths.items()
    }


def cycles(graph: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in list(graph):
        if node not in index:
            visit(node)
    return found


def test_the_cycle_finder_finds_a_cycle_through_three_modules() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_late_relative_and_type_checking_imports_count(tmp_path: Path) -> None:
    source = tmp_path / "late.py"
    source.write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from server.live.hub import Hub\n"
        "def f():\n    from .views import View\n    import server.live.wire\n",
        encoding="utf-8",
    )
    found = imports_of(source, "server.web.screens.late")
    assert {"server.live.hub", "server.web.screens.views", "server.live.wire"} <= found


def test_no_import_cycle_in_the_server() -> None:
    found = cycles(import_graph())
    assert not found, "import cycles (every import counts, late ones too):\n" + "\n".join(
        " ↔ ".join(cycle) for cycle in found
    )


def _outside(allowed: tuple[str, ...], target: str) -> bool:
    """Whether ``target`` is off limits for a pure layer that may import ``allowed``."""
    top = target.split(".")[0]
    if top in sys.stdlib_module_names:
        return top in IMPURE_STDLIB
    return not any(target == ok or target.startswith(ok + ".") for ok in allowed)


@pytest.mark.parametrize("layer", sorted(PURE_LAYERS))
def test_the_pure_layers_import_no_io(layer: str) -> None:
    allowed = PURE_LAYERS[layer]
    relative = Path(*layer.split("."))
    paths = [ROOT / relative.with_suffix(".py"), *sorted((ROOT / relative).rglob("*.py"))]
    wrong = {
        f"{module_name(path)} imports {target}"
        for path in paths
        if path.exists()
        for target in imports_of(path)
        if target not in ("__future__", "server") and _outside(allowed, target)
    }
    assert not wrong, f"{layer} must stay pure:\n" + "\n".join(sorted(wrong))


def reachable(graph: Mapping[str, Iterable[str]], start: str) -> set[str]:
    """Every module ``start`` imports, directly or through others."""
    seen: set[str] = set()
    todo = list(graph.get(start, ()))
    while todo:
        module = todo.pop()
        if module not in seen:
            seen.add(module)
            todo.extend(graph.get(module, ()))
    return seen


@pytest.mark.parametrize("view", ["board", "public", "visitor"])
def test_the_views_anyone_may_see_are_built_without_the_staff_modules(view: str) -> None:
    staff_only = {
        f"server.projections.{name}"
        for name in ("staff", "counter", "supervisor", "protected", "views")
    }
    graph = import_graph()
    assert f"server.projections.{view}" in graph
    assert not reachable(graph, f"server.projections.{view}") & staff_only
