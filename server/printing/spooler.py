"""One print queue per configured printer, with retries and the printer's status.

A job stays at the head of its printer's queue until the printer took all of it and reported
paper after it; an offline printer or one out of paper is retried with a growing pause (capped),
so no ticket is dropped while someone fixes it. The queue is bounded: when a printer has been
down long enough to fill it, new jobs are refused with ``printer_busy`` (the browser print
path still works). Jobs live in memory: after a restart, reprint from the guide app.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import time
from typing import Literal

import msgspec

from server.background import cancel_all
from server.config.schema import Config, Printer
from server.errors import Rejected
from server.printing.address import Address, parse_address
from server.printing.escpos import PAPER_STATUS, paper_state

log = logging.getLogger("madoguchi.printing")

State = Literal["idle", "ready", "offline", "paper_out"]
STATES: tuple[State, ...] = ("idle", "ready", "offline", "paper_out")


class PrinterFault(Exception):
    """The printer could not print now; ``state`` says why."""

    def __init__(self, state: State, detail: str) -> None:
        super().__init__(detail)
        self.state: State = state


class PrinterStatus(msgspec.Struct):
    """What the supervisor sees of one printer. ``state`` idle: nothing printed yet."""

    site: str
    id: str
    name: str
    state: State = "idle"
    paper_low: bool = False
    queued: int = 0
    printed: int = 0
    retries: int = 0
    error: str = ""
    since: float = 0.0


class PrintJob(msgspec.Struct):
    ticket: str
    data: bytes
    attempts: int = 0


class _Printer:
    def __init__(self, site_id: str, printer: Printer) -> None:
        self.address: Address = parse_address(printer.address)
        self.status = PrinterStatus(site_id, printer.id, printer.name.ja, since=time.time())
        self.jobs: collections.deque[PrintJob] = collections.deque()
        self.worker: asyncio.Task[None] | None = None
        self.wake = asyncio.Event()

    def set_state(self, state: State, error: str = "") -> None:
        if state != self.status.state:
            self.status.since = time.time()
            log.log(
                logging.INFO if state == "ready" else logging.WARNING,
                "printer %s/%s: %s %s",
                self.status.site,
                self.status.id,
                state,
                error,
            )
        self.status.state = state
        self.status.error = error


class PrintRoom:
    """The print queues of every site's printers."""

    def __init__(
        self,
        config: Config,
        *,
        max_queue: int = 64,
        retry_first: float = 0.5,
        retry_max: float = 15.0,
        timeout: float = 4.0,
        status_wait: float = 0.5,
    ) -> None:
        self.printers = {
            (site.id, printer.id): printer
            for site in config.sites.values()
            for printer in site.printers
        }
        self._live: dict[tuple[str, str], _Printer] = {}
        self.max_queue = max_queue
        self.retry_first = retry_first
        self.retry_max = retry_max
        self.timeout = timeout
        self.status_wait = status_wait

    def _printer(self, site_id: str, printer_id: str) -> _Printer:
        key = (site_id, printer_id)
        live = self._live.get(key)
        if live is None:
            config = self.printers.get(key)
            if config is None:
                raise Rejected("unknown_printer", f"no printer {printer_id!r}", "$.printer")
            live = self._live[key] = _Printer(site_id, config)
        return live

    def submit(self, site_id: str, printer_id: str, ticket: str, data: bytes) -> PrinterStatus:
        """Queue a ticket; Rejected('printer_busy') when the printer's queue is full."""
        printer = self._printer(site_id, printer_id)
        if len(printer.jobs) >= self.max_queue:
            raise Rejected("printer_busy", "the printer's queue is full; print from the browser")
        printer.jobs.append(PrintJob(ticket, data))
        printer.status.queued = len(printer.jobs)
        if printer.worker is None or printer.worker.done():
            printer.worker = asyncio.get_running_loop().create_task(self._work(printer))
        printer.wake.set()
        return printer.status

    def statuses(self, site_id: str) -> list[PrinterStatus]:
        """Every printer of a site (idle ones too, so a supervisor sees them all)."""
        return [
            self._printer(site_id, pid).status
            for (printer_site, pid) in self.printers
            if printer_site == site_id
        ]

    async def close(self) -> None:
        """Stop the workers (at shutdown); queued jobs are logged as not printed."""
        for printer in self._live.values():
            if printer.jobs:
                log.warning(
                    "printer %s: %d tickets not printed: %s",
                    printer.status.id,
                    len(printer.jobs),
                    ", ".join(job.ticket for job in printer.jobs),
                )
            await cancel_all(printer.worker)

    async def _work(self, printer: _Printer) -> None:
        pause = self.retry_first
        while printer.jobs:
            job = printer.jobs[0]
            job.attempts += 1
            try:
                low = await self._send(printer.address, job.data)
            except PrinterFault as fault:
                printer.set_state(fault.state, str(fault))
                printer.status.retries += 1
                printer.wake.clear()
                # A new job (someone checked the printer) or the pause: try again.
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(printer.wake.wait(), pause)
                pause = min(pause * 2, self.retry_max)
                continue
            printer.jobs.popleft()
            printer.status.printed += 1
            printer.status.queued = len(printer.jobs)
            printer.status.paper_low = low
            printer.set_state("ready")
            pause = self.retry_first

    async def _send(self, address: Address, data: bytes) -> bool:
        """Print ``data``; return True when the paper is nearly out. Raises PrinterFault."""
        if address.kind == "usb":
            try:
                await asyncio.to_thread(_write_device, address.path, data)
            except OSError as exc:
                raise PrinterFault("offline", f"{address.path}: {exc.strerror}") from None
            return False
        try:
            reader, writer = await asyncio.wait_for(
                asyncio.open_connection(address.host, address.port), self.timeout
            )
        except (OSError, TimeoutError) as exc:
            raise PrinterFault("offline", f"{address.host}:{address.port}: {exc}") from None
        try:
            # Paper is checked before (no ticket into an empty printer) and after (a roll
            # that ran out mid-ticket means the ticket is printed again).
            if await self._paper(reader, writer) == "out":
                raise PrinterFault("paper_out", "out of paper")
            writer.write(data)
            await asyncio.wait_for(writer.drain(), self.timeout)
            paper = await self._paper(reader, writer)
            if paper == "out":
                raise PrinterFault("paper_out", "ran out of paper while printing")
            return paper == "low"
        except (OSError, TimeoutError) as exc:
            raise PrinterFault("offline", f"{address.host}:{address.port}: {exc}") from None
        finally:
            writer.close()
            with contextlib.suppress(OSError, TimeoutError):
                await asyncio.wait_for(writer.wait_closed(), self.timeout)

    async def _paper(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> str:
        """Ask the paper sensor; a printer that does not answer real-time status is "ok"."""
        writer.write(PAPER_STATUS)
        await asyncio.wait_for(writer.drain(), self.timeout)
        try:
            answer = await asyncio.wait_for(reader.read(1), self.status_wait)
        except TimeoutError:
            return "ok"
        if not answer:
            raise PrinterFault("offline", "the printer closed the connection")
        return paper_state(answer[0])

    def metric_lines(self) -> list[str]:
        """Prometheus lines: state, queue length, printed and retried jobs per printer."""
        lines = [
            "# HELP madoguchi_printer_state Printer state (1 for the current one).",
            "# TYPE madoguchi_printer_state gauge",
        ]
        live = [self._printer(site, pid) for site, pid in self.printers]
        for printer in live:
            labels = f'site="{printer.status.site}",printer="{printer.status.id}"'
            for state in STATES:
                value = int(printer.status.state == state)
                lines.append(f'madoguchi_printer_state{{{labels},state="{state}"}} {value}')
        for name, kind, help_text, attr in (
            ("madoguchi_printer_queue", "gauge", "Tickets waiting to print.", "queued"),
            ("madoguchi_printer_printed_total", "counter", "Tickets printed.", "printed"),
            ("madoguchi_printer_retries_total", "counter", "Failed attempts retried.", "retries"),
        ):
            lines += [f"# HELP {name} {help_text}", f"# TYPE {name} {kind}"]
            for printer in live:
                labels = f'site="{printer.status.site}",printer="{printer.status.id}"'
                lines.append(f"{name}{{{labels}}} {getattr(printer.status, attr)}")
        return lines


def _write_device(path: str, data: bytes) -> None:
    with open(path, "wb", buffering=0) as device:
        device.write(data)
