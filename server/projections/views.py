"""Which view a screen gets (:class:`ViewKey`) and how it is built (:func:`build`).

A view is a pure function of (configuration, state), computed from the publish's one
:class:`~server.projections.snapshot.Snapshot`. The hub encodes each entity once per view and
sends only the entities whose bytes changed, so clients never re-implement rules.
"""

from __future__ import annotations

from typing import Literal

import msgspec

from server.config.schema import Config, Site
from server.domain.state import SiteState
from server.projections import counter, supervisor
from server.projections.board import board_view
from server.projections.public import public
from server.projections.snapshot import Entities, Memo, Snapshot
from server.projections.staff import staff_view
from server.projections.visitor import visitor_view

ViewKind = Literal["board", "counter", "floor", "visitor", "supervisor", "public"]


class ViewKey(msgspec.Struct, frozen=True):
    """Identifies one projection: its kind and its scope (board id, department, token)."""

    kind: ViewKind
    scope: str = ""


def build(
    key: ViewKey,
    config: Config,
    site: Site,
    state: SiteState,
    snap: Snapshot,
    memo: Memo | None = None,
) -> Entities:
    """Compute a view's entities. With the view's ``memo``, visit entities whose inputs did
    not change are the very objects of the last build (the hub then reuses their bytes)."""
    if key.kind == "board":
        return board_view(site, state, snap, key.scope)
    if key.kind == "public":
        return public(site, snap)
    if key.kind == "visitor":
        return visitor_view(config, site, state, snap, key.scope)
    if key.kind == "counter":
        staff = staff_view(config, site, state, snap, key.scope, memo)
        return counter.extend(staff, config, site, state, snap, key.scope)
    if key.kind == "supervisor":
        staff = staff_view(config, site, state, snap, "", memo, supervisor=True)
        return supervisor.extend(staff, config, site, state, snap)
    return staff_view(config, site, state, snap, "", memo)
