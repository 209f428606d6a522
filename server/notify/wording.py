"""A notice's words in the visitor's language, from ``config/texts.toml`` (pure).

The service worker shows what it is sent: the server words each notice once, in the language
the visitor reads on their page, so the 14 languages (English filling gaps) live in one table.
Calls reuse the page's own words (``called_title``, ``go_counter``, ``ahead``, ``wait``).
"""

from __future__ import annotations

import msgspec

from server.config.schema import Config, Site
from server.notify.triggers import Kind
from server.texts import Texts


class Message(msgspec.Struct, frozen=True):
    """What a channel delivers: a title, a body, and where tapping it leads."""

    kind: Kind
    title: str
    body: str
    lang: str  # BCP 47 tag, so the notification is read in the right voice
    tag: str  # the same tag replaces an earlier notice of the ticket (no pile of stale ones)
    url: str  # the visitor's own page
    ticket: str = ""


def word(
    config: Config, site: Site, lang: str, kind: Kind, values: dict[str, str | int], url: str
) -> Message:
    """Word the notice ``kind`` for a visitor reading ``lang`` (``t``: ticket, ``n``: the
    counter, the number ahead or the minutes). A call with neither ticket nor counter is a
    protected visitor called in person: staff come to them."""
    texts: Texts = config.texts
    ticket = str(values.get("t", ""))
    n = values.get("n", "")
    head = f"{ticket} — {site.name.get(texts.words(lang))}" if ticket else site.name.get(lang)
    if kind == "called" and not (ticket or n):
        title, body = head, texts.get("in_person_called", lang)
    elif kind == "called":
        title = texts.get("called_title", lang, t=ticket, n=n) if n else head
        body = texts.get("go_counter", lang, n=n) if n else texts.get("status_called", lang)
    elif kind == "ahead":
        title = head
        body = texts.get("next", lang) if n == 0 else texts.get("ahead", lang, n=n)
    elif kind == "soon":
        title, body = head, texts.get("wait", lang, n=n)
    elif kind == "return":
        # Said as the page's own "please come back" banner says it when the stepping-out
        # texts have the visitor's language (issue 19: return_held / return_near), else in
        # push_return's words, which every language has: never English where avoidable.
        near = "return_held" if values.get("held") else "return_near"
        title = head
        if _has(texts, "return_title", lang) and ticket:
            title = f"{ticket} — {texts.get('return_title', lang)}"
        body = texts.get(near if _has(texts, near, lang) else "push_return", lang)
    else:
        title, body = head, texts.get("push_test", lang)
    return Message(kind, title, body, texts.tag(lang), f"madoguchi-{ticket}", url, ticket)


def _has(texts: Texts, key: str, lang: str) -> bool:
    """Whether ``key`` exists with words of ``lang``'s own (not the English fallback)."""
    return texts.words(lang) in texts.texts.get(key, {})
