"""The guide app's server side: who may open what, the printable ticket and its QR code, the
PWA files, and the catalog and config pieces the app renders from. Real server, plain HTTP.
"""

from __future__ import annotations

import contextlib
import html
import re
import shutil
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from server.config.loading import load_config
from server.config.schema import Config
from server.domain import commands as c
from server.errors import ConfigError, Rejected
from server.web.screens.guide import SERVICE_WORKER, qr_svg, qr_svg_file
from tests.support.harness import MOVED_IN_WITH_CHILDREN, Office, clerk
from tests.support.live import LiveServer

SITE = "shimogyo"
CONFIG = Path(__file__).resolve().parent.parent / "config"
INTAKE: dict[str, Any] = {
    "events": MOVED_IN_WITH_CHILDREN.events,
    "answers": MOVED_IN_WITH_CHILDREN.answers,
    "language": "en",
}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    live = LiveServer(tmp_path_factory.mktemp("guide-pages"))
    live.start()
    yield live
    live.stop()


@contextlib.contextmanager
def signed_in(server: LiveServer, staff: str, pin: str) -> Iterator[httpx.Client]:
    with server.signed_in(staff, pin) as http:
        yield http


@pytest.fixture(scope="module")
def visit(server: LiveServer) -> dict[str, Any]:
    """One visit created by the guide (an English-speaking family moving in)."""
    with signed_in(server, "guide01", "1111") as http:
        body = {"id": "pages-1", "command": {"type": "CreateVisit", "intake": INTAKE}}
        ack: dict[str, Any] = http.post(f"/api/sites/{SITE}/commands", json=body).json()
    assert ack["type"] == "ack", ack
    return ack


def test_the_app_is_for_signed_in_guides_and_supervisors(server: LiveServer) -> None:
    anonymous = httpx.get(f"{server.url}/guide/{SITE}")
    assert anonymous.status_code == 303
    assert anonymous.headers["location"] == f"/signin?next=/guide/{SITE}"
    assert httpx.get(f"{server.url}/guide/nowhere").status_code == 404
    for staff, pin, status in (("guide01", "1111", 200), ("super01", "9999", 200)):
        with signed_in(server, staff, pin) as http:
            page = http.get(f"/guide/{SITE}")
            assert page.status_code == status
            assert f'data-staff="{staff}"' in page.text
            assert f'href="/guide/{SITE}/manifest.webmanifest"' in page.text
    with signed_in(server, "clerk-shimin", "2222") as http:
        assert http.get(f"/guide/{SITE}").status_code == 403
    with signed_in(server, "guide02", "1112") as http:  # a Nakagyo-only guide
        assert http.get(f"/guide/{SITE}").status_code == 403
        assert http.get("/guide/nakagyo").status_code == 200


