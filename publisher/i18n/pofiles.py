"""Where catalogs live, and reading/writing them the one way every i18n command agrees on.

Layout (docs/translating.md explains it to translators)::

    <project>/locales/messages.pot                          UI template of this project's site
    <project>/locales/incidents/<incident id>.pot           content template, one per incident
    <project>/locales/<lang>/LC_MESSAGES/messages.po        UI overrides/additions of the project
    <project>/locales/<lang>/LC_MESSAGES/incidents/<id>.po  content translations
    <state dir>/locales/<lang>/LC_MESSAGES/messages.mo      compiled UI catalogs (not committed)
    publisher/locales/messages.pot                          UI template of the package itself
    publisher/locales/<lang>/LC_MESSAGES/messages.po        UI translations shipped with publisher

Every file is written by Babel with ``width=None`` (no re-wrapping, Weblate
``po_line_wrap=65535``) and never with ``include_previous`` (Babel writes malformed ``#|``
lines for long msgids; research/i18n-workflow.md §2.4).

Content catalogs are not format strings. Babel flags any msgid that looks like a %-format
(French "80 % des" reads as ``% d``) as python-format, and re-adds the flag each time it reads
a file; :func:`read` therefore replaces it with ``no-python-format`` on content entries, so
an English "80%" is not a format error for msgfmt, Babel or Weblate.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import PYTHON_FORMAT, Catalog, Message
from babel.messages.pofile import PoFileError, read_po, unescape, write_po

from publisher.errors import CatalogError, Diagnostic
from publisher.fsutil import DEFAULT_READ_LIMIT

PACKAGE_LOCALES = Path(__file__).resolve().parent.parent / "locales"

UI_SOURCE_LANG = "en"  # UI msgids are English: English needs no UI catalog
UI_POT = "messages.pot"
CONTENT_POT_DIR = "incidents"
STATEMENTS_DIR = "statements"  # pre-approved statements (publisher/statements.py)
SOURCE_COMMENT = "source language: "
_FORMAT_FLAGS = ("python-format", "python-brace-format")


def ui_pot_path(locales: Path) -> Path:
    return locales / UI_POT


def ui_po_path(locales: Path, lang: str) -> Path:
    return locales / lang / "LC_MESSAGES" / "messages.po"


def content_pot_path(locales: Path, incident_id: str) -> Path:
    return locales / CONTENT_POT_DIR / f"{incident_id}.pot"


def ui_languages(languages: tuple[str, ...]) -> tuple[str, ...]:
    """Enabled languages that need a UI catalog (every one except the msgid language)."""
    return tuple(lang for lang in languages if lang != UI_SOURCE_LANG)


def kind(path: Path) -> str:
    """'content' (an incident), 'statement' (the statement library) or 'ui'."""
    return {CONTENT_POT_DIR: "content", STATEMENTS_DIR: "statement"}.get(path.parent.name, "ui")


def po_files(locales: Path) -> list[Path]:
    """Every .po under a locales directory, UI catalogs first, in a stable order."""
    if not locales.is_dir():
        return []
    return [
        p
        for pattern in ("*.po", f"{CONTENT_POT_DIR}/*.po", f"{STATEMENTS_DIR}/*.po")
        for p in sorted(locales.glob(f"*/LC_MESSAGES/{pattern}"))
    ]


def lang_of(po_path: Path) -> str:
    """The language of a catalog from its place in the tree (<lang>/LC_MESSAGES/...)."""
    parts = po_path.parts
    return parts[parts.index("LC_MESSAGES") - 1]


def source_langs(message: Message) -> set[str]:
    """Languages a content entry is written in, from its ``#. source language: xx`` comments."""
    return {c[len(SOURCE_COMMENT) :].strip() for c in message.auto_comments if c.startswith(SOURCE_COMMENT)}


def fix_content_flags(catalog: Catalog, keep_braces: bool = False) -> None:
    """Content entries are never %-formats: Babel's guess is replaced (see module doc).

    Statements keep ``python-brace-format``: their ``{placeholders}`` are real.
    """
    for message in [*catalog, *catalog.obsolete.values()]:
        if not message.id:
            continue
        message.flags.difference_update(_FORMAT_FLAGS[:1] if keep_braces else _FORMAT_FLAGS)
        ids = message.id if isinstance(message.id, (list, tuple)) else (message.id,)
        if any(PYTHON_FORMAT.search(i) for i in ids):
            message.flags.add("no-python-format")


# Possessive quantifiers: no backtracking, so an unterminated long string fails in linear time.
_STRING = re.compile(r'"(?:[^"\\]++|\\[\\"ntrabfv?\'0-7x])*+"\s*$')
_KEYWORD = re.compile(r"(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(.*)$")
_NEXT = {
    None: ("msgctxt", "msgid"),
    "msgctxt": ("msgid",),
    "msgid": ("msgid_plural", "msgstr"),
    "msgid_plural": ("msgstr[",),
    "msgstr": ("msgctxt", "msgid"),
    "msgstr[": ("msgstr[", "msgctxt", "msgid"),
}


