"""Telling a visitor who stepped out that their turn is near: Web Push and other channels.

- :mod:`server.notify.triggers` — pure: the visitor's choices and when each notice is due.
- :mod:`server.notify.wording` — pure: a notice's title and body in the visitor's language.
- :mod:`server.notify.channels` — the pluggable :class:`Notifier` interface, Web Push, logging.
- :mod:`server.notify.book` — where subscriptions live (encrypted, purged with the visit).
- :mod:`server.notify.dispatch` — bounded queue, timeouts, retries; off the hub's hot path.
- :mod:`server.notify.service` — watches each site's durable state and decides who to tell.
- :mod:`server.notify.vapid` — the VAPID key pair: from the environment or made once.

docs/notifications.md explains the design and how to add a channel (LINE, SMS).
"""
