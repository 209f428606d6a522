"""The projections package's imports run one way (issue 20): no module imports, anywhere in it
(under TYPE_CHECKING or inside a function included), a module that imports it back; and the
views anyone may see (board, public, visitor) are built without the staff modules."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "server" / "projections"
PREFIX = "server.projections."


def imports() -> dict[str, set[str]]:
    """Each module of the package (by short name) and the package modules it imports."""
    graph: dict[str, set[str]] = {}
    for path in sorted(PACKAGE.glob("*.py")):
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
            else:
                continue
            found.update(n.removeprefix(PREFIX) for n in names if n.startswith(PREFIX))
        graph[path.stem] = found & {p.stem for p in PACKAGE.glob("*.py")}
    return graph


def reachable(graph: dict[str, set[str]], start: str) -> set[str]:
    seen: set[str] = set()
    todo = list(graph[start])
    while todo:
        module = todo.pop()
        if module not in seen:
            seen.add(module)
            todo.extend(graph[module])
    return seen


def test_no_module_imports_one_that_imports_it_back() -> None:
    graph = imports()
    assert {"views", "snapshot", "staff", "counter", "supervisor"} <= set(graph)
    assert graph["__init__"] == set()  # a docstring: importing a module runs no other
    cycles = {m for m in graph if m in reachable(graph, m)}
    assert not cycles


def test_the_views_anyone_may_see_are_built_without_the_staff_modules() -> None:
    graph = imports()
    staff_only = {"staff", "counter", "supervisor", "protected", "views"}
    for public in ("board", "public", "visitor"):
        assert not reachable(graph, public) & staff_only, public
