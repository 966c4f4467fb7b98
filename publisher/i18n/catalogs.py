"""Catalog lookup at render time.

Content catalogs are read as ``.po`` (never compiled) because publishing needs the per-entry
fuzzy flag: a fuzzy or empty entry is never published, and the whole update falls back to its
source language when any of its blocks is not usable (research/i18n-workflow.md §4.5).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

from publisher import markup
from publisher.i18n.pofiles import syntax_problems

PACKAGE_LOCALES = Path(__file__).resolve().parent.parent / "locales"
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


def _stamp(path: Path) -> tuple[str, int, int]:
    st = path.stat()
    return (str(path), st.st_mtime_ns, st.st_size)


@lru_cache(maxsize=4096)
def _read_po_cached(stamp: tuple[str, int, int], lang: str) -> Catalog | None:
    data = Path(stamp[0]).read_bytes()
    try:
        broken = bool(syntax_problems(data.decode("utf-8")))
    except UnicodeDecodeError:
        broken = True
    if broken:
        # Babel's lenient parser would guess (a cut string, the wrong msgstr): publish none
        # of it. `publisher check` / `i18n compile` report the file:line to fix.
        return None
    return read_po(io.BytesIO(data), locale=lang)


def read_catalog(path: Path, lang: str) -> Catalog | None:
    """A parsed .po, cached per (path, mtime, size) so a preview server re-reads only changes.

    None when the file is missing or malformed (its texts are then shown untranslated).
    """
    if not path.exists():
        return None
    return _read_po_cached(_stamp(path), lang)


def markup_problems(msgid: str, msgstr: str) -> list[str]:
    """Why a translation may not be published even though it is filled and not fuzzy."""
    problems = []
    (source_links, source_code), (links, code) = markup.invariants(msgid), markup.invariants(msgstr)
    if source_links != links:
        problems.append("link targets differ from the source")
    if source_code != code:
        problems.append("code spans differ from the source")
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
        buf = io.BytesIO()
        write_mo(buf, catalog, use_fuzzy=False)
        buf.seek(0)
        tr = Translations(buf, domain=UI_DOMAIN)
        if result is None:
            result = tr
        else:
            result.add_fallback(tr)
    return result or NullTranslations()
