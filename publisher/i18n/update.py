"""`publisher i18n update`: merge every template (.pot) into every target language's .po.

The merge is Babel's ``Catalog.update`` (research/i18n-workflow.md §4.3): a new source entry
is added empty; a changed source entry gets the closest old translation as a suggestion and is
marked fuzzy (fuzzy entries are never published); a removed entry becomes obsolete (``#~``)
and an exact match later revives its translation (Babel does not, we do). Nothing else in a
.po is touched: translators and their tools own msgstr, comments and the header.

Content entries go only into the catalogs of languages they are not written in (an
English-first update lands in the French catalog). A project's UI catalog holds only its
overrides and the strings publisher's built-in catalog does not translate (see
project_ui_template), so a translator sees only what is theirs to do.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from babel import Locale
from babel.messages.catalog import Catalog, Message

from publisher.config import Config
from publisher.content import load_site
from publisher.errors import Diagnostic, UsageError, display_path
from publisher.i18n import pofiles
from publisher.i18n.catalogs import PACKAGE_LOCALES, content_po_path
from publisher.i18n.extract import content_template


@dataclass
class Change:
    path: Path
    data: bytes
    created: bool
    new: int = 0
    fuzzy: int = 0
    obsolete: int = 0
    revived: int = 0

    def describe(self) -> str:
        parts = [f"{self.new} new", f"{self.fuzzy} newly fuzzy", f"{self.obsolete} obsolete"]
        if self.revived:
            parts.append(f"{self.revived} revived")
        return ", ".join(parts)


def _key(m: Message) -> tuple[str, str | None]:
    mid = m.id if isinstance(m.id, str) else m.id[0]
    return mid, m.context


def for_language(template: Catalog, lang: str) -> Catalog:
    """The template restricted to the entries a `lang` catalog translates (content only)."""
    result = copy.deepcopy(template)
    for m in list(result):
        if m.id and lang in pofiles.source_langs(m) and not pofiles.source_langs(m) - {lang}:
            result.delete(m.id, m.context)
    return result


def revive(po: Catalog) -> int:
    """An obsolete entry whose exact source is back gives its translation back."""
    revived = 0
    for key, old in list(po.obsolete.items()):
        current = po.get(old.id, old.context)
        if current is None:
            continue
        del po.obsolete[key]
        if pofiles.filled(old) and (current.fuzzy or not pofiles.filled(current)):
            current.string = old.string
            current.flags.discard("fuzzy")
            current.flags |= old.flags & {"fuzzy"}
            current.user_comments = list(old.user_comments)
            revived += 1
    return revived


def merge(template: Catalog, po_path: Path, lang: str, content: bool, shown: str, now: datetime) -> Change:
    """The new bytes of `po_path` after merging `template` (a CatalogError if it is broken)."""
    if not po_path.exists():
        po = copy.deepcopy(template)
        po.locale = Locale.parse(lang)
        po.fuzzy = False
        po.revision_date = now
        what = f"the incident {po_path.stem}" if content else "the status site's UI strings"
        po.header_comment = (
            f"# {Locale.parse(lang).english_name} translation of {what}.\n"
            "# Edit it with Poedit, Weblate or any gettext editor; "
            "see docs/translating.md.\n#"
        )
        if content:
            pofiles.fix_content_flags(po)
        return Change(
            po_path, pofiles.render(po), True, new=sum(1 for m in po if m.id and not pofiles.filled(m))
        )
    po = pofiles.read(po_path, lang, shown, content=content)
    kept = pofiles.read_previous(po_path.read_bytes())  # Babel's reader drops `#|`
    before = {_key(m): m.fuzzy for m in po if m.id}
    old_obsolete = {_key(m) for m in po.obsolete.values()}
    po.update(
        template,
        no_fuzzy_matching=False,
        update_header_comment=False,
        keep_user_comments=True,
        update_creation_date=True,
    )
    revived = revive(po)
    if content:
        pofiles.fix_content_flags(po)
    after = [m for m in po if m.id]
    return Change(
        po_path,
        pofiles.add_previous(pofiles.render(po), previous_ids(po, kept)),
        False,
        new=sum(1 for m in after if _key(m) not in before and not pofiles.filled(m)),
        fuzzy=sum(1 for m in after if m.fuzzy and not before.get(_key(m), False)),
        obsolete=sum(1 for m in po.obsolete.values() if _key(m) not in old_obsolete),
        revived=revived,
    )


def previous_ids(po: Catalog, kept: pofiles.Previous) -> pofiles.Previous:
    """What each fuzzy entry was before the source changed, as `msgmerge --previous` keeps
    it: the msgid Babel matched in this merge, else the one the file already carried. An
    entry the translator has reviewed (no longer fuzzy) loses it, as with msgmerge."""
    found: pofiles.Previous = {}
    for m in po:
        if not m.id or not m.fuzzy:
            continue
        key = _key(m)
        previous = getattr(m, "previous_id", None) or []
        if previous:
            old = previous[0] if isinstance(previous, (list, tuple)) else previous
            if old and old != key[0]:
                found[key] = (str(old), m.context)
                continue
        if key in kept:
            found[key] = kept[key]
    return found


def _read_template(path: Path, lang: str, root: Path, out: list[Diagnostic]) -> Catalog | None:
    try:
        return pofiles.read(path, lang, display_path(path, root))
    except pofiles.CatalogError as exc:
        out.append(exc.diagnostic)
        return None


def _builtin_catalog(lang: str) -> Catalog | None:
    path = pofiles.ui_po_path(PACKAGE_LOCALES, lang)
    return pofiles.read(path, lang, str(path), content=False) if path.exists() else None


def _own_entries(po_path: Path, lang: str, shown: str) -> set[tuple[str, str | None]]:
    if not po_path.exists():
        return set()
    po = pofiles.read(po_path, lang, shown, content=False)
    return {_key(m) for m in [*po, *po.obsolete.values()] if m.id}


def project_ui_template(
    template: Catalog, builtin: Catalog | None, po_path: Path, lang: str, shown: str
) -> Catalog:
    """What a project's UI catalog holds: its own overrides (entries it already has) and
    the strings publisher's built-in catalog does not translate (the project's templates,
    a language publisher does not ship). Everything else is answered by the built-in one."""
    own = _own_entries(po_path, lang, shown)
    result = copy.deepcopy(template)
    for m in list(result):
        if not m.id or _key(m) in own:
            continue
        found = builtin.get(m.id, m.context) if builtin is not None else None
        if found is not None and pofiles.filled(found) and not found.fuzzy:
            result.delete(m.id, m.context)
    return result


def _current_texts(config: Config) -> dict[str, set[tuple[str, str | None]]]:
    """(msgid, msgctxt) of every incident as the content stands now."""

    site = load_site(config).site
    return {
        i.id: {(str(m.id), m.context) for m in content_template(config, i) if m.id} for i in site.incidents
    }


def _stale(
    template: Catalog, now: set[tuple[str, str | None]] | None, shown: str, problems: list[Diagnostic]
) -> bool:
    """A template older than the content would make fresh translations (written by
    `publisher new update`) obsolete: refuse to merge it and say what to run."""
    if now is None:
        return False
    was = {(str(m.id), m.context) for m in template if m.id}
    if was == now:
        return False
    problems.append(
        Diagnostic(
            shown,
            0,
            f"out of date: the content changed since it was extracted ({len(now - was)} "
            f"new text(s), {len(was - now)} gone); its catalogs were not updated",
            "run `publisher i18n extract`, then `publisher i18n update` again",
        )
    )
    return True


def plan(
    config: Config, langs: Iterable[str], package: bool = False, now: datetime | None = None
) -> tuple[list[Change], list[Diagnostic]]:
    """Every file `update` would write (only those whose bytes change) and the problems."""
    now = now or datetime.now(UTC)
    langs = tuple(langs)
    root = config.root
    locales = PACKAGE_LOCALES if package else config.dir("locales")
    problems: list[Diagnostic] = []
    jobs: list[tuple[Catalog, Path, str, bool]] = []
    ui_pot = pofiles.ui_pot_path(locales)
    if not ui_pot.exists():
        problems.append(
            Diagnostic(display_path(ui_pot, root), 0, "no UI template", "run `publisher i18n extract` first")
        )
    for lang in pofiles.ui_languages(langs):
        template = _read_template(ui_pot, lang, root, problems) if ui_pot.exists() else None
        if template is None:
            continue
        po_path = pofiles.ui_po_path(locales, lang)
        if not package:
            try:
                template = project_ui_template(
                    template, _builtin_catalog(lang), po_path, lang, display_path(po_path, root)
                )
            except pofiles.CatalogError as exc:
                problems.append(exc.diagnostic)
                continue
        # A project catalog with no entries of its own (as `publisher init` creates it) is
        # left alone until there is something to put in it.
        if package or len(template) or _own_entries(po_path, lang, display_path(po_path, root)):
            jobs.append((template, po_path, lang, False))
    pot_dir = locales / pofiles.CONTENT_POT_DIR
    current = {} if package else _current_texts(config)
    for pot_path in sorted(pot_dir.glob("*.pot")) if not package and pot_dir.is_dir() else []:
        for lang in langs:
            template = _read_template(pot_path, lang, root, problems)
            if template is None:
                continue
            if _stale(template, current.get(pot_path.stem), display_path(pot_path, root), problems):
                break
            template = for_language(template, lang)
            po_path = content_po_path(locales, lang, pot_path.stem)
            if len(template) or po_path.exists():
                jobs.append((template, po_path, lang, True))
    changes = []
    for template, po_path, lang, content in jobs:
        shown = display_path(po_path, root)
        try:
            change = merge(template, po_path, lang, content, shown, now)
        except pofiles.CatalogError as exc:
            problems.append(exc.diagnostic)
            continue
        if change.created or change.data != po_path.read_bytes():
            changes.append(change)
    return changes, problems


def package_languages() -> tuple[str, ...]:
    return tuple(sorted(p.parent.parent.name for p in PACKAGE_LOCALES.glob("*/LC_MESSAGES/messages.po")))


def languages(config: Config, lang: str | None, package: bool) -> tuple[str, ...]:
    """The languages `publisher i18n update [--lang L] [--package]` works on."""
    if package:
        langs = package_languages() + ((lang,) if lang and lang not in package_languages() else ())
        return tuple(x for x in langs if lang is None or x == lang)
    if lang is not None and lang not in config.languages:
        raise UsageError(
            f"--lang {lang}: not an enabled language; enabled: "
            f"{', '.join(config.languages)} (see [languages] in publisher.toml)"
        )
    return (lang,) if lang else config.languages