def syntax_problems(text: str) -> list[tuple[int, str]]:
    """(line, problem) for what GNU msgfmt rejects and Babel's lenient parser lets through:
    unterminated strings, a keyword out of order (two msgstr), duplicate entries."""
    problems: list[tuple[int, str]] = []
    state: str | None = None
    ids: dict[tuple[bool, str | None, str], int] = {}
    ctxt: str | None = None
    msgid = ""
    for n, raw in enumerate(text.split("\n"), 1):
        obsolete = raw.startswith("#~")
        line = raw[2:].strip() if obsolete else raw.strip()
        if not line or line.startswith(("#", "|")):  # comments, #~| previous msgids
            if state in ("msgctxt", "msgid", "msgid_plural") and line.startswith("#"):
                problems.append((n, "a comment inside an entry (msgstr expected first)"))
            continue
        if line.startswith('"'):
            if state is None:
                problems.append((n, "a string outside any entry"))
            elif not _STRING.match(line):
                problems.append((n, "unterminated or badly escaped string"))
            elif state == "msgid":
                msgid += line
            elif state == "msgctxt":
                ctxt = (ctxt or "") + line
            continue
        m = _KEYWORD.match(line)
        if m is None:
            problems.append((n, f"unknown keyword: {line.split()[0][:20]!r}"))
            state = None
            continue
        word = "msgstr[" if m.group(2) is not None else m.group(1)
        if not any(word == w for w in _NEXT[state]):
            problems.append(
                (
                    n,
                    f"'{m.group(1)}' here is out of order (expected "
                    f"{' or '.join(w.rstrip('[') for w in _NEXT[state])})",
                )
            )
        if not _STRING.match(m.group(3)):
            problems.append((n, "unterminated or badly escaped string"))
        if word == "msgctxt":
            ctxt = m.group(3)
        elif word == "msgid":
            if state != "msgctxt":
                ctxt = None
            msgid = m.group(3)
        elif word in ("msgstr", "msgstr[") and state in ("msgid", "msgid_plural") and msgid != '""':
            key = (obsolete, ctxt, msgid)
            if key in ids:
                problems.append((n, f"duplicate entry (first defined at line {ids[key]})"))
            ids.setdefault(key, n)
        state = word
    if state in ("msgctxt", "msgid", "msgid_plural"):
        problems.append((len(text.split("\n")), "the last entry has no msgstr"))
    return problems


def catalog_root(path: Path) -> Path:
    """The directory a catalog must stay inside: its locales directory's parent (the project),
    or publisher's own locales for the built-in catalogs."""
    if path.is_relative_to(PACKAGE_LOCALES):
        return PACKAGE_LOCALES
    parts = path.parts
    if "LC_MESSAGES" in parts:
        return Path(*parts[: parts.index("LC_MESSAGES") - 1]).parent
    return path.parent


def read(path: Path, lang: str | None, shown: str, content: bool | None = None) -> Catalog:
    """Parse a .po/.pot strictly; a syntax error is a CatalogError naming path:line.

    `content` (default: from the path) applies the content flag rule of the module doc.
    """
    from publisher import sourcefile

    found: list[Diagnostic] = []
    data = sourcefile.read_bytes(path, catalog_root(path), shown, found, DEFAULT_READ_LIMIT)
    text = None if data is None else sourcefile.decode(data, shown, found, "the catalog")
    if data is None or text is None:
        raise CatalogError(found[0])
    for line, problem in syntax_problems(text)[:1]:
        raise CatalogError(
            Diagnostic(
                shown,
                line,
                f"not a valid gettext catalog: {problem}",
                'every entry is msgid "…" then msgstr "…", each string in double quotes '
                '(write \\" for a quote inside); open the file in Poedit to see the entry',
            )
        )
    try:
        catalog = read_po(io.BytesIO(data), locale=lang, abort_invalid=True)
    except PoFileError as exc:
        text = str(exc).rsplit(" on ", 1)[0]
        raise CatalogError(
            Diagnostic(
                shown,
                exc.lineno + 1,
                f"not a valid gettext catalog: {text}",
                'every entry is msgid "…" then msgstr "…", each string in double quotes '
                '(write \\" for a quote inside); open the file in Poedit to see the entry',
            )
        ) from exc
    except Exception as exc:  # Babel raises plain errors for broken headers or plural forms
        raise CatalogError(
            Diagnostic(
                shown,
                1,
                f"not a valid gettext catalog: {exc}",
                "open the file in Poedit, which shows what is wrong",
            )
        ) from exc
    what = ("content" if content else "ui") if content is not None else kind(path)
    if what != "ui":
        fix_content_flags(catalog, keep_braces=what == "statement")
    # Babel reads `#| msgid "…"` as a translator comment "| msgid …" (and would write it back
    # wrapped, as "# | …"): drop it here; update.py reads and writes `#|` itself.
    for m in [*catalog, *catalog.obsolete.values()]:
        if any(c.startswith("|") for c in m.user_comments):
            m.user_comments = [c for c in m.user_comments if not c.startswith("|")]
    return catalog


