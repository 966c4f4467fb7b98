"""Drill mode: rehearse the whole path without touching anything live.

``publisher drill COMMAND …`` (or ``publisher --drill COMMAND …``) runs COMMAND on a
rehearsal of the project's config:

* its own site, state and ledger (``[drill] output``, ``state``: ``drill/public`` and
  ``drill/.publisher`` by default), so the live site, the live ledger, its lock and its
  caches are never read for writing nor changed;
* a social channel posts to the account named in ``[drill.channels.<name>]`` (that table
  *replaces* the channel's options: nothing of the production account is inherited, so a
  drill table that forgets the password cannot fall back on the production one); a channel
  with no such table loses its account and credentials and writes its posts to the drill's
  outbox (``[drill] outbox``); a website channel with no such table is not delivered, except
  a ``directory`` one without ``path`` (it deploys into the drill's output); the drill's site
  is always deployed into ``[drill] output``;
* every artifact is marked: a banner "EXERCICE — EXERCISE" on every page, print notice and
  embeddable banner, "[EXERCICE]" at the start of every post and feed title, CAP ``status``
  ``Test``.

So a drill can never post to a production account unless that account is named in
``[drill]``: the only way a drill reaches an account is a ``[drill.channels.*]`` table.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from publisher.errors import Diagnostic

if TYPE_CHECKING:
    from publisher.config import Config

BANNER = "EXERCICE — EXERCISE"
POST_PREFIX = "[EXERCICE] "


def tables(data: dict[str, Any]) -> Any:
    """Take the ``[drill.channels.*]`` tables out of the parsed TOML (the [drill] keys are
    checked by the config schema; these are checked by validate())."""
    section = data.get("drill")
    if isinstance(section, dict) and "channels" in section:
        section = dict(section)
        found = section.pop("channels")
        data["drill"] = section
        return found
    return {}


def validate(config: Config, given: Any, text: str, shown: str) -> list[Diagnostic]:
    from publisher.channels import channel_type
    from publisher.config import line_of

    problems: list[Diagnostic] = []
    live = {"output": config.dir("output"), "state": config.dir("state")}
    for key in ("output", "state"):
        mine = (config.root / str(config.get("drill", key))).resolve()
        for name, other in live.items():
            if mine == other or other in mine.parents or mine in other.parents:
                where = (
                    "the live site ([paths] output)" if name == "output" else "the live state ([paths] state)"
                )
                problems.append(
                    Diagnostic(
                        shown,
                        line_of(text, "drill", key),
                        f"[drill] {key} must differ from {where}: a drill never writes there",
                        f'e.g. {key} = "drill/{"public" if key == "output" else ".publisher"}"',
                    )
                )
    if not isinstance(given, dict):
        problems.append(
            Diagnostic(
                shown,
                line_of(text, "drill"),
                "[drill] channels must hold tables like [drill.channels.bluesky]",
                "",
            )
        )
        return problems
    for name, options in given.items():
        line = line_of(text, f"drill.channels.{name}")
        live_channel = config.channel(name)
        if live_channel is None:
            problems.append(
                Diagnostic(
                    shown,
                    line,
                    f"[drill.channels.{name}] names no channel: a drill rehearses the channels of [channels]",
                    f"name one of: {', '.join(c.name for c in config.channels) or '(none configured)'}",
                )
            )
            continue
        if not isinstance(options, dict):
            problems.append(Diagnostic(shown, line, f"drill.channels.{name} must be a table", ""))
            continue
        try:
            cls = channel_type(live_channel.type)
        except Exception:
            continue  # already reported for [channels.<name>]
        for key, message, hint in cls.validate_options(options):
            problems.append(
                Diagnostic(
                    shown,
                    line_of(text, f"drill.channels.{name}", key),
                    f"[drill.channels.{name}] {message}",
                    hint,
                )
            )
    return problems


def rehearsal(config: Config, given: Mapping[str, Any], text: str) -> Config:
    """The config a drill runs with (see the module docstring)."""
    from publisher.channels import channel_type
    from publisher.channels.social import SocialChannel
    from publisher.config import ChannelConfig, line_of

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
            channels.append(replace(ch, options=options, line=line_of(text, f"drill.channels.{ch.name}")))
        elif social:
            channels.append(replace(ch, options=cls.without_account(ch.options, str(drill["outbox"]))))
        elif ch.type == "directory" and not ch.options.get("path"):
            channels.append(ch)  # it deploys into [paths] output, which is now the drill's
        else:
            channels.append(replace(ch, enabled=False))
    if not any(c.enabled and channel_type(c.type).kind == "website" for c in channels):
        # The drill's site is deployed even when every website channel is elsewhere.
        channels.append(ChannelConfig("drill-site", "directory", True, {}, line_of(text, "drill")))
    return replace(config, raw=raw, channels=tuple(channels), drill=True)


def summary(config: Config) -> str:
    """One line for the operator: where a drill writes and posts."""
    import os

    def shown(path: Path) -> str:
        return os.path.relpath(path, config.root)

    return (
        f"DRILL ({BANNER}): site in {shown(config.dir('output'))}/, ledger "
        f"{shown(config.ledger_path)}; posts go to the accounts named in [drill.channels.*], "
        f"the others to {config.get('drill', 'outbox')}/; nothing live is touched"
    )
