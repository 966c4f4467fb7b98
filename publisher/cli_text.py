"""The command line's own words, in the reader's language (gettext domain ``publisher``).

The language is ``--lang`` when given, else the first of ``LC_ALL``, ``LC_MESSAGES`` and
``LANG`` that is set (POSIX order); French and English are shipped, English is the default
for every other locale and for ``C``. The French catalog is
``publisher/locales/fr/LC_MESSAGES/publisher.po``; it is read and compiled in memory (no
.mo to build, as for the UI catalogs). argparse's own words (usage, options, its errors) are
in the same catalog.

Machine-read lines stay English whatever the locale: ``publish``'s JSON log lines,
``status --json``, exit codes.

A finding or an error is built as a :class:`Text` (its English msgid and named values) and
put into the reader's language only when it is printed (:func:`localized`): diagnostics are
kept across runs in parse caches, and a cached one must come back in the language of the run
that prints it, not of the run that found it.
"""

from __future__ import annotations

import argparse
import io
import os
from collections.abc import Iterable, Mapping
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


def mark(msgid: str) -> str:
    """A msgid looked up later through a variable (``say(severity)``): marked here so the
    catalog test finds it."""
    return msgid


class Text(str):
    """A sentence for a person, kept as its English msgid and named values.

    It *is* the English text (``str`` of it, ``==``, ``in``, JSON, the ledger, tests all see
    English, byte for byte as before); :func:`localized` says it in the reader's language.
    Values are formatted after translation, so a translator sees the whole sentence with
    its ``{names}``; a value that is itself a Text is localized too. Literal braces in a
    msgid are doubled, as for ``str.format``.
    """

    __slots__ = ("msgid", "params")
    msgid: str
    params: dict[str, object]

    def __new__(cls, msgid: str, /, **params: object) -> Text:
        self = super().__new__(cls, msgid.format(**params))
        self.msgid = msgid
        self.params = params
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        # Pickled (parse caches) as msgid and values: never as one language's sentence.
        return (_rebuild, (self.msgid, self.params))

    def localized(self) -> str:
        if _current is None:
            return str(self)
        values = {k: localized(v) if isinstance(v, str) else v for k, v in self.params.items()}
        try:
            return gettext(self.msgid).format(**values)
        except (KeyError, IndexError, ValueError):  # a translation naming a wrong value
            return str(self)


def _rebuild(msgid: str, params: dict[str, object]) -> Text:
    return Text(msgid, **params)


class Joined(Text):
    """Texts joined by `sep` ("3 h 20 min", "missing, fuzzy"), each localized on its own."""

    __slots__ = ("parts", "sep")
    parts: tuple[str, ...]
    sep: str

    def __new__(cls, sep: str, parts: Iterable[str]) -> Joined:
        items = tuple(parts)
        self = str.__new__(cls, sep.join(items))
        self.msgid, self.params = str(self).replace("{", "{{").replace("}", "}}"), {}
        self.sep, self.parts = sep, items
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        return (Joined, (self.sep, self.parts))

    def localized(self) -> str:
        return self.sep.join(localized(p) for p in self.parts)


def localized(text: object) -> str:
    """`text` in the reader's language when it is a :class:`Text`; as it is otherwise."""
    return text.localized() if isinstance(text, Text) else str(text)


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