def render(catalog: Catalog) -> bytes:
    buf = io.BytesIO()
    # width=None: no wrapping (Babel checks `if width and width > 0`; its stub says int).
    write_po(
        buf,
        catalog,
        width=None,  # type: ignore[arg-type]
        include_previous=False,
        sort_output=False,
        sort_by_file=False,
    )
    return buf.getvalue()


@dataclass(frozen=True)
class Counts:
    translated: int = 0
    fuzzy: int = 0
    untranslated: int = 0
    obsolete: int = 0

    @property
    def total(self) -> int:
        return self.translated + self.fuzzy + self.untranslated


def filled(message: Message) -> bool:
    if isinstance(message.string, (list, tuple)):
        return all(message.string)
    return bool(message.string)


def counts(catalog: Catalog) -> Counts:
    """Honest numbers: a fuzzy entry is counted apart, never as translated."""
    translated = fuzzy = untranslated = 0
    for m in catalog:
        if not m.id:
            continue
        if m.fuzzy:
            fuzzy += 1
        elif filled(m):
            translated += 1
        else:
            untranslated += 1
    return Counts(translated, fuzzy, untranslated, len(catalog.obsolete))


def msgstr_line(path: Path, lineno: int) -> int:
    """The line of an entry's msgstr (Babel records the msgid's line); the text is there."""
    try:
        lines = path.read_text(encoding="utf-8").split("\n")
    except OSError:
        return lineno
    for i in range(max(lineno - 1, 0), len(lines)):
        if lines[i].startswith("msgstr"):
            return i + 1
    return lineno


# -- previous msgids (#|), as `msgmerge --previous` writes them -------------------------------
#
# Babel cannot do this (research/i18n-workflow.md §2.4): write_po(include_previous=True)
# wraps the previous msgid as comment text and breaks long ones, and read_po drops `#|`
# lines. So `#|` lines are read and written here, on the rendered text, one line per field
# (no wrapping, as everything else publisher writes): Poedit and Weblate show the change.

Previous = dict[tuple[str, str | None], tuple[str, str | None]]
_PREV = re.compile(r'^#\| (msgctxt|msgid) "(.*)"$')
_FIELD = re.compile(r'^(msgctxt|msgid) "(.*)"$')


def _unescape(text: str) -> str:
    return str(unescape(f'"{text}"'))


def read_previous(data: bytes) -> Previous:
    """(msgid, msgctxt) → (previous msgid, previous msgctxt) of every entry carrying `#|`."""
    found: Previous = {}
    prev: dict[str, str] = {}
    current: dict[str, str] = {}
    for line in data.decode("utf-8", "replace").split("\n"):
        m = _PREV.match(line)
        if m:
            prev[m.group(1)] = _unescape(m.group(2))
            continue
        m = _FIELD.match(line)
        if m and prev:
            current[m.group(1)] = _unescape(m.group(2))
            if m.group(1) == "msgid":
                key = (current["msgid"], current.get("msgctxt"))
                if "msgid" in prev:
                    found[key] = (prev["msgid"], prev.get("msgctxt"))
                prev, current = {}, {}
            continue
        if not line.startswith("#") and not m:
            prev, current = {}, {}
    return found


def add_previous(data: bytes, previous: Previous) -> bytes:
    """The rendered catalog with `#| msgctxt`/`#| msgid` before each entry in `previous`."""
    if not previous:
        return data
    from babel.messages.pofile import escape

    lines = data.decode("utf-8").split("\n")
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        ctx = None
        start = i
        m = _FIELD.match(line)
        if m and m.group(1) == "msgctxt" and i + 1 < len(lines):
            ctx = _unescape(m.group(2))
            m = _FIELD.match(lines[i + 1])
            i += 1
        if m and m.group(1) == "msgid" and (_unescape(m.group(2)), ctx) in previous:
            old_id, old_ctx = previous[(_unescape(m.group(2)), ctx)]
            if old_ctx is not None:
                out.append(f"#| msgctxt {escape(old_ctx)}")
            out.append(f"#| msgid {escape(old_id)}")
        out.extend(lines[start : i + 1])
        i += 1
    return "\n".join(out).encode("utf-8")
