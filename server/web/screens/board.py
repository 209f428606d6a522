"""Lobby boards: ``/board/{site}/{board}``, the TV page an enrolled display opens.

The display token arrives once as ``?device=`` (from the enrolment link), is kept in the
display's localStorage and removed from the address bar by the page. The page itself holds
no secret: it subscribes to the ``board`` view, which carries numbers and neutral labels only.
``/board/clock`` tells boards the server's time, so a call made while a board was offline is
never announced as new minutes later, whatever the TV's own clock says.
"""

from __future__ import annotations

import time

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from server.config.schema import Site
from server.texts import Texts
from server.web.context import AppContext
from server.web.pages import enrolment_url, render

NOT_FOUND = "no such board / 該当する表示板がありません"


def board_texts(texts: Texts, languages: list[str]) -> dict[str, dict[str, str]]:
    """The board's captions (``board_*`` in config/texts.toml) in each language it shows,
    keyed without the prefix, so the page script reads ``STRINGS.now.vi``."""
    return {
        lang: {
            **{
                key.removeprefix("board_"): text
                for key, text in texts.table(lang, "board_").items()
            },
            "counter": texts.get("at_counter", lang),
        }
        for lang in dict.fromkeys(["ja", "en", *languages])
    }


def routes(ctx: AppContext) -> list[BaseRoute]:
    """The board page and the clock boards synchronise with."""

    async def board_page(request: Request) -> Response:
        site = ctx.config.sites.get(request.path_params["site"])
        board_id = request.path_params["board"]
        if site is None or not any(b.id == board_id for b in site.boards):
            return PlainTextResponse(NOT_FOUND, status_code=404)
        board = site.board(board_id)
        response = render(
            ctx.templates,
            request,
            "board.html",
            ctx.hub.version,
            site=site,
            board=board,
            now=time.time(),
            texts=board_texts(ctx.config.texts, board.languages),
        )
        # A token may be in the address: keep it out of caches and referrers.
        response.headers["Cache-Control"] = "no-store"
        response.headers["Referrer-Policy"] = "no-referrer"
        return response

    async def clock(request: Request) -> Response:
        return JSONResponse({"now": time.time()}, headers={"Cache-Control": "no-store"})

    return [
        Route("/board/clock", clock),
        Route("/board/{site}/{board}", board_page),
    ]


def links(ctx: AppContext, site: Site) -> list[dict[str, str]]:
    """One landing entry per board; a demo deployment's entries carry the demo token."""
    return [
        {
            "url": enrolment_url(ctx, site.id, board=board.id),
            "ja": f"表示板：{board.name.ja}",
            "en": f"Lobby board: {board.name.en or board.name.ja}",
        }
        for board in site.boards
    ]
