"""Renders lobby calls to audio off the event loop, caches them, and renders the next ones
ahead of time.

A call's audio is keyed by (site, wording version, ticket, counter, language) and made of
segments (``wording.split``) that are cached on their own: the fixed greeting once, each
ticket's part once, each counter's part once. Rendering runs in one worker thread fed by a
priority queue: a board waiting for a call's audio goes before renders ahead of time, so a
lobby's calls are never stuck behind speculative work, and renders ahead rest between each
other (``AHEAD_DUTY``) so they never take a whole core from the hub. The cache holds PCM in
memory, least recently used first out, up to ``MADOGUCHI_SPEECH_CACHE_MB``.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor

from server.background import cancel_all
from server.config.schema import Config, Site
from server.domain.state import SiteState
from server.errors import Rejected
from server.metrics import Histogram, Metrics
from server.settings import Settings
from server.speech import engines as engine_registry
from server.speech import wording
from server.speech.ahead import upcoming
from server.speech.audio import Pcm, joined, to_wav, trimmed

log = logging.getLogger("madoguchi.speech")

URGENT, AHEAD = 0, 1
MAX_URGENT = 64  # renders boards are waiting for; past this a board captions instead
MAX_AHEAD = 256  # speculative renders queued; past this the newest wait for the next look
AHEAD_EVERY = 0.5  # seconds between looks at what changed
# Renders ahead are speculative: they may keep the worker busy at most this share of the
# time, so at a city's peak they take half a core, not a whole one, from the hub.
AHEAD_DUTY = 0.5

LANGUAGE_NAMES = {
    "ja": ("日本語", "Japanese"),
    "en": ("英語", "English"),
    "zh": ("中国語", "Chinese"),
    "ko": ("韓国語", "Korean"),
    "vi": ("ベトナム語", "Vietnamese"),
}

# (site, wording version, language, segment kind, ticket or counter number)
SegmentKey = tuple[str, str, str, str, str]


class SegmentCache:
    """Rendered segments, least recently used evicted first once over ``limit`` bytes."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.size = 0
        self.evictions = 0
        self._items: OrderedDict[SegmentKey, Pcm] = OrderedDict()

    def get(self, key: SegmentKey) -> Pcm | None:
        pcm = self._items.get(key)
        if pcm is not None:
            self._items.move_to_end(key)
        return pcm

    def __contains__(self, key: SegmentKey) -> bool:
        return key in self._items

    def put(self, key: SegmentKey, pcm: Pcm) -> None:
        old = self._items.pop(key, None)
        if old is not None:
            self.size -= len(old.samples)
        self._items[key] = pcm
        self.size += len(pcm.samples)
        while self.size > self.limit and len(self._items) > 1:
            _, evicted = self._items.popitem(last=False)
            self.size -= len(evicted.samples)
            self.evictions += 1

    def __len__(self) -> int:
        return len(self._items)


class SpeechMetrics:
    """Render time per engine, and how often a call's audio was ready when asked for."""

    def __init__(self) -> None:
        self.render_seconds: dict[str, Histogram] = {}
        self.calls = {"hit": 0, "miss": 0}
        self.ahead_rendered = 0

    def rendered(self, engine: str, seconds: float) -> None:
        self.render_seconds.setdefault(engine, Histogram()).observe(seconds)

    def lines(self, cache: SegmentCache, queued: int) -> list[str]:
        out = [
            "# HELP madoguchi_speech_render_seconds Time to render one call segment to audio.",
            "# TYPE madoguchi_speech_render_seconds histogram",
        ]
        for engine, histogram in sorted(self.render_seconds.items()):
            out += histogram.lines("madoguchi_speech_render_seconds", f'engine="{engine}"')
        out += [
            "# HELP madoguchi_speech_calls_total Call audio asked for by boards, by whether"
            " every segment was already rendered (hit) or some had to be rendered (miss).",
            "# TYPE madoguchi_speech_calls_total counter",
            *(f'madoguchi_speech_calls_total{{cache="{k}"}} {v}' for k, v in self.calls.items()),
            "# HELP madoguchi_speech_ahead_total Segments rendered ahead of their call.",
            "# TYPE madoguchi_speech_ahead_total counter",
            f"madoguchi_speech_ahead_total {self.ahead_rendered}",
            "# HELP madoguchi_speech_queued Segments waiting for the renderer.",
            "# TYPE madoguchi_speech_queued gauge",
            f"madoguchi_speech_queued {queued}",
            "# HELP madoguchi_speech_cache_bytes Rendered audio held in memory.",
            "# TYPE madoguchi_speech_cache_bytes gauge",
            f"madoguchi_speech_cache_bytes {cache.size}",
            "# HELP madoguchi_speech_cache_evictions_total Segments evicted to stay in size.",
            "# TYPE madoguchi_speech_cache_evictions_total counter",
            f"madoguchi_speech_cache_evictions_total {cache.evictions}",
        ]
        return out


