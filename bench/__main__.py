"""``python -m bench``: drive the real service with real WebSocket clients and print a table.

Rows (each compared with a baseline measured in the same run where one makes sense):
fan-out to N boards (vs a raw ``websockets`` broadcast server), city peak phone → board on
SQLite and on Redis with two hub processes, durable ingest, memory per idle connection, a
reconnect storm, and the boards' server speech (render time, call → audio ready). ``--quick``
runs a small version (the test suite uses it to check the harness).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

from bench.measure import Bench, Row

ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes: checks the harness")
    parser.add_argument("--no-record", action="store_true", help="do not write bench/results/")
    parser.add_argument(
        "--only", default="", help="comma-separated groups to run: fanout, city, ingest, speech"
    )
    args = parser.parse_args(argv)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="madoguchi-bench-") as tmp:
        bench = Bench(Path(tmp), quick=args.quick)
        rows = bench.run_all(set(filter(None, args.only.split(","))))
    table = render(rows, time.monotonic() - started, quick=args.quick)
    print(table)
    if not args.no_record and not args.quick:
        results = ROOT / "bench" / "results"
        results.mkdir(exist_ok=True)
        stamp = dt.datetime.now().strftime("%Y-%m-%d-%H%M")
        (results / f"{stamp}.md").write_text(table + "\n", encoding="utf-8")
    return 0 if all(row.ok is not False for row in rows) else 1


def render(rows: list[Row], seconds: float, *, quick: bool) -> str:
    cpu = platform.processor() or platform.machine()
    head = [
        f"# Madoguchi benchmark — {dt.datetime.now():%Y-%m-%d %H:%M}"
        + (" (quick: harness check only)" if quick else ""),
        "",
        f"Machine: {os.cpu_count()} CPU ({cpu}), Python {sys.version.split()[0]}, "
        f"{platform.system()} {platform.release()}; run took {seconds:.0f} s.",
        "",
        "| row | figure | baseline (same run) | ratio | target | met |",
        "|---|---|---|---|---|---|",
    ]
    body = [
        f"| {r.name} | {r.figure} | {r.baseline or '—'} | {r.ratio or '—'} | {r.target or '—'} "
        f"| {'—' if r.ok is None else ('yes' if r.ok else '**no**')} |"
        for r in rows
    ]
    return "\n".join(head + body)


if __name__ == "__main__":
    sys.exit(main())