def test_printable_ticket_carries_number_route_and_the_visitors_own_link(
    server: LiveServer, visit: dict[str, Any], config: Config
) -> None:
    url = f"{server.url}/visit/{SITE}/{visit['token']}"
    site = config.site(SITE)
    with signed_in(server, "guide01", "1111") as http:
        for ref in (visit["visit"], visit["ticket"], visit["ticket"].lower()):
            page = http.get(f"/guide/{SITE}/ticket/{ref}")
            assert page.status_code == 200
            assert page.headers["cache-control"] == "no-store"
            text = page.text
            assert f'id="ticket-number">{visit["ticket"]}<' in text
            # Japanese first, then the visitor's language; the route from the config's labels.
            for queue in ("A", "C"):
                assert html.escape(site.queue(queue).label.ja) in text
                assert html.escape(site.queue(queue).label.en) in text
            assert "Your number" in text
            # The QR code is segno's encoding of the absolute link to the visitor's page.
            assert qr_svg(url, scale=4) in text
        # The paper's page size comes with its own stylesheet (no inline style: see the CSP).
        assert "ticket-a6.css" in http.get(f"/guide/{SITE}/ticket/{visit['ticket']}").text
        receipt = http.get(f"/guide/{SITE}/ticket/{visit['ticket']}?paper=receipt").text
        assert "ticket-receipt.css" in receipt
        assert "size: 80mm" in http.get("/handhelds/guide/ticket-receipt.css").text
        assert qr_svg(url, scale=3) in receipt

        qr = http.get(f"/guide/{SITE}/qr/{visit['visit']}.svg")
        assert qr.status_code == 200
        assert qr.headers["content-type"] == "image/svg+xml"
        assert qr.content == qr_svg_file(url)
        assert b'xmlns="http://www.w3.org/2000/svg"' in qr.content

        assert http.get(f"/guide/{SITE}/ticket/Z999").status_code == 404
        assert http.get(f"/guide/{SITE}/qr/nothing.svg").status_code == 404
        # A forged Host header changes nothing on the ticket: the link is the configured one.
        forged = http.get(
            f"/guide/{SITE}/ticket/{visit['ticket']}", headers={"Host": "evil.example"}
        )
        assert qr_svg(url, scale=4) in forged.text and "evil.example" not in forged.text
    # A counter on the visit's itinerary may reprint its ticket; another department's clerk
    # may not (the red-team case: any clerk opened any visitor's ticket and QR code), and
    # nobody signed out may see one (it carries the visitor's link).
    with signed_in(server, "clerk-hagukumi", "4444") as http:
        assert http.get(f"/guide/{SITE}/ticket/{visit['ticket']}").status_code == 200
        assert http.get(f"/guide/{SITE}/qr/{visit['visit']}.svg").status_code == 200
    with signed_in(server, "clerk-choju", "3333") as http:
        assert http.get(f"/guide/{SITE}/ticket/{visit['ticket']}").status_code == 403
        assert http.get(f"/guide/{SITE}/qr/{visit['visit']}.svg").status_code == 403
    assert httpx.get(f"{server.url}/guide/{SITE}/ticket/{visit['ticket']}").status_code == 303
    assert httpx.get(f"{server.url}/guide/{SITE}/qr/{visit['visit']}.svg").status_code == 303


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_installable_manifest_icons_and_service_worker(server: LiveServer) -> None:
    manifest = httpx.get(f"{server.url}/guide/{SITE}/manifest.webmanifest")
    assert manifest.headers["content-type"].startswith("application/manifest+json")
    body = manifest.json()
    assert body["start_url"] == f"/guide/{SITE}"
    assert body["scope"] == "/guide/"
    assert body["display"] == "standalone"
    assert "下京区役所" in body["name"]
    purposes = set()
    for icon in body["icons"]:
        image = httpx.get(server.url + icon["src"])
        assert image.status_code == 200
        assert image.headers["content-type"] == "image/png"
        width, height = png_size(image.content)
        assert icon["sizes"] == f"{width}x{height}"
        purposes.add(icon.get("purpose", "any"))
    assert {"any", "maskable"} <= purposes
    assert {i["sizes"] for i in body["icons"]} >= {"192x192", "512x512"}

    worker = httpx.get(f"{server.url}/guide/sw.js?v=test")
    assert worker.status_code == 200
    assert worker.headers["content-type"].startswith("text/javascript")
    assert worker.headers["cache-control"] == "no-cache"
    # Every file the worker precaches exists: one missing file would fail its install.
    shell = re.search(r"const SHELL = \[(.*?)\];", SERVICE_WORKER.read_text(), re.S)
    assert shell is not None
    paths = re.findall(r'"([^"]+)"', shell.group(1))
    assert "/static/hub.js" in paths
    for path in paths:
        assert httpx.get(server.url + path).status_code == 200, path
    # ...and so does every module the app imports (they must all be precached).
    guide = Path(SERVICE_WORKER).parent
    for module in guide.glob("*.js"):
        if module.name != "sw.js":
            assert f"/handhelds/guide/{module.name}" in paths, module.name


def test_start_page_lists_the_offices(server: LiveServer) -> None:
    page = httpx.get(f"{server.url}/guide")
    assert page.status_code == 200
    for site in ("shimogyo", "nakagyo"):
        assert f'href="/guide/{site}"' in page.text
    assert "/handhelds/guide/start.js" in page.text
    script = httpx.get(f"{server.url}/handhelds/guide/start.js").text
    assert 'local.getJSON("madoguchi-guide"' in script  # what the app keeps (static/storage.js)


def test_catalog_labels_needs_languages_and_limits(server: LiveServer, config: Config) -> None:
    with signed_in(server, "guide01", "1111") as http:
        catalog = http.get(f"/api/sites/{SITE}/catalog").json()
    assert set(catalog["needs"]) == set(config.life_events.needs)
    assert catalog["needs"]["hearing"]["ja"] == config.life_events.needs["hearing"].ja
    assert {"ja", "en", "zh", "ko", "vi"} <= set(catalog["languages"])
    assert catalog["limits"] == {"party_size": 20, "note": 2000}


def test_every_need_has_a_label(config: Config) -> None:
    from typing import get_args

    from server.domain.intake import Need

    assert set(config.life_events.needs) == set(get_args(Need))


def test_a_need_label_with_an_unknown_id_fails_start_up(tmp_path: Path) -> None:
    folder = tmp_path / "config"
    shutil.copytree(CONFIG, folder)
    path = folder / "life_events.toml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("\nwheelchair = {", "\nwheelchiar = {", 1),
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as info:
        load_config(folder)
    message = str(info.value)
    for part in ("life_events.toml", "$.needs.wheelchiar", "did you mean 'wheelchair'"):
        assert part in message, message


def test_intake_is_editable_until_the_first_call(config: Config) -> None:
    office = Office(config)
    office.open("c1")
    visit = office.create()
    assert visit.intake_editable
    office.run(c.UpdateIntake(visit.id, MOVED_IN_WITH_CHILDREN))
    office.run(c.CallNext("c1"), clerk("shimin"))
    assert not office.visit(visit.id).intake_editable
    with pytest.raises(Rejected) as info:
        office.run(c.UpdateIntake(visit.id, MOVED_IN_WITH_CHILDREN))
    assert info.value.code == "already_done"
    written = office.create(forms_pending=True)
    assert written.status == "writing" and written.intake_editable
