"""Catalog lookup at render time.

Content catalogs are read as ``.po`` (never compiled) because publishing needs the per-entry
fuzzy flag: a fuzzy or empty entry is never published, and the whole update falls back to its
source language when any of its blocks is not usable (research/i18n-workflow.md §4.5).
"""

from __future__ import annotations

import copy
import io
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

from publisher import markup
from publisher.cli_text import Text
from publisher.errors import Diagnostic
from publisher.fsutil import DEFAULT_READ_LIMIT
from publisher.i18n.pofiles import PACKAGE_LOCALES, catalog_root, syntax_problems

UI_DOMAIN = "messages"


def content_po_path(locales_dir: Path, lang: str, incident_id: str) -> Path:
    return locales_dir / lang / "LC_MESSAGES" / "incidents" / f"{incident_id}.po"


def ui_po_paths(locales_dir: Path, lang: str) -> list[Path]:
    """Project catalog first (it overrides), then the one shipped with publisher."""
    paths = [
        locales_dir / lang / "LC_MESSAGES" / f"{UI_DOMAIN}.po",
        PACKAGE_LOCALES / lang / "LC_MESSAGES" / f"{UI_DOMAIN}.po",
    ]
    return [p for p in paths if p.exists()]


def _stamp(path: Path) -> tuple[str, int, int] | None:
    try:
        st = path.stat()
    except (OSError, RuntimeError):  # a broken link or a loop: no catalog
        return None
    return (str(path), st.st_mtime_ns, st.st_size)


@lru_cache(maxsize=4096)
def _read_po_cached(stamp: tuple[str, int, int], lang: str) -> Catalog | None:
    from publisher import sourcefile

    path = Path(stamp[0])
    found: list[Diagnostic] = []
    data = sourcefile.read_bytes(path, catalog_root(path), str(path), found, DEFAULT_READ_LIMIT)
    text = None if data is None else sourcefile.decode(data, str(path), found)
    if data is None or text is None or syntax_problems(text):
        # Babel's lenient parser would guess (a cut string, the wrong msgstr): publish none
        # of it. `publisher check` / `i18n compile` report the file:line to fix.
        return None
    try:
        return read_po(io.BytesIO(data), locale=lang)
    except Exception:  # an unknown charset, a broken plural header: reported by `check`
        return None


def read_catalog(path: Path, lang: str) -> Catalog | None:
    """A parsed .po, cached per (path, mtime, size) so a preview server re-reads only changes.

    None when the file is missing, unreadable or malformed (its texts are then shown
    untranslated; `check` says why).
    """
    stamp = _stamp(path)
    if stamp is None:
        return None
    return _read_po_cached(stamp, lang)


# -- UI strings: text only, the source's placeholders ------------------------------------

_NAMED = re.compile(r"%\((\w+)\)")
# A UI translation is inserted in pages, the banner snippet, print notices and feeds: it is
# escaped there, and refused here, so a tag never reaches a page even as visible text.
_MARKUP = re.compile(r"<\s*[a-zA-Z/!?]|javascript:", re.IGNORECASE)


class _Sample(dict[str, object]):
    def __missing__(self, key: str) -> object:
        return 0


def message_strings(m: Message) -> list[str]:
    return [s for s in (m.string if isinstance(m.string, (list, tuple)) else [m.string]) if s]


def ui_problems(m: Message) -> list[str]:
    """Why a UI translation would fail, lose information or carry markup when rendered."""
    ids = m.id if isinstance(m.id, (list, tuple)) else (m.id,)
    expected = {n for i in ids for n in _NAMED.findall(i)}
    problems: list[str] = []
    for s in message_strings(m):
        if _MARKUP.search(s) and not any(_MARKUP.search(i) for i in ids):
            problems.append(
                Text("translation contains markup (a tag or a javascript: link); UI strings are text")
            )
        try:
            s % _Sample()
        except (ValueError, TypeError, KeyError) as exc:
            problems.append(
                Text(
                    "translation is not a valid format string ({error}); write a literal percent sign as %%",
                    error=str(exc),
                )
            )
            continue
        found = set(_NAMED.findall(s))
        if found - expected:
            unknown = ", ".join(f"%({n})s" for n in sorted(found - expected))
            problems.append(
                Text(
                    "unknown placeholder {unknown}; the source has {expected}",
                    unknown=unknown,
                    expected=", ".join(f"%({n})s" for n in sorted(expected)),
                )
                if expected
                else Text("unknown placeholder {unknown}; the source has none", unknown=unknown)
            )
        if not m.pluralizable and expected - found:
            problems.append(
                Text(
                    "missing placeholder {missing} (keep every placeholder)",
                    missing=", ".join(f"%({n})s" for n in sorted(expected - found)),
                )
            )
    return list(dict.fromkeys(problems))


def markup_problems(msgid: str, msgstr: str) -> list[str]:
    """Why a translation may not be published even though it is filled and not fuzzy."""
    problems: list[str] = []
    (source_links, source_code), (links, code) = markup.invariants(msgid), markup.invariants(msgstr)
    if source_links != links:
        problems.append(Text("link targets differ from the source"))
    if source_code != code:
        problems.append(Text("code spans differ from the source"))
    return problems


@dataclass(frozen=True)
class ContentCatalog:
    """One incident's catalog in one language, answering 'is this block publishable?'."""

    catalog: Catalog | None

    def usable(self, msgid: str, context: str | None = None) -> str | None:
        if self.catalog is None:
            return None
        m = self.catalog.get(msgid, context)
        if m is None or not m.string or m.fuzzy or not isinstance(m.string, str):
            return None
        if markup_problems(msgid, m.string):
            return None
        return m.string


def content_catalog(locales_dir: Path, lang: str, incident_id: str) -> ContentCatalog:
    return ContentCatalog(read_catalog(content_po_path(locales_dir, lang, incident_id), lang))


def ui_translations(locales_dir: Path, lang: str) -> NullTranslations:
    """UI gettext for `lang`: project catalog with the built-in one as fallback.

    Compiled in memory (fuzzy entries left out, as msgfmt does), so a project needs no .mo
    files to run and a stale .mo can never win over the .po a translator just saved.
    """
    result: NullTranslations | None = None
    for path in ui_po_paths(locales_dir, lang):
        catalog = read_catalog(path, lang)
        if catalog is None:
            continue  # malformed: reported by `check`; the next catalog in line answers
        if path.is_relative_to(locales_dir):
            catalog = _without_broken(catalog)
        buf = io.BytesIO()
        write_mo(buf, catalog, use_fuzzy=False)
        buf.seek(0)
        tr = Translations(buf, domain=UI_DOMAIN)
        if result is None:
            result = tr
        else:
            result.add_fallback(tr)
    return result or NullTranslations()


def _without_broken(catalog: Catalog) -> Catalog:
    """The project's UI catalog minus the entries `check` refuses (wrong placeholders,
    markup): the built-in translation answers for those strings instead of a crash or a
    script. `check`, `build` and `publish` report each one (ui_catalog_diagnostics)."""
    broken = [m for m in catalog if m.id and ui_problems(m)]
    if not broken:
        return catalog
    clean = copy.copy(catalog)
    clean._messages = copy.copy(catalog._messages)  # Babel keeps no public copy()
    for m in broken:
        clean.delete(m.id, context=m.context)
    return clean
