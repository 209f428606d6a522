"""The shared front-end helpers in a real browser: the one element builder (static/dom.js),
the one translator and its fallback rule (static/i18n.js) and storage that never throws
(static/storage.js). Loaded the way every page loads them, through the page's import map."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Page

from tests.support.live import LiveServer

BUILD = """async () => {
  const { h, replaceChildren } = await import("/static/dom.js");
  let clicks = 0;
  const box = h("input", { type: "checkbox", value: "a", checked: true, disabled: false });
  const el = h(
    "button",
    { class: "big", dataset: { id: "7" }, onclick: () => clicks++, "aria-pressed": "true",
      hidden: true, title: null, required: true },
    "label", null, false, "", 0, [h("b", {}, "x"), ["y"]],
  );
  el.click();
  const list = h("ul", {}, h("li", { dataset: { focusKey: "k" }, tabindex: "0" }, "one"));
  document.body.append(list);
  list.firstChild.focus();
  const again = h("li", { dataset: { focusKey: "k" }, tabindex: "0" }, "two");
  const same = replaceChildren(list, again, null);
  return {
    html: el.outerHTML, clicks, nodes: el.childNodes.length,
    checked: box.checked, value: box.value, disabled: box.disabled,
    sameList: same === list, focused: document.activeElement.textContent,
  };
}"""

TRANSLATE = """async () => {
  const { pick, translator, byKey, fill } = await import("/static/i18n.js");
  const label = { ja: "住所", en: "Address", vi: "" };
  const strings = { pair: ["窓口 {n}", "Counter {n}"], text: { ja: "日本語だけ" }, ...byKey({
    ja: { hi: "こんにちは" }, en: { hi: "Hello" }, zh: { hi: "你好" } }) };
  const vi = translator(strings, "vi");
  const ja = translator(strings, "ja");
  const en = translator(strings, "en");
  return {
    vi: [pick(label, "vi"), vi("hi"), vi("pair", { n: 3 }), vi("text"), vi("nope"), vi.has("nope")],
    ja: [pick(label, "ja"), ja("hi"), ja("pair", { n: 3 }), ja("text")],
    en: [en.label(label), en("hi"), en("pair", { n: 3 }), en("text"), en("toString")],
    zh: translator(strings, "zh")("hi"),
    fill: fill("{a} {b}", { a: 1 }),
    plain: pick("as is", "en"),
  };
}"""

STORE = """async () => {
  const { local, session } = await import("/static/storage.js");
  local.set("t.plain", "v");
  local.setJSON("t.json", { a: [1] });
  session.set("t.s", "1");
  const read = [local.get("t.plain"), local.getJSON("t.json"), session.get("t.s"),
                local.get("t.none"), local.getJSON("t.none", 5)];
  localStorage.setItem("t.bad", "{not json");
  const bad = local.getJSON("t.bad", "fallback");
  local.remove("t.plain");
  const gone = local.get("t.plain");
  Object.defineProperty(window, "localStorage", { get() { throw new Error("off"); } });
  local.set("t.off", "x");
  return { read, bad, gone, off: [local.get("t.off"), local.getJSON("t.off", 0)] };
}"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    live = LiveServer(tmp_path_factory.mktemp("front-helpers"))
    live.start()
    yield live
    live.stop()


@pytest.fixture
def page_with_modules(page: Page, server: LiveServer) -> Page:
    page.goto(server.url + "/signin")  # any page with the shared import map
    return page


def run(page: Page, script: str) -> Any:
    return page.evaluate(script)


def test_one_element_builder_for_every_screen(page_with_modules: Page) -> None:
    built = run(page_with_modules, BUILD)
    assert built["html"] == (
        '<button class="big" data-id="7" aria-pressed="true" hidden="" required="">'
        "label0<b>x</b>y</button>"
    )
    assert built["clicks"] == 1
    assert built["nodes"] == 4  # null, false and "" leave nothing; 0 is text
    assert (built["checked"], built["value"], built["disabled"]) == (True, "a", False)
    assert built["sameList"] and built["focused"] == "two"


def test_one_translator_requested_then_english_then_japanese_then_the_key(
    page_with_modules: Page,
) -> None:
    said = run(page_with_modules, TRANSLATE)
    assert said["vi"] == ["Address", "Hello", "Counter 3", "日本語だけ", "nope", False]
    assert said["ja"] == ["住所", "こんにちは", "窓口 3", "日本語だけ"]
    assert said["en"] == ["Address", "Hello", "Counter 3", "日本語だけ", "toString"]
    assert said["zh"] == "你好"
    assert said["fill"] == "1 {b}"
    assert said["plain"] == "as is"


def test_storage_never_throws(page_with_modules: Page) -> None:
    kept = run(page_with_modules, STORE)
    assert kept["read"] == ["v", {"a": [1]}, "1", "", 5]
    assert kept["bad"] == "fallback"
    assert kept["gone"] == ""
    assert kept["off"] == ["", 0]
