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

The markers and the parsing of ``[drill.channels.*]`` live here, below the config; the
config checks those tables (:func:`publisher.config.load_config`) and
:mod:`publisher.rehearsal`, above the channels, turns a config into its drill.

So a drill can never post to a production account unless that account is named in
``[drill]``: the only way a drill reaches an account is a ``[drill.channels.*]`` table.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # annotations only: config imports this module (for tables())
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


def summary(config: Config) -> str:
    """One line for the operator: where a drill writes and posts."""

    def shown(path: Path) -> str:
        return os.path.relpath(path, config.root)

    return (
        f"DRILL ({BANNER}): site in {shown(config.dir('output'))}/, ledger "
        f"{shown(config.ledger_path)}; posts go to the accounts named in [drill.channels.*], "
        f"the others to {config.get('drill', 'outbox')}/; nothing live is touched"
    )
