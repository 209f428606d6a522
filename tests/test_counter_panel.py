"""Counter panels in a real browser against a real server: the plan's handoff, keyboard use,
conflicts between clerks, and who may open which panel.

One server serves the whole module; each test starts from a closed day (every visit expired,
every counter closed) and names visitors by the tickets the server gave them.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from server.config.schema import Config
from tests.support.live import LiveServer
from tests.support.panel import (
    GUIDE_NOTE,
    HANDOFF,
    MOVED_IN,
    SITE,
    open_counter,
    open_panel,
    register,
    serving,
)
from tests.support.screenshots import save

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    live = LiveServer(tmp_path_factory.mktemp("counter"))
    live.start()
    yield live
    live.stop()


def test_reception_hands_a_visitor_to_the_care_counter_that_expects_them(
    browser: Browser, contexts: list[BrowserContext], fresh_day: LiveServer, config: Config
) -> None:
    server = fresh_day
    procs = config.procedures.procedures
    reception = open_panel(
        browser, contexts, server, ("clerk-shimin", "2222"), "?counter=c1", via_form=True
    )
    care = open_panel(browser, contexts, server, ("clerk-choju", "3333"), "?counter=c50")
    open_counter(reception)
    open_counter(care)

    # The guide registers the visitor at the entrance; reception sees them in its line.
    ticket = register(server)
    expect(reception.locator(f".line-item[data-ticket='{ticket}']")).to_be_visible()
    expect(care.locator(f"[data-ticket='{ticket}']")).to_have_count(0)

    # Reception calls: the summary card greets by purpose, with the intake already done.
    reception.keyboard.press("n")
    card = serving(reception)
    expect(card.locator(".greeting")).to_have_text("お待ちしておりました")
    expect(card.locator(".ticket")).to_have_text(ticket)
    expect(card.locator(".purpose")).to_have_text("転入（引越してきた）のお手続きですね")
    expect(card.locator(".note.staff")).to_contain_text(GUIDE_NOTE)
    expect(card.locator(".proc .proc-name")).to_have_text(
        [
            procs[p].name.ja
            for p in ("tennyu_todoke", "kokuho_kanyu", "nenkin_shubetsu", "my_number_address")
        ]
    )
    tenshutsu = config.procedures.documents["tenshutsu_cert"].name.ja
    expect(card.locator(".doc.have")).to_contain_text([tenshutsu])
    expect(card.locator(".answers-block")).to_contain_text("転出証明書（原本）をお持ちですか？")
    expect(card.locator(".state-label")).to_have_text("呼出中")
    save(reception, "counter-reception-greeting.png")

    # Serving; the clerk finds the family needs a care consultation: procedure C with a note.
    reception.keyboard.press("s")
    expect(card.locator(".state-label")).to_have_text("対応中")
    reception.keyboard.press("a")
    dialog = reception.locator("#dlg-add")
    expect(dialog).to_be_visible()
    dialog.get_by_label("手続き", exact=True).select_option("kaigo_sodan")
    dialog.get_by_label("引き継ぎメモ（次の窓口に伝えること）").fill(HANDOFF)
    save(reception, "counter-add-procedure.png")
    reception.keyboard.press("Control+Enter")
    expect(dialog).to_be_hidden()
    expect(reception.locator("#message")).to_contain_text(procs["kaigo_sodan"].name.ja)

    # The care counter sees them coming, with the note, before anyone calls them.
    incoming = care.locator(f".incoming-card[data-ticket='{ticket}']")
    expect(incoming.locator(".note.handoff")).to_contain_text(HANDOFF)
    expect(incoming.locator(".where")).to_have_text("1番窓口で対応中")
    expect(incoming.locator(".eta")).to_contain_text("到着見込み")
    expect(incoming.locator(".proc-name")).to_have_text([procs["kaigo_sodan"].name.ja])
    expect(incoming).to_contain_text("clerk-shimin が追加")
    expect(care.locator("[data-action='callNext']")).to_be_disabled()  # nobody in its line yet
    save(care, "counter-care-incoming.png")

    # Reception ticks one procedure off by its number key, then finishes its step.
    reception.keyboard.press("1")
    expect(card.locator(".proc.done")).to_have_count(1)
    reception.keyboard.press("d")
    expect(serving(reception)).to_have_count(0)
    expect(reception.locator(f".recent li[data-ticket='{ticket}'] .rec-next")).to_have_text(
        "次: 健康長寿・介護（D）"
    )

    # The visitor is now in the care line; the care clerk calls, serves and completes.
    expect(care.locator(f".line-item[data-ticket='{ticket}']")).to_be_visible()
    expect(incoming).to_have_count(0)
    care.keyboard.press("n")
    care_card = serving(care)
    expect(care_card.locator(".greeting")).to_have_text("お待ちしておりました")
    expect(care_card.locator(".note.handoff")).to_contain_text(HANDOFF)
    expect(care_card.locator(".journey")).to_contain_text(procs["tennyu_todoke"].name.ja)
    care.keyboard.press("s")
    expect(care_card.locator(".state-label")).to_have_text("対応中")
    save(care, "counter-care-serving.png")
    care.keyboard.press("d")
    expect(serving(care)).to_have_count(0)

    # The visit is closed: both panels say so.
    for page in (care, reception):
        expect(page.locator(f".recent li[data-ticket='{ticket}'] .rec-next")).to_have_text(
            "手続き完了（お帰り）"
        )
    expect(care.locator("#error")).to_be_empty()
    expect(reception.locator("#error")).to_be_empty()


def fire_together(pages: list[Page], key: str) -> None:
    """Press a key on several panels at the same instant (same browser, same clock)."""
    at = pages[0].evaluate("Date.now()") + 400
    for page in pages:
        page.evaluate(
            """([at, key]) => setTimeout(
                () => document.dispatchEvent(new KeyboardEvent("keydown", {key, bubbles: true})),
                at - Date.now())""",
            [at, key],
        )


def test_two_clerks_calling_at_the_same_moment_never_get_the_same_visitor(
    browser: Browser, contexts: list[BrowserContext], fresh_day: LiveServer
) -> None:
    server = fresh_day
    # Registry counter 2 and insurance counter 5 both call from general reception (A).
    one = open_panel(browser, contexts, server, ("clerk-shimin", "2222"), "?counter=c2")
    two = open_panel(browser, contexts, server, ("clerk-hoken", "2223"), "?counter=c5")
    open_counter(one)
    open_counter(two)

    # One visitor, two clerks pressing N at once: one gets them, the other is told clearly.
    ticket = register(server)
    for page in (one, two):
        expect(page.locator(f".line-item[data-ticket='{ticket}']")).to_be_visible()
        expect(page.locator("[data-action='callNext']")).to_be_enabled()
    fire_together([one, two], "n")
    for page in (one, two):
        expect(serving(page).or_(page.locator("#error:not(:empty)"))).to_be_visible()
    winners = [p for p in (one, two) if serving(p).count()]
    assert len(winners) == 1
    (loser,) = [p for p in (one, two) if p not in winners]
    expect(serving(winners[0]).locator(".ticket")).to_have_text(ticket)
    expect(loser.locator("#error")).to_contain_text("お呼びできる方がいません")
    expect(loser.locator(".elsewhere")).to_contain_text(ticket)  # at the winner's counter
    save(loser, "counter-conflict.png")
    winners[0].keyboard.press("d")
    expect(serving(winners[0])).to_have_count(0)

    # Two visitors, pressed at once again: each clerk gets a different one.
    tickets = {register(server), register(server)}
    for page in (one, two):
        for t in tickets:
            expect(page.locator(f".line-item[data-ticket='{t}']")).to_be_visible()
    fire_together([one, two], "n")
    for page in (one, two):
        expect(serving(page).locator(".ticket")).to_have_count(1)
    got = {serving(page).locator(".ticket").inner_text() for page in (one, two)}
    assert got == tickets

    # Calling by ticket someone another counter already has: clear, with where they are.
    other = serving(two).locator(".ticket").inner_text()
    one.keyboard.press("d")
    expect(serving(one)).to_have_count(0)
    one.keyboard.press("g")
    expect(one.locator("#ticket-input")).to_be_focused()
    one.keyboard.press("Escape")  # leaves the field: keys are shortcuts again
    expect(one.locator("#serving")).to_be_focused()
    one.keyboard.press("g")
    one.keyboard.type(other.lower())
    one.keyboard.press("Enter")
    expect(one.locator("#error")).to_contain_text(f"{other} はこの窓口の列で待っていません")
    expect(one.locator("#error")).to_contain_text("5番窓口へ呼出中")


def test_the_whole_counter_works_from_the_keyboard(
    browser: Browser, contexts: list[BrowserContext], fresh_day: LiveServer
) -> None:
    server = fresh_day
    page = open_panel(browser, contexts, server, ("clerk-shimin", "2222"), "?counter=c3")
    shortcuts = page.locator("#shortcut-list")
    for key in ("N", "G", "R", "S", "X", "1〜9", "D", "A", "T", "B", "P", "U", "O", "H", "C", "L"):
        expect(shortcuts.locator("dt", has_text=key).first).to_be_visible()
    open_counter(page)
    first, second = register(server), register(server)
    expect(page.locator(".line-item .ticket")).to_have_text([first, second])
    expect(page.locator(f".line-item[data-ticket='{first}'] .badge.next")).to_be_visible()
    save(page, "counter-queue.png")

    # Call, recall, no-show: the visitor goes back to the line (once), the counter is free.
    page.keyboard.press("n")
    expect(serving(page).locator(".ticket")).to_have_text(first)
    expect(serving(page).locator(".timer")).not_to_have_text("0:00")  # it ticks
    page.keyboard.press("r")
    expect(serving(page)).to_contain_text("呼出 2回")
    page.keyboard.press("x")
    expect(serving(page)).to_have_count(0)
    expect(page.locator(".line-item .ticket")).to_have_text([second, first])

    # Park while fetching a document, call the next one, then bring the first back.
    page.keyboard.press("n")
    expect(serving(page).locator(".ticket")).to_have_text(second)
    page.keyboard.press("s")
    page.keyboard.press("p")
    page.locator("#park-note").fill("転出証明書を取りに戻る")
    page.keyboard.press("Control+Enter")
    expect(page.locator(".parked")).to_contain_text(second)
    expect(page.locator(".parked")).to_contain_text("転出証明書を取りに戻る")
    page.keyboard.press("n")
    expect(serving(page).locator(".ticket")).to_have_text(first)
    page.keyboard.press("u")
    expect(page.locator("#dlg-unpark")).to_be_visible()
    page.keyboard.press("Enter")
    expect(page.locator(".parked")).to_have_count(0)
    expect(page.locator(".line-item .ticket")).to_have_text([second])

    # Return to the queue, then transfer to the family-register line with a note.
    page.keyboard.press("b")
    expect(serving(page)).to_have_count(0)
    page.keyboard.press("n")
    expect(serving(page).locator(".ticket")).to_have_text(second)
    page.keyboard.press("t")
    page.locator("#transfer-queue").select_option("B")
    page.locator("#transfer-note").fill("婚姻届も提出希望")
    page.keyboard.press("Control+Enter")
    expect(page.locator("#message")).to_contain_text(
        f"{second} を 戸籍の届出（B） の列へ回しました"
    )
    expect(page.locator(f".recent li[data-ticket='{second}'] .rec-next")).to_have_text(
        "次: 戸籍の届出（B）"
    )

    # Escape leaves a dialog without doing anything; shortcuts are off while typing.
    page.keyboard.press("n")
    expect(serving(page).locator(".ticket")).to_have_text(first)
    page.keyboard.press("a")
    expect(page.locator("#dlg-add")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.locator("#dlg-add")).to_be_hidden()
    page.keyboard.press("d")
    expect(serving(page)).to_have_count(0)

    # Pause, reopen, close; a refusal is explained.
    page.keyboard.press("h")
    expect(page.locator("#counter-status")).to_have_attribute("data-status", "paused")
    expect(page.locator(".idle.paused")).to_be_visible()
    page.keyboard.press("o")
    expect(page.locator("#counter-status")).to_have_attribute("data-status", "open")
    page.keyboard.press("c")
    expect(page.locator("#counter-status")).to_have_attribute("data-status", "closed")
    page.keyboard.press("h")  # not open: the button is disabled, the shortcut says why
    expect(page.locator("#error")).to_have_text("窓口が開いていません（O キーで開けます）")
    page.keyboard.press("?")
    expect(page.locator("#shortcuts")).to_be_focused()


def test_keys_keep_their_procedure_transfers_offer_serving_lines_no_show_says_its_rule(
    browser: Browser, contexts: list[BrowserContext], fresh_day: LiveServer
) -> None:
    server = fresh_day
    page = open_panel(browser, contexts, server, ("clerk-shimin", "2222"), "?counter=c1")
    open_counter(page)
    ticket = register(server)
    page.keyboard.press("n")
    card = serving(page)
    expect(card.locator(".ticket")).to_have_text(ticket)
    expect(card.locator(".no-show-rule")).to_have_text("不在の場合：列の最後尾へ（優先の方も同じ）")

    # "1" then "2": the first two procedures as numbered, whatever was completed between.
    procs = card.locator("li.proc")
    expect(procs.locator("kbd")).to_have_text(["1", "2", "3", "4"])
    page.keyboard.press("1")
    expect(procs.nth(0)).to_have_class("proc done")
    page.keyboard.press("2")
    expect(procs.nth(1)).to_have_class("proc done")
    expect(procs.nth(2)).to_have_class("proc")  # 国民年金: still to do
    expect(procs.nth(3).locator("kbd")).to_have_text("4")  # numbers did not move
    page.keyboard.press("1")
    expect(page.locator("#error")).to_have_text("1番「転入届」は完了済みです")

    # A transfer offers only lines whose counters can do what is left (registry staff at B).
    page.keyboard.press("t")
    options = page.locator("#transfer-queue option")
    expect(options).to_have_count(2)
    expect(options.nth(1)).to_have_attribute("value", "B")
    page.keyboard.press("Escape")

    # No-show: by the site's rule to the back once, then the visit ends; the panel says so.
    page.keyboard.press("x")
    expect(page.locator("#message")).to_have_text(f"{ticket} は不在のため、列の最後尾へ戻しました")
    page.keyboard.press("n")
    expect(card.locator(".no-show-rule")).to_have_text(
        "不在の場合：受付を終了します（再呼出しの上限）"
    )
    save(page, "counter-no-show-rule.png")
    page.keyboard.press("x")
    expect(page.locator("#message")).to_have_text(f"{ticket} は不在のため、受付を終了しました")


def test_english_toggle_and_the_counter_remembered_per_device(
    browser: Browser, contexts: list[BrowserContext], fresh_day: LiveServer
) -> None:
    server = fresh_day
    page = open_panel(browser, contexts, server, ("clerk-shimin", "2222"), "")
    # No counter chosen yet: the page asks, and remembers the answer on this device.
    expect(page.locator("#counter-select")).to_be_focused()
    expect(page.locator(".idle")).to_have_text("上の「担当窓口」で窓口を選んでください。")
    page.locator("#counter-select").select_option("c4")
    expect(page).to_have_url(f"{server.url}/counter/{SITE}?counter=c4")
    open_counter(page)
    ticket = register(server)
    page.keyboard.press("n")
    expect(serving(page).locator(".ticket")).to_have_text(ticket)

    page.keyboard.press("l")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(serving(page).locator(".greeting")).to_have_text("We were expecting you")
    expect(serving(page).locator(".purpose")).to_have_text("Here for: Moving in")
    expect(page.locator("[data-action='completeStep']")).to_contain_text("Finish here")
    expect(page.locator("#dept-name")).to_have_text("Residents' Registry")
    save(page, "counter-english.png")

    page.goto(f"{server.url}/counter/{SITE}")
    expect(page.locator("#conn")).to_have_attribute("data-status", "live")
    expect(page.locator("#counter-select")).to_have_value("c4")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(serving(page).locator(".ticket")).to_have_text(ticket)
    page.keyboard.press("l")
    expect(page.locator("html")).to_have_attribute("lang", "ja")


def test_who_may_open_which_panel(
    browser: Browser, contexts: list[BrowserContext], fresh_day: LiveServer
) -> None:
    server = fresh_day
    with server.client() as http:
        anonymous = http.get(f"/counter/{SITE}?counter=c1")
        assert anonymous.status_code == 303
        assert anonymous.headers["location"] == f"/signin?next=/counter/{SITE}%3Fcounter%3Dc1"
        http.post("/api/login", json={"id": "clerk-shimin", "pin": "2222"}).raise_for_status()
        assert http.get(f"/counter/{SITE}?department=choju").status_code == 403
        stale = http.get(f"/counter/{SITE}?counter=c50")  # another department's counter
        assert stale.status_code == 303
        assert http.get(f"/counter/{SITE}").status_code == 200
        http.post("/api/login", json={"id": "guide01", "pin": "1111"}).raise_for_status()
        assert http.get(f"/counter/{SITE}").status_code == 403

    # A supervisor opens any department's panel and can switch between them.
    page = open_panel(
        browser, contexts, server, ("super01", "9999"), "?department=choju&counter=c51"
    )
    expect(page.locator("#dept-name")).to_have_text("健康長寿推進課")
    expect(page.locator("#department-select")).to_have_value("choju")
    page.locator("#department-select").select_option("hagukumi")
    expect(page.locator("#dept-name")).to_have_text("子どもはぐくみ室")
    expect(page.locator("#conn")).to_have_attribute("data-status", "live")
    page.locator("#counter-select").select_option("c41")
    open_counter(page)
    expect(page.locator(".dept-counter.mine")).to_contain_text("41番窓口")


def test_an_arranged_interpreter_is_stated_on_the_counter_card(
    browser: Browser, contexts: list[BrowserContext], fresh_day: LiveServer
) -> None:
    server = fresh_day
    register(server, {**MOVED_IN, "language": "vi", "needs": ["interpreter"], "interpreter": "vi"})
    register(server, {**MOVED_IN, "needs": ["hearing", "interpreter"], "interpreter": "sgn"})
    page = open_panel(browser, contexts, server, ("clerk-shimin", "2222"), "?counter=c1")
    open_counter(page)
    # The hearing need puts the sign-language visitor first.
    page.keyboard.press("n")
    expect(serving(page).locator(".badge.lang")).to_have_text("🤟 手話通訳手配済")
    page.keyboard.press("s")
    page.keyboard.press("d")
    expect(serving(page)).to_have_count(0)
    page.keyboard.press("n")
    expect(serving(page).locator(".badge.lang")).to_have_text(
        ["言語: ベトナム語", "通訳手配済: ベトナム語"]
    )
