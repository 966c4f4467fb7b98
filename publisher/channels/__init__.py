"""Channels: where a delivery goes (website targets and social pages).

Built-in channels are registered exactly as a third-party one would be (by dotted path, or
through the ``publisher.channels`` entry-point group), and imported lazily so that the
every-minute cron path only imports the channels it actually uses.

A channel type is a class with:

``validate_options(options) -> list[(key, message, hint)]`` (classmethod)
    check its ``[channels.<name>]`` table without importing any SDK.
"""

from __future__ import annotations

import importlib
from importlib.metadata import entry_points
from typing import Any

BUILTIN: dict[str, str] = {
    "directory": "publisher.channels.directory:DirectoryChannel",
    "wordpress": "publisher.channels.wordpress:WordPressChannel",
    "facebook": "publisher.channels.facebook:FacebookChannel",
    "mastodon": "publisher.channels.mastodon:MastodonChannel",
}

_registry: dict[str, Any] = {}


def register(kind: str, cls: Any) -> None:
    _registry[kind] = cls


def _load(target: str) -> Any:
    module, _, attr = target.partition(":")
    return getattr(importlib.import_module(module), attr)


def channel_types() -> dict[str, Any]:
    """Every channel type that can be loaded: built-ins, entry points, then registered."""
    found: dict[str, Any] = {}
    for kind, target in BUILTIN.items():
        try:
            found[kind] = _load(target)
        except (ImportError, AttributeError):
            continue  # a built-in not written yet, or an optional SDK missing
    for ep in entry_points(group="publisher.channels"):
        try:
            found[ep.name] = ep.load()
        except Exception:  # a broken plugin must not stop the hospital's site
            continue
    found.update(_registry)
    return found


def channel_type(kind: str) -> Any:
    """One channel type by name, importing only that one (the cron path stays light)."""
    if kind in _registry:
        return _registry[kind]
    if kind in BUILTIN:
        try:
            return _load(BUILTIN[kind])
        except (ImportError, AttributeError):
            pass
    for ep in entry_points(group="publisher.channels", name=kind):
        return ep.load()
    raise KeyError(kind)
