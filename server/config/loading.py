"""Loading a configuration folder: read each TOML file, decode it into the typed structs of
:mod:`server.config.schema`, then cross-check the whole (:mod:`server.config.checks`)."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import TypeVar

import msgspec

from server.config.checks import check_config
from server.config.schema import (
    Accounts,
    Calendar,
    Config,
    Deployment,
    KioskRules,
    LifeEvents,
    Procedures,
    Site,
)
from server.errors import ConfigError
from server.texts import Texts

T = TypeVar("T")


def _decode(path: Path, kind: type[T]) -> T:
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    try:
        return msgspec.convert(raw, kind)
    except msgspec.ValidationError as exc:
        raise ConfigError(f"{path}: {exc}") from None


def load_config(folder: Path | str) -> Config:
    """Load and cross-check a configuration folder; raise ConfigError on any problem."""
    folder = Path(folder)
    deployment = _decode(folder / "madoguchi.toml", Deployment)
    procedures = _decode(folder / "procedures.toml", Procedures)
    life_events = _decode(folder / "life_events.toml", LifeEvents)
    accounts = _decode(folder / "staff.toml", Accounts)
    sites = {}
    for site_id in deployment.sites:
        site = _decode(folder / "sites" / f"{site_id}.toml", Site)
        if site.id != site_id:
            raise ConfigError(
                f"{folder / 'sites' / f'{site_id}.toml'}: `$.id` is {site.id!r}, "
                f"expected {site_id!r} (the file name)"
            )
        sites[site_id] = site
    texts = _decode(folder / "texts.toml", Texts)
    calendar = (
        _decode(folder / "calendar.toml", Calendar)
        if (folder / "calendar.toml").exists()
        else Calendar()
    )
    kiosk = (
        _decode(folder / "kiosk.toml", KioskRules)
        if (folder / "kiosk.toml").exists()
        else KioskRules()
    )
    config = Config(deployment, procedures, life_events, accounts, sites, texts, calendar, kiosk)
    check_config(config, folder)
    return config
