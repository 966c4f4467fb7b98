"""Everything `publisher check` reports, as a list of independent checkers.

Each checker is ``(config, load_result, now) -> list[Diagnostic]``. Content errors come from
the loader; the checkers add what needs more than one file (translations, channels, links,
promises, guidance lints). Add a checker by appending it to CHECKERS.
"""

from __future__ import annotations

import pkgutil
from collections.abc import Callable
from datetime import datetime

from publisher.config import Config
from publisher.content import LoadResult
from publisher.errors import Diagnostic

Checker = Callable[[Config, LoadResult, datetime], list[Diagnostic]]

# "module:function", imported when `check` runs so the cron path never pays for them.
CHECKERS: list[str] = [
    # crisis workflow (publisher/lints.py): approval, promises, placeholders, links,
    # translations, guidance lints, statement library
    "publisher.lints:approval",
    "publisher.lints:promises",
    "publisher.lints:placeholders_left",
    "publisher.lints:internal_links",
    "publisher.lints:translations",
    "publisher.lints:reference_links",
    "publisher.lints:guidance",
    "publisher.lints:statements",
    "publisher.lints:placeholder_url",
    "publisher.publication:unnoted_changes",
    "publisher.publish:check_channels",  # every enabled channel's check(): lengths, secrets named
    "publisher.i18n.checker:check_translations",
    "publisher.accessibility:check_contact",
    "publisher.templatefiles:check_templates",  # project templates publisher will not read
]


def run_checks(config: Config, result: LoadResult, now: datetime) -> list[Diagnostic]:
    found = list(result.diagnostics)
    for target in CHECKERS:
        checker: Checker = pkgutil.resolve_name(target)  # "module:function", imported now
        found.extend(checker(config, result, now))
    return found