class Speech:
    """The process's speech service: one per server, started and stopped with the app."""

    def __init__(
        self,
        config: Config,
        settings: Settings,
        metrics: Metrics,
        watched: Callable[[], dict[str, SiteState]],
    ) -> None:
        """``watched`` gives the states of the sites a board is watching now."""
        self.config = config
        self.ahead = settings.speech_ahead
        self.engines = engine_registry.available(settings.speech_engines)
        self.cache = SegmentCache(settings.speech_cache_mb * 1024 * 1024)
        self.stats = SpeechMetrics()
        metrics.sections.append(lambda: self.stats.lines(self.cache, len(self._jobs)))
        self._watched = watched
        self._executor = ThreadPoolExecutor(
            1, thread_name_prefix="speech", initializer=_yield_to_the_hub
        )
        self._wake = asyncio.Event()  # an urgent render was queued
        self._ahead_after = 0.0  # loop time before which no render ahead starts
        self._queue: asyncio.PriorityQueue[tuple[int, int, SegmentKey]] = asyncio.PriorityQueue()
        self._jobs: dict[SegmentKey, tuple[asyncio.Future[Pcm], str]] = {}
        self._urgent = 0
        self._order = itertools.count()
        self._tasks: list[asyncio.Task[None]] = []
        self._versions = {
            site_id: wording.version(site, self.languages(site))
            for site_id, site in config.sites.items()
        }

    # --- what the boards and /healthz are told ------------------------------------------------

    @staticmethod
    def languages(site: Site) -> list[str]:
        """Every language a board of the site speaks, in the site's order."""
        wanted = {lang for board in site.boards for lang in board.languages} or set(site.languages)
        order = [*site.languages, *sorted(wanted - set(site.languages))]
        return [lang for lang in order if lang in wanted]

    def version(self, site_id: str) -> str:
        return self._versions[site_id]

    def status(self, site: Site) -> dict[str, object]:
        """What a board needs to play server audio: the wording version, the voices, repeats."""
        langs = self.languages(site)
        version = self.version(site.id)
        return {
            "version": version,
            "voices": {lang: self._engine_name(lang) for lang in langs if lang in self.engines},
            "missing": [lang for lang in langs if lang not in self.engines],
            "repeat": {lang: site.speech.repeat.get(lang, 1) for lang in langs},
            "url": f"/speech/{site.id}/{version}/{{lang}}/{{ticket}}/{{counter}}.wav",
        }

    def health(self) -> dict[str, object]:
        """Per language, the engine speaking it, or the fallback the boards use without one."""
        langs = self._all_languages()
        missing = self.missing()
        return {
            "status": "fallback" if missing else "ok",
            "voices": {lang: self._engine_name(lang) for lang in langs if lang in self.engines},
            "missing": missing,
            "fallback": (
                "boards chime and caption these languages (and speak them where the TV has"
                " a local Web Speech voice)"
                if missing
                else ""
            ),
        }

    def fallback_notice(self, site: Site) -> dict[str, str] | None:
        """The supervisor's note when a board language of the site has no server voice."""
        missing = [lang for lang in self.languages(site) if lang not in self.engines]
        if not missing:
            return None
        names = [LANGUAGE_NAMES.get(lang, (lang, lang)) for lang in missing]
        return {
            "ja": f"表示板：{'・'.join(n[0] for n in names)}の音声なし — "
            "呼び出しはチャイムと字幕で案内しています",
            "en": f"Lobby boards: no {', '.join(n[1] for n in names)} voice — calls are chimed"
            " and captioned",
        }

    def missing(self) -> list[str]:
        """Board languages no engine here speaks."""
        return [lang for lang in self._all_languages() if lang not in self.engines]

    def _all_languages(self) -> list[str]:
        return sorted({lang for s in self.config.sites.values() for lang in self.languages(s)})

    def _engine_name(self, lang: str) -> str:
        return engine_registry.engine_name(self.engines[lang])

    # --- audio ----------------------------------------------------------------------------------

    async def call_audio(self, site: Site, lang: str, ticket: str, counter: str) -> bytes:
        """A call as WAV, rendering what is missing ahead of any speculative work."""
        keys = self._keys(site, lang, ticket, counter)
        hit = all(key in self.cache for key in keys)
        self.stats.calls["hit" if hit else "miss"] += 1
        # Shielded: a board that hangs up must not cancel a render other boards wait for.
        parts = await asyncio.gather(*(asyncio.shield(self._segment(key, URGENT)) for key in keys))
        pauses = [segment.pause for segment in wording.segments(site, lang)]
        return to_wav(joined(list(zip(parts, pauses, strict=True))))

    def _keys(self, site: Site, lang: str, ticket: str, counter: str) -> list[SegmentKey]:
        version = self.version(site.id)
        values = {"fixed": "", "ticket": ticket, "counter": counter}
        return [
            (site.id, version, lang, s.kind, values[s.kind]) for s in wording.segments(site, lang)
        ]

    def _segment(self, key: SegmentKey, priority: int) -> Awaitable[Pcm]:
        cached = self.cache.get(key)
        if cached is not None:
            done: asyncio.Future[Pcm] = asyncio.get_running_loop().create_future()
            done.set_result(cached)
            return done
        job = self._jobs.get(key)
        if job is not None and (priority == AHEAD or job[1] == "urgent"):
            return job[0]
        if priority == URGENT:
            if self._urgent >= MAX_URGENT:
                raise Rejected("busy", "too many calls waiting for speech")
            self._urgent += 1
        elif self._queue.qsize() >= MAX_AHEAD:
            raise Rejected("busy", "speech queue full")
        if job is None:
            future: asyncio.Future[Pcm] = asyncio.get_running_loop().create_future()
        else:
            future = job[0]  # queued ahead of time and now wanted: queue it again, urgently
        self._jobs[key] = (future, "urgent" if priority == URGENT else "ahead")
        self._queue.put_nowait((priority, next(self._order), key))
        if priority == URGENT:
            self._wake.set()
        return future

    async def _worker(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            priority, order, key = await self._queue.get()
            pause = self._ahead_after - loop.time()
            if priority == AHEAD and pause > 0:
                # Resting between renders ahead; an urgent render ends the rest at once.
                self._queue.put_nowait((priority, order, key))
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), pause)
                continue
            if priority == URGENT:
                self._urgent -= 1
            job = self._jobs.get(key)
            if job is None or job[0].done():
                continue
            future = job[0]
            try:
                pcm, engine, seconds = await loop.run_in_executor(self._executor, self._render, key)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.exception("speech: rendering %s failed", key)
                if not future.done():
                    future.set_exception(Rejected("speech_failed", str(exc)))
                    future.exception()  # seen here: a board asking later gets its own error
            else:
                self.stats.rendered(engine, seconds)
                if priority == AHEAD:
                    self.stats.ahead_rendered += 1
                    self._ahead_after = loop.time() + seconds * (1 / AHEAD_DUTY - 1)
                self.cache.put(key, pcm)
                if not future.done():
                    future.set_result(pcm)
            finally:
                self._jobs.pop(key, None)

    def _render(self, key: SegmentKey) -> tuple[Pcm, str, float]:
        """In the worker thread: one segment's text through its language's engine."""
        site_id, _, lang, kind, value = key
        site = self.config.sites[site_id]
        segment = next(s for s in wording.segments(site, lang) if s.kind == kind)
        text = wording.spoken(segment, lang, value, value)
        engine = self.engines[lang]
        started = time.perf_counter()
        pcm = trimmed(engine(text))
        return pcm, engine_registry.engine_name(engine), time.perf_counter() - started

    # --- ahead of time ---------------------------------------------------------------------------

    async def _ahead_loop(self) -> None:
        seen: dict[str, int] = {}
        while True:
            await asyncio.sleep(AHEAD_EVERY)
            if not self.engines or self.ahead <= 0:
                continue
            # Nobody to speak to, nothing to prepare: a site without boards renders nothing.
            for site_id, state in self._watched().items():
                if seen.get(site_id) == state.seq:
                    continue
                if self._render_ahead(self.config.sites[site_id], state):
                    seen[site_id] = state.seq

    def _render_ahead(self, site: Site, state: SiteState) -> bool:
        """Queue what the site's next calls need; False when the queue was full (the next
        look tries again)."""
        next_calls = upcoming(site, state, self.ahead)
        version = self.version(site.id)
        langs = [lang for lang in self.languages(site) if lang in self.engines]
        wanted: list[SegmentKey] = []
        for lang in langs:
            for segment in wording.segments(site, lang):
                values = {
                    "fixed": ("",),
                    "ticket": next_calls.tickets,
                    "counter": next_calls.counters,
                }[segment.kind]
                wanted += [(site.id, version, lang, segment.kind, v) for v in values]
        for key in wanted:
            if key in self.cache or key in self._jobs:
                continue
            try:
                self._segment(key, AHEAD)
            except Rejected:
                return False
        return True

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._tasks = [loop.create_task(self._worker()), loop.create_task(self._ahead_loop())]
        if self.engines:
            log.info(
                "speech: %s",
                ", ".join(f"{lang} {self._engine_name(lang)}" for lang in sorted(self.engines)),
            )
        missing = self.missing()
        if missing:
            log.warning(
                "speech: no engine for %s; boards chime and caption these languages%s",
                ", ".join(missing),
                " (pip install -e '.[speech]' for Japanese)" if "ja" in missing else "",
            )

    async def stop(self) -> None:
        await cancel_all(*self._tasks)
        self._executor.shutdown(wait=False, cancel_futures=True)


def _yield_to_the_hub() -> None:
    """In the speech worker thread: the lowest CPU priority (Linux: a thread's own nice), so
    a busy hub and its clients go first. The engines release the GIL while they synthesise,
    so the thread competes for CPU only; on an idle machine the nice costs nothing."""
    with contextlib.suppress(AttributeError, OSError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)
