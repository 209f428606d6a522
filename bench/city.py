"""A generated city: the demo configuration copied to N sites (for the city-peak rows)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from server.security.passwords import token_digest

KYOTO_WARDS = [
    "kita",
    "kamigyo",
    "sakyo",
    "nakagyo",
    "higashiyama",
    "yamashina",
    "shimogyo",
    "minami",
    "ukyo",
    "nishikyo",
    "fushimi",
    "fukakusa",
    "daigo",
    "rakusei",
]
BOARDS = ["lobby-1f", "lobby-2f", "entrance"]


def board_token(site: str, board: str) -> str:
    return f"bench-{site}-{board}"


def make_city(source: Path, target: Path, sites: int) -> list[str]:
    """Write a configuration with ``sites`` copies of the Shimogyo layout; return their ids."""
    shutil.copytree(source, target)
    template = (source / "sites" / "shimogyo.toml").read_text(encoding="utf-8")
    names = KYOTO_WARDS[:sites]
    for name in names:
        body = re.sub(r'^id = "shimogyo"', f'id = "{name}"', template, count=1, flags=re.M)
        (target / "sites" / f"{name}.toml").write_text(body, encoding="utf-8")
    deployment = (target / "madoguchi.toml").read_text(encoding="utf-8")
    listed = ", ".join(f'"{n}"' for n in names)
    deployment = re.sub(
        r"^sites = \[.*?\]", f"sites = [{listed}]", deployment, count=1, flags=re.M | re.S
    )
    deployment = deployment.split("[[demo_sign_ins]]", 1)[0]  # their devices are not generated
    (target / "madoguchi.toml").write_text(deployment, encoding="utf-8")
    staff = (target / "staff.toml").read_text(encoding="utf-8")
    staff = re.sub(r"^sites = \[.*?\]", f"sites = [{listed}]", staff, flags=re.M)
    staff = staff.split("[[devices]]", 1)[0]
    staff += "".join(
        f'\n[[devices]]\nid = "{name}-{board}"\nsite = "{name}"\nboard = "{board}"\n'
        f'token_sha256 = "{token_digest(board_token(name, board))}"\n'
        for name in names
        for board in BOARDS
    )
    (target / "staff.toml").write_text(staff, encoding="utf-8")
    return names
