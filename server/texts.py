"""Visitor-facing wording in every language the intake offers (``config/texts.toml``).

The visitor page, the printed ticket, the self-service slip and the lobby boards' captions all
read their words from one table. A text missing in a language is given in English, never in
Japanese alone; a language may borrow another's words (sign-language users read Japanese).
"""

from __future__ import annotations

import functools
import re

import msgspec

FALLBACK = "en"
PLACEHOLDER = re.compile(r"\{(\w+)\}")


class Language(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """One language a visitor can read: its own name, its BCP 47 tag, whose words it uses."""

    name: str
    tag: str
    texts: str = ""


class Texts(msgspec.Struct, frozen=True, forbid_unknown_fields=True, dict=True):
    """The table: ``texts[key][lang]``; ``languages`` lists every language visitors may read."""

    languages: dict[str, Language]
    texts: dict[str, dict[str, str]]

    def words(self, lang: str) -> str:
        """The language whose words are shown to a visitor who reads ``lang``."""
        language = self.languages.get(lang)
        if language is None:
            return FALLBACK
        return language.texts or lang

    def tag(self, lang: str) -> str:
        """The ``lang`` attribute for text shown to a visitor who reads ``lang``."""
        language = self.languages.get(lang)
        return language.tag if language is not None else FALLBACK

    def get(self, key: str, lang: str, **values: object) -> str:
        """One text in ``lang`` (English when missing), with ``{name}`` placeholders filled."""
        entry = self.texts[key]
        template = entry.get(self.words(lang)) or entry[FALLBACK]
        if not values:
            return template
        return PLACEHOLDER.sub(lambda m: str(values[m[1]]) if m[1] in values else m[0], template)

    def table(self, lang: str, prefix: str = "") -> dict[str, str]:
        """Every text (of keys starting with ``prefix``) in ``lang``, English filling gaps."""
        cached = self._tables.get((lang, prefix))
        if cached is None:
            words = self.words(lang)
            cached = {
                key: entry.get(words) or entry[FALLBACK]
                for key, entry in self.texts.items()
                if key.startswith(prefix)
            }
            self._tables[(lang, prefix)] = cached
        return cached

    @functools.cached_property
    def _tables(self) -> dict[tuple[str, str], dict[str, str]]:
        # Pages ask for the same few tables on every request: built once per configuration.
        return {}

    def menu(self, langs: list[str]) -> list[dict[str, str]]:
        """The language menu: id, own name and tag of each of ``langs`` known here."""
        return [
            {"id": lang, "name": self.languages[lang].name, "tag": self.tag(lang)}
            for lang in langs
            if lang in self.languages
        ]


def placeholders(template: str) -> set[str]:
    """The ``{name}`` placeholders of a text."""
    return set(PLACEHOLDER.findall(template))
