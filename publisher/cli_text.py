"""The command line's own words, in the reader's language (gettext domain ``publisher``).

The language is ``--lang`` when given, else the first of ``LC_ALL``, ``LC_MESSAGES`` and
``LANG`` that is set (POSIX order); French and English are shipped, English is the default
for every other locale and for ``C``. The French catalog is
``publisher/locales/fr/LC_MESSAGES/publisher.po``; it is read and compiled in memory (no
.mo to build, as for the UI catalogs). argparse's own words (usage, options, its errors) are
in the same catalog.

Machine-read lines stay English whatever the locale: ``publish`` log lines and its JSON,
``status --json``, exit codes.
"""

from __future__ import annotations

import argparse
import io
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

CATALOGS = Path(__file__).resolve().parent / "locales"
DOMAIN = "publisher"
SHIPPED = ("en", "fr")

_current: Any = None  # the gettext object in use (None: English, the msgids themselves)


def language(explicit: str | None = None, environ: Mapping[str, str] = os.environ) -> str:
    """The CLI language: --lang, else the POSIX locale variables; 'en' unless shipped."""
    wanted = explicit
    if not wanted:
        wanted = next((environ[v] for v in ("LC_ALL", "LC_MESSAGES", "LANG") if environ.get(v)), "")
    code = wanted.split(".", 1)[0].split("_", 1)[0].split("-", 1)[0].lower()
    return code if code in SHIPPED else "en"


def install(lang: str) -> None:
    """Use `lang` for every later _() and for argparse's own strings."""
    global _current
    _current = None if lang == "en" else _load(lang)
    # argparse looks its words up through module-level names at call time.
    argparse._ = gettext  # type: ignore[attr-defined]
    argparse.ngettext = ngettext  # type: ignore[attr-defined]


def _load(lang: str) -> Any:
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po
    from babel.support import Translations

    path = CATALOGS / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
    try:
        with path.open("rb") as f:
            catalog = read_po(f, locale=lang)
    except (OSError, ValueError):
        return None  # a broken or missing catalog: English, never a crash
    buf = io.BytesIO()
    write_mo(buf, catalog, use_fuzzy=False)
    buf.seek(0)
    return Translations(buf, domain=DOMAIN)


def gettext(message: str) -> str:
    return str(_current.gettext(message)) if _current is not None else message


def ngettext(singular: str, plural: str, n: int) -> str:
    if _current is not None:
        return str(_current.ngettext(singular, plural, n))
    return singular if n == 1 else plural


say = gettext  # the one name the CLI calls (not "_": the UI extractor scans for that)


def translate_parser(parser: argparse.ArgumentParser) -> None:
    """Help texts are written in English in each command's register(): translate them in
    place, sub-commands included, once the command's parser is complete."""
    if _current is None:
        return
    parser.description = gettext(parser.description) if parser.description else parser.description
    parser.epilog = gettext(parser.epilog) if parser.epilog else parser.epilog
    for group in parser._action_groups:  # titled groups, e.g. init's "object storage"
        group.title = gettext(group.title) if group.title else group.title
        group.description = gettext(group.description) if group.description else group.description
    for action in parser._actions:
        if action.help and action.help is not argparse.SUPPRESS:
            action.help = gettext(action.help)
        if isinstance(action, argparse._SubParsersAction):
            for choice in action._choices_actions:
                choice.help = gettext(choice.help) if choice.help else choice.help
            for sub in set(action.choices.values()):
                translate_parser(sub)
