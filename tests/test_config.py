"""The demo configuration loads, and broken copies fail with messages an operator can act on.

Each broken copy is the demo folder copied to ``tmp_path`` with one edit; the ConfigError must
name the file, the key path and what was expected.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from server.config.loading import load_config
from server.config.schema import Config
from server.errors import ConfigError
from server.security.passwords import token_digest, verify_pin

CONFIG = Path(__file__).resolve().parent.parent / "config"


@pytest.fixture(scope="module")
def demo() -> Config:
    return load_config(CONFIG)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    copy = tmp_path / "config"
    shutil.copytree(CONFIG, copy)
    return copy


def append(folder: Path, name: str, text: str) -> None:
    path = folder / name
    path.write_text(path.read_text(encoding="utf-8") + "\n" + text, encoding="utf-8")


def replace(folder: Path, name: str, old: str, new: str) -> None:
    path = folder / name
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def config_error(folder: Path) -> str:
    with pytest.raises(ConfigError) as info:
        load_config(folder)
    return str(info.value)


def assert_names(message: str, *parts: str) -> None:
    for part in parts:
        assert part in message, f"{part!r} not in:\n{message}"


def add_tennyu_rule(folder: Path, body: str) -> None:
    append(folder, "life_events.toml", f"[[events.tennyu.rules]]\n{body}\n")


# --- the demo configuration --------------------------------------------------------------------


def test_demo_config_loads_with_both_kyoto_sites(demo: Config) -> None:
    assert list(demo.sites) == ["shimogyo", "nakagyo"]
    assert [q.id for q in demo.site("shimogyo").queues] == ["A", "B", "C", "D", "E", "F"]
    assert [q.id for q in demo.site("nakagyo").queues] == ["A", "C", "D"]
    assert {b.id for b in demo.site("shimogyo").boards} == {"lobby-1f", "lobby-2f", "entrance"}
    assert demo.deployment.note_retention_days == 1


def test_demo_routes_the_moving_in_procedures_to_reception_and_children(demo: Config) -> None:
    site = demo.site("shimogyo")
    procedures = demo.procedures.procedures
    route = {p: site.queue_for(p, procedures[p].department).id for p in procedures}
    assert [route[p] for p in ("tennyu_todoke", "kokuho_kanyu", "nenkin_shubetsu")] == ["A"] * 3
    assert route["my_number_address"] == "A"
    assert route["jido_teate"] == route["kodomo_iryo"] == "C"
    assert route["konin_todoke"] == route["shibo_todoke"] == "B"


def test_demo_certificates_can_be_fetched_at_a_convenience_store(demo: Config) -> None:
    procedures = demo.procedures.procedures
    for certificate in ("jumin_hyo", "inkan_shomei", "kazei_shomei", "koseki_shomei"):
        assert procedures[certificate].self_service == "konbini"
    konbini = demo.procedures.self_service["konbini"]
    assert konbini.requires == {"has_my_number_card": True, "knows_pin": True}


def test_demo_sign_ins_match_the_stored_hashes(demo: Config) -> None:
    staff = {s.id: s for s in demo.accounts.staff}
    devices = {d.id: d for d in demo.accounts.devices}
    for sign_in in demo.deployment.demo_sign_ins:
        if sign_in.id:
            assert verify_pin(sign_in.pin, staff[sign_in.id].pin_hash), sign_in.label
        else:
            assert token_digest(sign_in.token) == devices[sign_in.device].token_sha256


# --- decoding errors (msgspec, server/config/loading.py) -------------------------------------


def test_wrong_type_names_file_key_and_expected_type(folder: Path) -> None:
    append(
        folder,
        "procedures.toml",
        '[procedures.broken]\nname = { ja = "壊れた手続き" }\ndepartment = "shimin"\n'
        'minutes = "ten"\n',
    )
    message = config_error(folder)
    assert_names(message, "procedures.toml", "$.procedures[...].minutes", "Expected `int`")


def test_missing_file_is_named(folder: Path) -> None:
    (folder / "staff.toml").unlink()
    assert_names(config_error(folder), "staff.toml", "file not found")


def test_missing_site_file_is_named(folder: Path) -> None:
    (folder / "sites" / "nakagyo.toml").unlink()
    assert_names(config_error(folder), "sites/nakagyo.toml", "file not found")


def test_invalid_toml_syntax_is_named(folder: Path) -> None:
    append(folder, "life_events.toml", "[events.broken\nname = 1\n")
    assert_names(config_error(folder), "life_events.toml", "not valid TOML")


# --- cross-checks (server/config/checks.py) ----------------------------------------------------


def test_rule_with_unknown_procedure_names_the_rule_and_suggests_the_right_id(
    folder: Path, demo: Config
) -> None:
    add_tennyu_rule(folder, 'procedure = "kokuho_kanyuu"')
    index = len(demo.life_events.events["tennyu"].rules)
    assert_names(
        config_error(folder),
        "life_events.toml",
        f"$.events.tennyu.rules[{index}].procedure",
        "unknown procedure 'kokuho_kanyuu'",
        "expected one of procedures.toml's procedures",
        "did you mean 'kokuho_kanyu'?",
    )


def test_condition_on_unknown_question_is_rejected(folder: Path, demo: Config) -> None:
    add_tennyu_rule(folder, 'procedure = "jido_teate"\nwhen = { favourite_colour = "blue" }')
    index = len(demo.life_events.events["tennyu"].rules)
    assert_names(
        config_error(folder),
        "life_events.toml",
        f"$.events.tennyu.rules[{index}].when.favourite_colour",
        "unknown question 'favourite_colour'",
        "expected one of life_events.toml's questions",
    )


def test_choice_condition_must_name_an_option(folder: Path, demo: Config) -> None:
    add_tennyu_rule(
        folder, 'procedure = "tennyu_todoke"\nwhen = { moved_from = ["abroad", "mars"] }'
    )
    index = len(demo.life_events.events["tennyu"].rules)
    assert_names(
        config_error(folder),
        f"$.events.tennyu.rules[{index}].when.moved_from",
        "'mars' is not an option of question 'moved_from'",
        "expected one of other_prefecture, other_city",
    )


def test_bool_condition_must_be_true_or_false(folder: Path, demo: Config) -> None:
    add_tennyu_rule(folder, 'procedure = "inkan_toroku"\nany = [{ wants_inkan = "yes" }]')
    index = len(demo.life_events.events["tennyu"].rules)
    assert_names(
        config_error(folder),
        f"$.events.tennyu.rules[{index}].any[0].wants_inkan",
        "expected true or false",
    )


def test_count_condition_must_be_a_number_or_bounds(folder: Path, demo: Config) -> None:
    add_tennyu_rule(folder, 'procedure = "jido_teate"\nwhen = { children = { least = 1 } }')
    index = len(demo.life_events.events["tennyu"].rules)
    assert_names(
        config_error(folder),
        f"$.events.tennyu.rules[{index}].when.children",
        "expected a whole number >= 0 or a table { min = …, max = … }",
    )


def test_rule_may_only_test_questions_its_event_asks(folder: Path, demo: Config) -> None:
    append(
        folder,
        "life_events.toml",
        '[[events.shomeisho.rules]]\nprocedure = "jido_teate"\nwhen = { children = { min = 1 } }\n',
    )
    index = len(demo.life_events.events["shomeisho"].rules)
    assert_names(
        config_error(folder),
        f"$.events.shomeisho.rules[{index}].when.children",
        "not asked by event 'shomeisho'",
        "expected one of $.events.shomeisho.questions",
    )


def test_document_condition_is_checked_against_questions(folder: Path) -> None:
    replace(
        folder,
        "procedures.toml",
        "required_if = { foreign_national = true }",
        'required_if = { foreign_national = "yes" }',
    )
    assert_names(
        config_error(folder),
        "procedures.toml",
        "$.documents.zairyu_card.required_if.foreign_national",
        "expected true or false",
    )


def test_procedure_with_unknown_document_is_rejected(folder: Path) -> None:
    append(
        folder,
        "procedures.toml",
        '[procedures.broken]\nname = { ja = "壊れた手続き" }\ndepartment = "shimin"\n'
        'documents = ["photo_id", "hanko"]\n',
    )
    assert_names(
        config_error(folder),
        "procedures.toml",
        "$.procedures.broken.documents[1]",
        "unknown document 'hanko' (expected one of procedures.toml's documents",
    )


def test_procedure_department_must_exist_at_some_site(folder: Path) -> None:
    append(
        folder,
        "procedures.toml",
        '[procedures.broken]\nname = { ja = "壊れた手続き" }\ndepartment = "kokusai"\n',
    )
    assert_names(
        config_error(folder),
        "$.procedures.broken.department",
        "unknown department 'kokusai' (expected a department of some site)",
    )


def test_duplicate_counter_id_is_rejected(folder: Path, demo: Config) -> None:
    append(
        folder,
        "sites/shimogyo.toml",
        '[[counters]]\nid = "c1"\nnumber = "99"\ndepartment = "shimin"\nqueues = ["A"]\n',
    )
    index = len(demo.site("shimogyo").counters)
    assert_names(
        config_error(folder),
        "sites/shimogyo.toml",
        f"$.counters[{index}].id",
        "duplicate counter id 'c1' (expected unique, first at $.counters[0].id)",
    )


def test_counter_on_unknown_queue_is_rejected(folder: Path, demo: Config) -> None:
    append(
        folder,
        "sites/shimogyo.toml",
        '[[counters]]\nid = "c99"\nnumber = "99"\ndepartment = "shimin"\nqueues = ["Z"]\n',
    )
    index = len(demo.site("shimogyo").counters)
    assert_names(
        config_error(folder),
        "sites/shimogyo.toml",
        f"$.counters[{index}].queues[0]",
        "unknown queue 'Z' (expected one of A, B, C, D, E, F)",
    )


def test_duplicate_ticket_series_is_rejected(folder: Path, demo: Config) -> None:
    append(
        folder,
        "sites/nakagyo.toml",
        '[[queues]]\nid = "G"\nseries = "A"\nlabel = { ja = "G", en = "G", zh = "G", ko = "G" }\n'
        'departments = ["shimin"]\n',
    )
    index = len(demo.site("nakagyo").queues)
    assert_names(
        config_error(folder),
        "sites/nakagyo.toml",
        f"$.queues[{index}].series",
        "duplicate queue series 'A'",
    )


def test_queue_label_must_not_reveal_a_sensitive_matter(folder: Path, demo: Config) -> None:
    replace(folder, "sites/shimogyo.toml", 'label = { ja = "相談"', 'label = { ja = "生活保護"')
    index = [q.id for q in demo.site("shimogyo").queues].index("F")
    assert_names(
        config_error(folder),
        f"$.queues[{index}].label",
        "contains '生活保護'",
        "expected a neutral label",
    )


def test_board_language_must_be_supported(folder: Path) -> None:
    replace(
        folder,
        "sites/nakagyo.toml",
        'orientation = "landscape"\nlanguages = ["ja", "en", "zh", "ko"]',
        'orientation = "landscape"\nlanguages = ["ja", "fr"]',
    )
    assert_names(
        config_error(folder),
        "sites/nakagyo.toml",
        "$.boards[0].languages[1]",
        "unsupported language 'fr' (expected one of ja, en, zh, ko, vi)",
    )


def test_board_visible_text_needs_every_board_language(folder: Path) -> None:
    replace(folder, "sites/nakagyo.toml", ', zh = "儿童・育儿"', "")
    assert_names(
        config_error(folder),
        "sites/nakagyo.toml",
        "$.queues[1].label",
        "no zh text (expected a translation for every language",
    )


def test_clerk_department_must_exist_at_each_of_their_sites(folder: Path, demo: Config) -> None:
    replace(folder, "staff.toml", 'department = "hagukumi"', 'department = "kosodate"')
    index = [s.id for s in demo.accounts.staff].index("clerk-hagukumi")
    assert_names(
        config_error(folder),
        "staff.toml",
        f"$.staff[{index}].department",
        "unknown department 'kosodate' (expected a department of site 'shimogyo'",
    )


def test_pin_hash_must_come_from_hash_pin(folder: Path, demo: Config) -> None:
    append(
        folder,
        "staff.toml",
        '[[staff]]\nid = "plain"\nname = "x"\nrole = "guide"\nsites = ["nakagyo"]\n'
        'pin_hash = "1234"\n',
    )
    index = len(demo.accounts.staff)
    assert_names(
        config_error(folder),
        "staff.toml",
        f"$.staff[{index}].pin_hash",
        "expected scrypt$<n>$<r>$<p>$<salt hex>$<hash hex>",
    )


def test_device_on_unknown_board_is_rejected(folder: Path, demo: Config) -> None:
    append(
        folder,
        "staff.toml",
        f'[[devices]]\nid = "board-3f"\nsite = "shimogyo"\nboard = "lobby-3f"\n'
        f'token_sha256 = "{token_digest("t")}"\n',
    )
    index = len(demo.accounts.devices)
    assert_names(
        config_error(folder),
        "staff.toml",
        f"$.devices[{index}].board",
        "unknown board 'lobby-3f' (expected one of entrance, lobby-1f, lobby-2f",
    )


def test_all_problems_are_reported_together(folder: Path, demo: Config) -> None:
    add_tennyu_rule(folder, 'procedure = "kokuho_kanyuu"')
    add_tennyu_rule(folder, 'procedure = "jido_teate"\nwhen = { favourite_colour = "blue" }')
    message = config_error(folder)
    assert message.startswith("2 configuration problems:\n")
    assert_names(
        message, "unknown procedure 'kokuho_kanyuu'", "unknown question 'favourite_colour'"
    )


# --- prerequisites and documents that stand in for others (issue 13) ----------------------------


def test_prerequisite_cycle_is_rejected_with_file_and_key(folder: Path) -> None:
    # 婚姻届 after マイナンバーカードの記載事項変更, which is already after 婚姻届: no order works.
    replace(
        folder,
        "procedures.toml",
        'forms = ["konin_todoke_sho"]',
        'forms = ["konin_todoke_sho"]\nafter = ["my_number_address"]',
    )
    message = config_error(folder)
    assert_names(
        message,
        "procedures.toml",
        "$.procedures.",
        ".after",
        "cycle",
        "konin_todoke after my_number_address",
    )


def test_prerequisite_must_name_a_procedure(folder: Path) -> None:
    replace(folder, "procedures.toml", 'after = ["shussei_todoke"]', 'after = ["shusei_todoke"]')
    message = config_error(folder)
    assert_names(
        message,
        "procedures.toml",
        "$.procedures.shussan_ikuji.after[0]",
        "unknown procedure 'shusei_todoke'",
        "did you mean 'shussei_todoke'?",
    )


def test_document_alternative_must_name_another_document(folder: Path) -> None:
    replace(folder, "procedures.toml", '"my_number_card", "zairyu_card"]', '"my_number_crad"]')
    message = config_error(folder)
    assert_names(
        message,
        "procedures.toml",
        "$.documents.photo_id.satisfied_by[0]",
        "unknown document 'my_number_crad'",
    )


def test_spoken_wording_needs_both_numbers_and_a_sane_repeat(folder: Path) -> None:
    replace(folder, "sites/shimogyo.toml", "repeat = { ja = 1 }", "repeat = { ja = 5, xx = 1 }")
    replace(folder, "sites/shimogyo.toml", '、{counter}番窓口へお越しください。" }', '。" }')
    assert_names(
        config_error(folder),
        "sites/shimogyo.toml",
        "speech.wording.ja",
        "lacks {counter}",
        "speech.repeat.ja",
        "5 (expected 1, 2 or 3)",
        "speech.repeat.xx",
        "unknown language",
    )


# --- visitor-facing texts (config/texts.toml) -----------------------------------------------------


def test_every_intake_language_has_texts_with_english_filling_gaps(demo: Config) -> None:
    texts = demo.texts
    assert set(demo.life_events.languages) <= set(texts.languages)
    for lang in ("ja", "en", "zh", "ko", "vi", "ne", "id", "tl", "pt", "es", "th"):
        table = texts.table(lang)
        # Each of these languages has its own words for every visitor-page text (the kiosk's
        # words are checked against the kiosk's languages below).
        own = [
            k for k, entry in texts.texts.items() if lang in entry and not k.startswith("kiosk_")
        ]
        assert len(own) >= len([k for k in table if not k.startswith(("board_", "kiosk_"))]) - 2, (
            lang
        )
    kiosk_words = [k for k in texts.texts if k.startswith("kiosk_")]
    for lang in demo.kiosk.languages:
        assert all(lang in texts.texts[k] for k in kiosk_words), lang
    assert texts.get("kiosk_issue", "vi") == "Issue my ticket"  # English fills a gap
    assert texts.tag("zh") == "zh-Hans"
    assert texts.get("board_sound_off", "ne") == "Enable sound"  # English, not Japanese
    assert texts.get("status_waiting", "sgn") == "順番をお待ちください"  # sign language: Japanese
    assert texts.get("wait", "vi", n=10) == "Thời gian chờ khoảng 10 phút"


def test_a_translation_with_wrong_placeholders_or_a_missing_language_is_rejected(
    folder: Path,
) -> None:
    replace(folder, "texts.toml", 'vi = "Vui lòng đến quầy {n}"', 'vi = "Vui lòng đến quầy {x}"')
    replace(folder, "texts.toml", 'th = { name = "ภาษาไทย", tag = "th" }\n', "")
    assert_names(
        config_error(folder),
        "texts.toml",
        "$.texts.go_counter.vi: placeholders ['x'] (expected ['n']",
        "$.languages: no entry for 'th' (life_events.toml offers it at intake)",
    )


def test_a_fee_for_a_procedure_the_route_does_not_serve_is_rejected(folder: Path) -> None:
    replace(folder, "procedures.toml", "fees = { jumin_hyo = 200,", "fees = { tennyu_todoke = 200,")
    assert_names(
        config_error(folder),
        "$.self_service.konbini.fees.tennyu_todoke",
        "unknown procedure 'tennyu_todoke' (expected a procedure routed to 'konbini'",
    )


def test_step_out_rule_is_checked(folder: Path) -> None:
    replace(folder, "sites/nakagyo.toml", "max_minutes = 60", "max_minutes = 2")
    replace(folder, "sites/nakagyo.toml", "grace_minutes = 10", "grace_minutes = -1")
    message = config_error(folder)
    assert_names(message, "sites/nakagyo.toml", "$.step_out.max_minutes", "2 (expected 5 to 480")
    assert_names(message, "$.step_out.grace_minutes", "negative")
    replace(folder, "sites/nakagyo.toml", 'on_return = "next"', 'on_return = "first"')
    assert_names(config_error(folder), "sites/nakagyo.toml", "on_return")
