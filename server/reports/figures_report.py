"""The daily figures as people read them: labelled rows, a CSV for Excel, a plain-text report.

Labels (queues, counters, life events, procedures) come from the configuration; durations are
shown in minutes with one decimal. The CSV is UTF-8 with a byte-order mark and CRLF line ends,
so Excel opens the Japanese text correctly with a double-click.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import sys
import unicodedata
from typing import Any

import msgspec

from server.config.schema import Config, Site
from server.log.backends import open_log
from server.reports.csv_cells import excel_csv
from server.reports.daylog import figures_for
from server.reports.figures import Figures, Stat
from server.settings import Settings

CSV_HEADER = [
    "日付 date",
    "区分 section",
    "コード code",
    "名称 name",
    "件数 count",
    "完了 done",
    "中央値(分) p50 min",
    "90%値(分) p90 min",
    "平均(分) mean min",
    "最大(分) max min",
]
OUTCOME_NAMES = {
    "done": "完了 done",
    "cancelled": "取消 cancelled",
    "no_show": "不在で終了 no-show",
    "expired": "閉庁で終了 expired",
    "open": "対応中 open",
}
# (code, Japanese, English) of each section, in the order of the report.
SECTIONS: list[tuple[str, str, str]] = [
    ("visits", "来庁者数", "Visitors"),
    ("no_shows", "不在（呼出に来ない）", "No-shows"),
    ("deflections", "セルフサービス案内", "Self-service deflections"),
    ("outcome", "結果", "Outcome"),
    ("life_event", "ライフイベント別", "By life event"),
    ("procedure", "手続き別（件数・完了）", "By procedure (requested, done)"),
    ("arrivals_hour", "時間帯別来庁", "Arrivals per hour"),
    ("wait_queue", "待ち時間（列別）", "Wait by queue (queued → called)"),
    ("service_queue", "対応時間（列別）", "Service by queue"),
    ("wait_counter", "待ち時間（窓口別）", "Wait by counter"),
    ("service_counter", "対応時間（窓口別）", "Service by counter"),
    ("service_procedure", "対応時間（手続き別・推計）", "Service by procedure (estimate)"),
    ("no_show_queue", "不在（列別）", "No-shows by queue"),
    ("deflection_procedure", "セルフサービス案内（手続き別）", "Deflections by procedure"),
    ("handoff", "引き継ぎ（列→列）", "Handoffs (queue → queue)"),
    # the bereavement corner (booth mode, issue 22b)
    ("booth", "おくやみコーナー（ご家族・完了）", "Bereavement corner (families, done)"),
    ("booth_family", "おくやみコーナー 1家族あたりの時間", "Bereavement corner: time per family"),
    (
        "booth_wait",
        "おくやみコーナー 職員が伺うまで（課別）",
        "Corner: wait for a clerk, by department",
    ),
    (
        "booth_service",
        "おくやみコーナー ブースでの対応（課別）",
        "Corner: time at the booth, by department",
    ),
]


def minutes(seconds: float | None) -> str:
    """Seconds as minutes with one decimal ("" when there is no value)."""
    return "" if seconds is None else f"{seconds / 60:.1f}"


class Labels:
    """Display names of a site's queues, counters, life events and procedures (Japanese, and
    English in ``en``)."""

    def __init__(self, config: Config, site: Site) -> None:
        self.queues = {q.id: f"{q.series} {q.label.ja}" for q in site.queues}
        self.counters = {
            c.id: f"{c.number}番窓口" + (f" {c.label.ja}" if c.label else "") for c in site.counters
        }
        self.events = {k: e.name.ja for k, e in config.life_events.events.items()}
        self.procedures = {k: p.name.ja for k, p in config.procedures.procedures.items()}
        self.en: dict[str, dict[str, str]] = {
            "queue": {q.id: f"{q.series} {q.label.en}" for q in site.queues if q.label.en},
            "counter": {
                c.id: f"Counter {c.number}" + (f" {c.label.en}" if c.label and c.label.en else "")
                for c in site.counters
            },
            "event": {k: e.name.en for k, e in config.life_events.events.items() if e.name.en},
            "procedure": {
                k: p.name.en for k, p in config.procedures.procedures.items() if p.name.en
            },
        }

    def queue(self, qid: str) -> str:
        return self.queues.get(qid, qid)


def range_label(figures: Figures) -> str:
    """The dates the figures cover: one date, or an ISO 8601 interval."""
    if figures.date_from == figures.date_to:
        return figures.date_from
    return f"{figures.date_from}/{figures.date_to}"


def rows(figures: Figures, config: Config, site: Site) -> list[dict[str, Any]]:
    """Every figure as a labelled row: date, section, code, name, count, done and durations."""
    names = Labels(config, site)
    span = range_label(figures)
    out: list[dict[str, Any]] = []

    def add(
        section: str, code: str, name: str, count: int, done: int | None = None, date: str = ""
    ) -> None:
        out.append(
            {
                "date": date or span,
                "section": section,
                "code": code,
                "name": name,
                "count": count,
                "done": done,
                "stat": None,
            }
        )

    def add_stat(section: str, code: str, name: str, value: Stat) -> None:
        add(section, code, name, value.count)
        out[-1]["stat"] = value

    for day in figures.days:
        add("visits", "visits", "来庁者", day.visits, day.done, date=day.date)
        add("no_shows", "no_shows", "不在", day.no_shows, date=day.date)
        add("deflections", "deflections", "セルフサービス案内", day.deflections, date=day.date)
    for outcome, count in figures.outcomes.items():
        add("outcome", outcome, OUTCOME_NAMES[outcome], count)
    for event, count in figures.by_life_event.items():
        add("life_event", event, names.events.get(event, event), count)
    for pid, pc in figures.by_procedure.items():
        add("procedure", pid, names.procedures.get(pid, pid), pc.requested, pc.done)
    for hour, count in enumerate(figures.arrivals_by_hour):
        if count:
            add("arrivals_hour", f"{hour:02d}", f"{hour}時台", count)
    for qid, value in figures.wait_by_queue.items():
        add_stat("wait_queue", qid, names.queue(qid), value)
    for qid, value in figures.service_by_queue.items():
        add_stat("service_queue", qid, names.queue(qid), value)
    for cid, cf in figures.counters.items():
        add_stat("wait_counter", cid, names.counters.get(cid, cid), cf.wait)
    for cid, cf in figures.counters.items():
        add_stat("service_counter", cid, names.counters.get(cid, cid), cf.service)
    for pid, value in figures.service_by_procedure.items():
        add_stat("service_procedure", pid, names.procedures.get(pid, pid), value)
    for qid, count in figures.no_shows_by_queue.items():
        add("no_show_queue", qid, names.queue(qid), count)
    for pid, count in figures.deflections_by_procedure.items():
        add("deflection_procedure", pid, names.procedures.get(pid, pid), count)
    for h in figures.handoffs:
        label = f"{names.queue(h.from_queue)} → {names.queue(h.to_queue)}"
        add("handoff", f"{h.from_queue}>{h.to_queue}", label, h.count)
    if figures.booth is not None:  # the bereavement corner (issue 22b)
        booth = figures.booth
        add("booth", "visits", "おくやみコーナー ご家族", booth.visits, booth.done)
        add("booth", "reserved", "おくやみコーナー 予約", booth.reserved)
        add("booth", "walk_ins", "おくやみコーナー 当日", booth.walk_ins)
        add_stat("booth_family", "family", "おくやみコーナー 1家族あたり", booth.time_per_family)
        departments = {d.id: d.name.ja for d in site.departments}
        for did, value in booth.wait_by_department.items():
            add_stat("booth_wait", did, departments.get(did, did), value)
        for did, value in booth.service_by_department.items():
            add_stat("booth_service", did, departments.get(did, did), value)
    return out


def to_csv(figures: Figures, config: Config, site: Site) -> bytes:
    """The figures as CSV for Excel: UTF-8 with BOM, CRLF, one row per figure."""
    return excel_csv(CSV_HEADER, (_csv_row(row) for row in rows(figures, config, site)))


def _csv_row(row: dict[str, Any]) -> list[Any]:
    value: Stat | None = row["stat"]
    return [
        row["date"],
        row["section"],
        row["code"],
        row["name"],
        row["count"],
        "" if row["done"] is None else row["done"],
        minutes(value.p50) if value else "",
        minutes(value.p90) if value else "",
        minutes(value.mean) if value else "",
        minutes(value.max) if value else "",
    ]


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int, right: bool = False) -> str:
    space = " " * max(0, width - _width(text))
    return space + text if right else text + space


def to_text(figures: Figures, config: Config, site: Site) -> str:
    """A plain-text report for a terminal (aligned for East Asian wide characters)."""
    outcomes = " · ".join(f"{OUTCOME_NAMES[k]} {v}" for k, v in figures.outcomes.items())
    lines = [
        f"{site.name.ja} {site.name.en} — {range_label(figures)}",
        f"来庁者 visitors: {figures.visits}  ({outcomes})",
        f"不在 no-shows: {figures.no_shows} (うち終了 ended {figures.no_shows_dropped})"
        f"  セルフサービス案内 deflections: {figures.deflections}"
        f"  手続き追加 added: {figures.procedures_added}  転送 transfers: {figures.transfers}"
        f"  列の変更 moves: {figures.moves}  保護対象 protected: {figures.protected}",
    ]
    by_section: dict[str, list[dict[str, Any]]] = {}
    for row in rows(figures, config, site):
        by_section.setdefault(row["section"], []).append(row)
    for code, ja, en in SECTIONS:
        if code in ("visits", "no_shows", "deflections") and len(figures.days) == 1:
            continue  # already in the summary
        items = by_section.get(code)
        if not items:
            continue
        lines += ["", f"■ {ja} / {en}"]
        timed = items[0]["stat"] is not None
        name_width = max(24, *(_width(r["name"]) + 2 for r in items))
        head = _pad("", name_width) + _pad("件数", 7, True)
        if timed:
            head += "".join(_pad(h, 8, True) for h in ("p50分", "p90分", "平均分", "最大分"))
        elif any(r["done"] is not None for r in items):
            head += _pad("完了", 7, True)
        lines.append(head)
        for r in items:
            name = r["name"] if code not in ("visits", "no_shows", "deflections") else r["date"]
            line = _pad(name, name_width) + _pad(str(r["count"]), 7, True)
            if timed:
                s: Stat = r["stat"]
                line += "".join(_pad(minutes(v), 8, True) for v in (s.p50, s.p90, s.mean, s.max))
            elif r["done"] is not None:
                line += _pad(str(r["done"]), 7, True)
            lines.append(line.rstrip())
    return "\n".join(lines) + "\n"


def to_json(figures: Figures) -> bytes:
    """The figures as JSON (labels come from the site's catalog)."""
    return msgspec.json.encode(figures)


def run_report(
    settings: Settings, config: Config, site_id: str, first: str, last: str | None, *, csv: bool
) -> int:
    """``python -m server report``: print the figures of a day or range; 2 on bad input."""
    if site_id not in config.sites:
        print(f"madoguchi: no site {site_id!r} (sites: {', '.join(config.sites)})", file=sys.stderr)
        return 2
    try:
        date_from, date_to = parse_range(first, last)
    except ValueError as exc:
        print(f"madoguchi: {exc}", file=sys.stderr)
        return 2
    figures = asyncio.run(_load(settings.store, config, site_id, date_from, date_to))
    site = config.site(site_id)
    if csv:
        sys.stdout.buffer.write(to_csv(figures, config, site))
        sys.stdout.buffer.flush()
    else:
        sys.stdout.write(to_text(figures, config, site))
    return 0


async def _load(store: str, config: Config, site_id: str, first: str, last: str) -> Figures:
    log = open_log(store)
    await log.open()
    try:
        return await figures_for(log, config, site_id, first, last)
    finally:
        await log.close()


MAX_DAYS = 366


def parse_range(first: str, last: str | None) -> tuple[str, str]:
    """Two ISO dates (the second defaults to the first), in order, at most a year apart."""
    try:
        start = dt.date.fromisoformat(first)
        end = dt.date.fromisoformat(last) if last else start
    except ValueError:
        raise ValueError("dates are YYYY-MM-DD, e.g. 2026-03-30") from None
    if end < start:
        raise ValueError("the range ends before it starts")
    if (end - start).days >= MAX_DAYS:
        raise ValueError(f"at most {MAX_DAYS} days at a time")
    return start.isoformat(), end.isoformat()
