"""Refusals at start-up: settings that would make a deployment unsafe."""

from __future__ import annotations

import ipaddress

from server.config.schema import Config
from server.settings import Settings


def is_loopback(host: str) -> bool:
    """Whether ``host`` only accepts connections from this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def unsafe_reason(settings: Settings, config: Config) -> str | None:
    """Why this configuration must not start, or None.

    The demo sign-ins (PINs printed on the landing page) are for a machine of one's own:
    listening beyond loopback with them needs ``MADOGUCHI_DEMO=1`` said out loud.
    """
    if config.deployment.demo_sign_ins and not settings.demo and not is_loopback(settings.host):
        return (
            f"the configuration lists demo sign-ins (PINs shown on the landing page) and the "
            f"service would listen on {settings.host}; remove [[demo_sign_ins]] from "
            "madoguchi.toml, listen on 127.0.0.1, or set MADOGUCHI_DEMO=1 for a demonstration"
        )
    return None
