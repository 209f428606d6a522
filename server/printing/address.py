"""Printer addresses of the site files: ``tcp://host:port`` or ``usb:/dev/usb/lpN``."""

from __future__ import annotations

from typing import Literal

import msgspec

RAW_PORT = 9100


class Address(msgspec.Struct, frozen=True):
    """Where a printer's bytes go: a raw TCP port, or a USB printer device file."""

    kind: Literal["tcp", "usb"]
    host: str = ""
    port: int = RAW_PORT
    path: str = ""


def parse_address(text: str) -> Address:
    """Parse an address or raise ValueError saying what was expected."""
    if text.startswith("usb:"):
        path = text[4:]
        if not path.startswith("/dev/"):
            raise ValueError(f"{text!r}: expected usb:/dev/usb/lp0 (a printer device file)")
        return Address("usb", path=path)
    if text.startswith("tcp://"):
        host, _, port = text[6:].rpartition(":")
        if not host:
            host, port = text[6:], str(RAW_PORT)
        host = host.strip("[]")
        if not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError(f"{text!r}: expected tcp://host:9100")
        return Address("tcp", host=host, port=int(port))
    raise ValueError(f"{text!r}: expected tcp://host:9100 or usb:/dev/usb/lp0")
