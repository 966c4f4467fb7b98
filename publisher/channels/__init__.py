"""The channel registry: every channel type by name, found one way.

A channel type (a class implementing :class:`publisher.channels.base.Channel`) is an entry
point in the ``publisher.channels`` group, and nothing else. publisher's own channels are
declared in its pyproject.toml exactly as a third-party package declares its own::

    [project.entry-points."publisher.channels"]
    sms = "hospital_sms:SmsChannel"

After ``pip install`` of that package, ``type = "sms"`` works in ``[channels.<name>]``.

Lookup reads the installed package metadata (no import) and imports only the type asked for,
so the every-minute cron path imports only the channels it uses. A name declared by two
installed distributions resolves to the first one on ``sys.path`` (the order
:func:`importlib.metadata.entry_points` lists them in). A type that fails to import, or does
not implement the protocol, raises :class:`ChannelLoadError` with the reason: it is never
dropped silently nor reported as unknown.
"""

from __future__ import annotations

import functools
from importlib.metadata import EntryPoint, entry_points
from typing import TYPE_CHECKING, Literal, cast, get_args

from publisher.errors import ChannelLoadError, UnknownChannelType

if TYPE_CHECKING:
    from publisher.channels.base import Channel
    from publisher.config import ChannelConfig, Config

GROUP = "publisher.channels"

# The protocol's vocabulary lives here, below base.py, so that the registry (which config.py
# uses to validate [channels.*]) needs nothing that imports config.py.
ChannelKind = Literal["website", "social", "push"]
CHANNEL_KINDS: tuple[ChannelKind, ...] = get_args(ChannelKind)
# Delivery order within a pass: the site first, so every link a post or message carries works.
DELIVERY_ORDER: dict[ChannelKind, int] = {"website": 0, "social": 1, "push": 2}
# When the job asks a channel whether its published objects were changed by someone else:
# "every_pass" (cheap and local, e.g. a release directory: checked each pass and repaired by
# delivering again), "before_edit" (a network call: checked before each edit and by
# `status --verify`; a difference needs a person), "never" (the channel cannot tell).
DriftCheck = Literal["every_pass", "before_edit", "never"]
# Class attributes every channel type declares, and the methods the job calls.
CAPABILITIES = ("kind", "can_edit", "can_reply", "drift_check", "hosts_site")
METHODS = ("validate_options", "plan", "send", "reconcile", "check", "drift")


@functools.cache
def declared() -> dict[str, EntryPoint]:
    """Every declared channel type by name (metadata only: nothing is imported)."""
    found: dict[str, EntryPoint] = {}
    for ep in entry_points(group=GROUP):
        found.setdefault(ep.name, ep)  # the first distribution on sys.path wins
    return found


def _origin(ep: EntryPoint) -> str:
    dist = ep.dist.name if ep.dist is not None else "an unnamed distribution"
    return f"'{ep.value}' from {dist}"


def channel_type(name: str) -> type[Channel]:
    """One channel type by name, importing only that one."""
    ep = declared().get(name)
    if ep is None:
        raise UnknownChannelType(name, tuple(sorted(declared())))
    try:
        cls = ep.load()
    except Exception as exc:  # any import-time failure of a plugin is its own, reported as such
        raise ChannelLoadError(name, _origin(ep), f"{type(exc).__name__}: {exc}") from exc
    missing = [m for m in (*CAPABILITIES, *METHODS) if not hasattr(cls, m)]
    if not isinstance(cls, type) or missing:
        what = "is not a class" if not isinstance(cls, type) else f"lacks {', '.join(missing)}"
        raise ChannelLoadError(name, _origin(ep), f"it {what} (see publisher/channels/base.py)")
    kind = getattr(cls, "kind", None)
    if kind not in CHANNEL_KINDS:
        raise ChannelLoadError(name, _origin(ep), f"kind = {kind!r} is not one of {', '.join(CHANNEL_KINDS)}")
    return cast("type[Channel]", cls)


def channel_types() -> tuple[dict[str, type[Channel]], list[ChannelLoadError]]:
    """Every declared channel type that loads, and the reason of each one that does not."""
    found: dict[str, type[Channel]] = {}
    broken: list[ChannelLoadError] = []
    for name in sorted(declared()):
        try:
            found[name] = channel_type(name)
        except ChannelLoadError as exc:
            broken.append(exc)
    return found, broken


def make_channel(cfg: ChannelConfig, config: Config) -> Channel:
    """An instance of the channel type a ``[channels.<name>]`` table names."""
    return channel_type(cfg.type)(cfg, config)
