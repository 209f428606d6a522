"""How pages load their code, checked on the files themselves (no server, no browser).

One way for every page (issue 20): the shared import map ``server/templates/modules.html`` in
the page's head, then one entry module (``<script type="module" src="…?v={{ version }}">``);
modules import each other statically by absolute path, so the map versions every address.
A module missing from the map would still load, unversioned, and could mix old and new code
after a deploy: these tests catch that. They also keep the shared front-end helpers single:
one ``h()``, one storage module, one translator.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ASSET_DIRS = ("static", "panels", "handhelds", "displays")
MODULE_MAP = ROOT / "server" / "templates" / "modules.html"
PAGE_DIRS = ("server/templates", "panels", "handhelds", "displays")


def modules() -> list[Path]:
    """Every ES module the pages may load (service workers are scripts of their own)."""
    return sorted(
        path
        for folder in ASSET_DIRS
        for path in (ROOT / folder).rglob("*.js")
        if not path.name.endswith("sw.js")
    )


def own_modules() -> list[Path]:
    """The project's own modules (not vendored libraries)."""
    return [path for path in modules() if "vendor" not in path.parts]


def address(path: Path) -> str:
    return "/" + path.relative_to(ROOT).as_posix()


def mapped() -> dict[str, str]:
    entries = re.findall(r'"(/[^"]+)": "([^"]+)"', MODULE_MAP.read_text())
    return dict(entries)


def code(path: Path) -> str:
    """A module's source without its comment lines (JSDoc may name `import("…")` types)."""
    lines = path.read_text().splitlines()
    return "\n".join(line for line in lines if not line.lstrip().startswith(("//", "*", "/*")))


def pages() -> list[Path]:
    return sorted(
        path
        for folder in PAGE_DIRS
        for path in (ROOT / folder).rglob("*.html")
        if path != MODULE_MAP
    )


def test_the_import_map_lists_every_module_by_its_versioned_address() -> None:
    entries = mapped()
    assert sorted(entries) == sorted(address(path) for path in modules())
    for plain, versioned in entries.items():
        assert versioned == plain + "?v={{ version }}", plain


@pytest.mark.parametrize("page", pages(), ids=lambda p: str(p.relative_to(ROOT)))
def test_a_page_loads_one_entry_module_after_the_import_map(page: Path) -> None:
    markup = page.read_text()
    scripts = re.findall(r"<script\b([^>]*)>", markup)
    entries = [attrs for attrs in scripts if 'type="module"' in attrs]
    if not entries:
        assert "modules.html" not in markup
        return
    assert len(entries) == 1, page
    assert re.search(r'src="/[^"]+\.js\?v=\{\{ version \}\}"', entries[0]), entries[0]
    include = markup.find('{% include "modules.html" %}')
    assert 0 <= include < markup.find('<script type="module"'), "the map comes first"
    for attrs in scripts:  # nothing else runs inline: JSON data blocks only
        assert 'type="module"' in attrs or 'type="application/json"' in attrs, attrs


@pytest.mark.parametrize("module", own_modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_modules_import_statically_what_the_map_knows(module: Path) -> None:
    source = code(module)
    assert "import(" not in source, "a dynamic import would bypass the import map"
    known = mapped()
    for target in re.findall(r'^(?:import|export)\b[^;]*?"([^"]+\.js)";', source, re.M):
        resolved = target if target.startswith("/") else address((module.parent / target).resolve())
        assert resolved in known, (module.name, target)


def test_one_dom_builder_one_storage_module_one_translator() -> None:
    sources = {address(path): code(path) for path in own_modules()}
    builders = [name for name, text in sources.items() if re.search(r"function h\(", text)]
    assert builders == ["/static/dom.js"]
    storage = [
        name for name, text in sources.items() if re.search(r"(local|session)Storage\b", text)
    ]
    assert storage == ["/static/storage.js"]
    translators = [
        name for name, text in sources.items() if re.search(r"export function pick\(", text)
    ]
    assert translators == ["/static/i18n.js"]
