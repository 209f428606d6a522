"""A site's views: which ones are open, who subscribes to each, and publishing their changes.

The site hub owns one :class:`ViewRegistry` and hands it the state it has made durable; the
registry builds each open view from it (:mod:`server.projections`), and each view encodes
its delta once and pushes it to its subscribers (:mod:`server.live.fanout`). A view nobody has
watched for ``VIEW_IDLE_SECONDS`` is dropped at the next publish; a client that opens it
again gets a snapshot.
"""

from __future__ import annotations

import time
from collections.abc import ItemsView, Iterator, Mapping, ValuesView

from server.config.schema import Config, Site
from server.domain.state import SiteState
from server.live.fanout import Subscriber, View
from server.live.protocol import Synced, encode
from server.projections.snapshot import analyse
from server.projections.views import ViewKey, build

VIEW_IDLE_SECONDS = 600.0


class ViewRegistry(Mapping[ViewKey, View]):
    """One site's open views by key (read like a dict), and their subscribers."""

    def __init__(self, config: Config, site: Site) -> None:
        self.config = config
        self.site = site
        self._views: dict[ViewKey, View] = {}

    def __getitem__(self, key: ViewKey) -> View:
        return self._views[key]

    def __iter__(self) -> Iterator[ViewKey]:
        return iter(self._views)

    def __len__(self) -> int:
        return len(self._views)

    def items(self) -> ItemsView[ViewKey, View]:
        return self._views.items()

    def values(self) -> ValuesView[View]:
        return self._views.values()

    def watched(self) -> bool:
        """Whether any view has a subscriber here."""
        return any(view.subscribers for view in self._views.values())

    def publish(self, state: SiteState, epoch: str, now: float) -> None:
        """Build every open view from ``state`` (at wall-clock ``now``) and push each one's
        changes to its subscribers; drop views that have been idle too long."""
        snap = analyse(self.site, state, now)
        idle_now = time.monotonic()
        # Lobby boards first: a call must reach the lobby at once, while a counter panel's
        # larger delta can follow a few milliseconds later in the same pass.
        for key, view in sorted(self._views.items(), key=_boards_first):
            if not view.subscribers and idle_now - view.idle_since > VIEW_IDLE_SECONDS:
                del self._views[key]
                continue
            entities = build(key, self.config, self.site, state, snap, view.memo)
            message = view.refresh(entities, state.seq, epoch)
            if message is not None:
                view.publish(message)
                if not view.subscribers:
                    view.idle_since = min(view.idle_since, idle_now)

    def broadcast(self, message: str) -> None:
        """Push one message (already encoded) to every subscriber of every view."""
        for view in self._views.values():
            view.publish(message)

    def subscribe(
        self,
        key: ViewKey,
        subscriber: Subscriber,
        state: SiteState,
        epoch: str,
        now: float,
        seq: int | None,
        client_epoch: str | None,
    ) -> list[str]:
        """Register a subscriber; return what it must receive first: the deltas it missed
        since ``seq`` and ``synced`` when they are all held for ``client_epoch``, else a
        snapshot. A view not open yet is built from ``state`` at ``now``."""
        view = self._views.get(key)
        if view is None:
            view = self._views[key] = View(key, self.site.id)
            snap = analyse(self.site, state, now)
            entities = build(key, self.config, self.site, state, snap, view.memo)
            view.refresh(entities, state.seq, epoch)
        view.subscribers.add(subscriber)
        if seq is not None and client_epoch == epoch:
            replay = view.replay(seq)
            if replay is not None:
                return [*replay, encode(Synced(self.site.id, epoch, view.seq))]
        return [view.snapshot(epoch)]

    def unsubscribe(self, key: ViewKey, subscriber: Subscriber) -> None:
        view = self._views.get(key)
        if view is not None:
            view.subscribers.discard(subscriber)
            if not view.subscribers:
                view.idle_since = time.monotonic()

    def close_all(self, reason: str) -> None:
        """Forget every view and cut off its subscribers (they resynchronise on reconnect)."""
        views, self._views = self._views, {}
        for view in views.values():
            for subscriber in list(view.subscribers):
                subscriber.cut_off(reason)


def _boards_first(item: tuple[ViewKey, View]) -> bool:
    return item[0].kind != "board"
