"""A drill's config: the live config on its own site, state, ledger and accounts.

Above the channels (it asks whether a channel is a social one, which then posts to its
drill account or the drill's outbox); the markers and the rules are in :mod:`publisher.drill`,
the checks of [drill] in :func:`publisher.config.load_config`.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from publisher.channels import channel_type
from publisher.channels.social import SocialChannel
from publisher.config import ChannelConfig, Config


def rehearsal(config: Config) -> Config:
    """The config a drill runs with (see :mod:`publisher.drill`)."""
    given = config.drill_channels
    drill = config.raw["drill"]
    raw = {section: dict(values) for section, values in config.raw.items()}
    raw["paths"]["output"] = drill["output"]
    raw["paths"]["state"] = drill["state"]
    raw["publish"]["ledger"] = str(Path(drill["state"]) / "ledger.db")
    if drill["base_url"]:
        raw["site"]["base_url"] = drill["base_url"]
    channels = []
    for ch in config.channels:
        cls: Any = channel_type(ch.type)
        social = issubclass(cls, SocialChannel)
        if ch.name in given:
            options = dict(given[ch.name])
            if social:
                options.setdefault("outbox", drill["outbox"])
            channels.append(replace(ch, options=options, line=config.drill_lines[ch.name]))
        elif social:
            channels.append(replace(ch, options=cls.without_account(ch.options, str(drill["outbox"]))))
        elif ch.type == "directory" and not ch.options.get("path"):
            channels.append(ch)  # it deploys into [paths] output, which is now the drill's
        else:
            channels.append(replace(ch, enabled=False))
    if not any(c.enabled and channel_type(c.type).kind == "website" for c in channels):
        # The drill's site is deployed even when every website channel is elsewhere.
        channels.append(ChannelConfig("drill-site", "directory", True, {}, config.drill_lines.get("", 1)))
    return replace(config, raw=raw, channels=tuple(channels), drill=True)
