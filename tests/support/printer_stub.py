"""A stand-in for an ESC/POS network printer on loopback: it keeps every byte it receives and
answers the paper-status query (DLE EOT 4) like a real one — paper present, or out."""

from __future__ import annotations

import shutil
import socket
import socketserver
import threading
import time
from pathlib import Path

from PIL import Image

from tests.support.escpos_decode import raster_images

PAPER_STATUS = b"\x10\x04\x04"
PAPER_OK, PAPER_OUT = 0x12, 0x72  # bits 5-6 set: paper end sensor


class PrinterStub:
    """A listening printer; ``stop()`` takes it off the network, ``start()`` brings it back
    on the same port."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.paper = True
        self.streams: list[bytes] = []
        self._server: socketserver.ThreadingTCPServer | None = None
        self._lock = threading.Lock()

    @property
    def address(self) -> str:
        return f"tcp://127.0.0.1:{self.port}"

    def start(self) -> PrinterStub:
        if self._server is not None:
            return self  # already listening
        stub = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                received = bytearray()
                conn: socket.socket = self.request
                while chunk := conn.recv(65536):
                    received += chunk
                    for _ in range(chunk.count(PAPER_STATUS)):
                        conn.sendall(bytes([PAPER_OK if stub.paper else PAPER_OUT]))
                with stub._lock:
                    stub.streams.append(bytes(received))

        socketserver.ThreadingTCPServer.allow_reuse_address = True
        self._server = socketserver.ThreadingTCPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def reset(self) -> None:
        """Forget what was printed; paper in (a test module shares one stand-in)."""
        with self._lock:
            self.streams.clear()
        self.paper = True

    def tickets(self) -> list[Image.Image]:
        """Every ticket printed so far, as the paper would show it."""
        with self._lock:
            streams = list(self.streams)
        return [image for stream in streams for image in raster_images(stream)]

    def wait_for_tickets(self, count: int, timeout: float = 30.0) -> list[Image.Image]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            tickets = self.tickets()
            if len(tickets) >= count:
                return tickets
            time.sleep(0.1)
        raise AssertionError(f"{len(self.tickets())} tickets printed, expected {count}")


def config_with_printers(target: Path, addresses: dict[str, str]) -> Path:
    """A copy of config/ whose printers (by id) point at the given addresses."""
    source = Path(__file__).resolve().parents[2] / "config"
    shutil.copytree(source, target)
    for site_file in (target / "sites").glob("*.toml"):
        text = site_file.read_text(encoding="utf-8")
        lines = text.splitlines(keepends=True)
        current = ""
        for i, line in enumerate(lines):
            if line.startswith("id = "):
                current = line.split('"')[1]
            if line.startswith("address = ") and current in addresses:
                lines[i] = f'address = "{addresses[current]}"\n'
        site_file.write_text("".join(lines), encoding="utf-8")
    return target


def main(argv: list[str]) -> None:
    """``python -m tests.support.printer_stub PORT FOLDER``: listen on 127.0.0.1:PORT (a demo
    printer's address) and save every ticket received as FOLDER/ticket-N.png until Ctrl-C."""
    port, folder = int(argv[0]), Path(argv[1])
    folder.mkdir(parents=True, exist_ok=True)
    stub = PrinterStub(port).start()
    print(f"printer stand-in on tcp://127.0.0.1:{port}, tickets to {folder}/", flush=True)
    saved = 0
    try:
        while True:
            for image in stub.tickets()[saved:]:
                saved += 1
                image.save(folder / f"ticket-{saved}.png")
                print(f"ticket-{saved}.png", flush=True)
            time.sleep(0.5)
    except KeyboardInterrupt:
        stub.stop()


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
