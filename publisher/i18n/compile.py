"""`publisher i18n compile`: validate every catalog, compile the UI catalogs to .mo.

A translation that would break a page or change a fact's target is an error naming
``path:line`` (the msgid's line, where Poedit and editors jump):

- syntax: the file must parse strictly (Babel ``abort_invalid``);
- UI placeholders: every UI string is %-formatted when rendered (Jinja newstyle gettext, and
  ``_() % {...}`` in code), so a translation must use exactly the source's ``%(name)s``
  placeholders and write a literal percent sign as ``%%``;
- content: link targets and code spans identical to the source (catalogs.markup_problems),
  the same rule the renderer applies before publishing a block.

Fuzzy and empty entries are not errors (they are simply not published; `stats` counts them).
The .mo files (one per UI language: the project's catalog over publisher's built-in one,
fuzzy entries left out) go under the state directory; the site build itself reads the .po.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from babel import Locale
from babel.messages.catalog import Catalog, Message
from babel.messages.mofile import write_mo

from publisher import markup
from publisher.cli_text import Text
from publisher.config import Config
from publisher.errors import Diagnostic, display_path
from publisher.i18n import pofiles
from publisher.i18n.catalogs import PACKAGE_LOCALES, markup_problems, ui_problems
from publisher.i18n.catalogs import message_strings as _strings
from publisher.statements import placeholders


def content_problems(m: Message, statement: bool = False) -> list[str]:
    problems: list[str] = []
    for s in _strings(m):
        if statement and set(placeholders(s)) != set(placeholders(str(m.id))):
            source = ", ".join("{" + p + "}" for p in placeholders(str(m.id)))
            problems.append(
                Text("{{placeholders}} differ from the source (the source has: {source})", source=source)
                if source
                else Text("{{placeholders}} differ from the source (the source has: none)")
            )
        for p in markup_problems(str(m.id), s):
            found = (markup.link_targets if "link" in p else markup.code_spans)(str(m.id))
            problems.append(
                Text("{problem} (the source has: {source})", problem=p, source=", ".join(found))
                if found
                else Text("{problem} (the source has: none)", problem=p)
            )
    return problems


def validate(
    path: Path, lang: str, shown: str, entries: bool = True
) -> tuple[Catalog | None, list[Diagnostic]]:
    """Parse and check one .po (its entries too unless `entries` is False); every problem is
    an error at the entry's line."""
    try:
        catalog = pofiles.read(path, lang, shown)
    except pofiles.CatalogError as exc:
        return None, [exc.diagnostic]
    if not entries:
        return catalog, []
    kind = pofiles.kind(path)
    out: list[Diagnostic] = []
    babel_errors = {id(m): errs for m, errs in catalog.check()}
    for m in catalog:
        if not m.id or m.fuzzy or not _strings(m):
            continue
        problems = (
            content_problems(m, kind == "statement")
            if kind != "ui"
            else _ui_entry_problems(m, [str(e) for e in babel_errors.get(id(m), [])])
        )
        line = m.lineno or 0
        for p in problems:
            hint = (
                Text(
                    "copy the link targets, `code` and {{placeholders}} exactly from the msgid; "
                    "translate only the text around them"
                )
                if kind != "ui"
                else Text(
                    "write plain text with the same %(name)s placeholders as the msgid (no tags); "
                    "write %% for a percent sign. Until then the built-in translation is shown"
                )
            )
            out.append(Diagnostic(shown, line, Text("{entry}: {problem}", entry=_label(m), problem=p), hint))
    return catalog, out


def _ui_entry_problems(m: Message, babel: list[str]) -> list[str]:
    """Babel's own placeholder findings when it has some (its wording), else ours; markup
    is always reported."""
    ours = ui_problems(m)
    if not babel:
        return ours
    return babel + [p for p in ours if "markup" in p]


def _label(m: Message) -> str:
    text = m.id if isinstance(m.id, str) else m.id[0]
    text = text if len(text) <= 50 else text[:47] + "…"
    return f'msgid "{text}"'


@dataclass
class Checked:
    files: list[Path]
    catalogs: dict[Path, Catalog]  # those that parsed
    problems: list[Diagnostic]


def check_all(config: Config, statements: bool = True) -> Checked:
    """Every project catalog and the built-in UI catalogs of the enabled languages.

    statements=False: statement catalogs are only parsed (their entries are checked by
    publisher.lints:statements in `publisher check`).
    """
    files = pofiles.po_files(config.dir("locales"))
    for lang in pofiles.ui_languages(config.languages):
        builtin = pofiles.ui_po_path(PACKAGE_LOCALES, lang)
        if builtin.exists():
            files.append(builtin)
    catalogs: dict[Path, Catalog] = {}
    problems: list[Diagnostic] = []
    for path in files:
        catalog, found = validate(
            path,
            pofiles.lang_of(path),
            shown_path(path, config),
            entries=statements or pofiles.kind(path) != "statement",
        )
        problems += found
        if catalog is not None:
            catalogs[path] = catalog
    return Checked(files, catalogs, problems)


def shown_path(path: Path, config: Config) -> str:
    if path.is_relative_to(PACKAGE_LOCALES):
        return display_path(path, PACKAGE_LOCALES.parent.parent)
    return display_path(path, config.root)


def effective_ui(config: Config, lang: str, catalogs: dict[Path, Catalog]) -> Catalog:
    """What the site shows for `lang`: project entries over built-in ones (usable only)."""
    merged = Catalog(locale=Locale.parse(lang), project="publisher", fuzzy=False)
    for path in (pofiles.ui_po_path(PACKAGE_LOCALES, lang), pofiles.ui_po_path(config.dir("locales"), lang)):
        catalog = catalogs.get(path)
        for m in catalog or []:
            if m.id and not m.fuzzy and pofiles.filled(m):
                merged[m.id] = Message(m.id, m.string, context=m.context, flags=m.flags)
    return merged


def run(config: Config) -> int:
    checked = check_all(config)
    for d in checked.problems:
        print(d, file=sys.stderr)
    bad = {d.path for d in checked.problems}
    out_root = config.state_dir / "locales"
    for lang in pofiles.ui_languages(config.languages):
        sources = [
            p
            for p in (
                pofiles.ui_po_path(config.dir("locales"), lang),
                pofiles.ui_po_path(PACKAGE_LOCALES, lang),
            )
            if p.exists()
        ]
        if any(shown_path(p, config) in bad for p in sources):
            print(f"not compiled: UI catalog for {lang} (fix the errors above)", file=sys.stderr)
            continue
        merged = effective_ui(config, lang, checked.catalogs)
        mo = out_root / lang / "LC_MESSAGES" / "messages.mo"
        mo.parent.mkdir(parents=True, exist_ok=True)
        with open(mo, "wb") as f:
            write_mo(f, merged, use_fuzzy=False)
        print(f"compiled {display_path(mo, config.root)} ({len(merged)} messages)")
    errors = len(checked.problems)
    print(f"checked {len(checked.files)} catalog(s): {errors} error(s)")
    return 2 if errors else 0
