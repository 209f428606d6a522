"""``python -m server``: run the service (uvicorn + uvloop) on the configured store."""

from __future__ import annotations

import argparse
import logging
import sys

import uvicorn

from server.errors import ConfigError
from server.settings import Settings

# uvicorn's hard frame limit; larger messages are refused with close code 1009. Messages under
# it but over the protocol limit (MADOGUCHI_MAX_MESSAGE) get a "too_large" error instead.
WS_MAX_FRAME = 1024 * 1024


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m server", description=__doc__)
    sub = parser.add_subparsers(dest="cmd")
    sub.add_parser("serve", help="run the service (the default)")
    check = sub.add_parser("check-config", help="load the configuration and report problems")
    check.add_argument("folder", nargs="?", default=None)
    hash_pin = sub.add_parser("hash-pin", help="print the hash of a PIN for staff.toml")
    hash_pin.add_argument("pin")
    report = sub.add_parser(
        "report", help="print a site's daily figures from the event log (MADOGUCHI_STORE)"
    )
    report.add_argument("--site", required=True, help="site id, e.g. shimogyo")
    report.add_argument("--date", required=True, help="first day, YYYY-MM-DD")
    report.add_argument("--to", default=None, help="last day of a range, YYYY-MM-DD")
    report.add_argument("--csv", action="store_true", help="CSV for Excel (UTF-8 with BOM)")
    demo = sub.add_parser(
        "demo-history",
        help="write a synthetic past (a known pattern of visits) into empty site logs",
    )
    demo.add_argument("--days", type=int, default=365, help="how many days, ending yesterday")
    demo.add_argument("--site", action="append", help="site id (default: every site)")
    demo.add_argument("--until", default=None, help="last day, YYYY-MM-DD (default: yesterday)")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )

    if args.cmd == "hash-pin":
        from server.security.passwords import hash_pin as make_hash

        print(make_hash(args.pin))
        return 0
    settings = Settings.from_env()
    from server.config.loading import load_config
    from server.web.app import create_app

    try:
        config = load_config(
            args.folder if args.cmd == "check-config" and args.folder else settings.config_dir
        )
    except ConfigError as exc:
        print(f"madoguchi: configuration error: {exc}", file=sys.stderr)
        return 2
    if args.cmd == "check-config":
        print(f"configuration OK: sites {', '.join(config.sites)}")
        return 0
    if args.cmd == "report":
        from server.reports.figures_report import run_report

        return run_report(settings, config, args.site, args.date, args.to, csv=args.csv)
    if args.cmd == "demo-history":
        from server.demo_history import run_demo_history

        return run_demo_history(
            settings, config, args.site or list(config.sites), args.days, args.until
        )
    from server.live.slow_clients import RequestDeadline
    from server.security.startup import unsafe_reason

    reason = unsafe_reason(settings, config)
    if reason is not None:
        print(f"madoguchi: refusing to start: {reason}", file=sys.stderr)
        return 2
    RequestDeadline.request_seconds = settings.request_seconds
    uvicorn.run(
        create_app(settings, config),
        host=settings.host,
        port=settings.port,
        loop="uvloop" if sys.platform != "win32" else "asyncio",
        ws_max_size=WS_MAX_FRAME,
        # Sans-I/O websockets: a send writes the frame to the transport at once, without
        # an await per client (fan-out to thousands of boards). No permessage-deflate: it
        # costs a zlib context per connection and CPU per client per message, for small JSON.
        ws="websockets-sansio",
        ws_per_message_deflate=False,
        timeout_graceful_shutdown=5,
        proxy_headers=True,
        # httptools with a deadline per request: a client sending its request a byte at a
        # time (slowloris) is cut off after server.live.slow_clients.REQUEST_SECONDS.
        http=RequestDeadline,
        timeout_keep_alive=5,
        # uvicorn logs every WebSocket handshake at INFO: a lobby of boards reconnecting
        # after a restart would spend a tenth of the CPU on log lines.
        log_level="warning",
        access_log=False,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
