"""`publisher i18n stats`: what is translated, and what that means for the public.

Per catalog: translated / fuzzy / untranslated / obsolete, fuzzy counted apart (pybabel and
sphinx-intl count a fuzzy entry as translated; it is never published here). Per update and
language: "publishable in en: yes" when every block has a usable translation (filled, not
fuzzy, same link targets and code), else "no (N blocks missing)": the other language's page
then shows the whole update in its source language with a notice. Per UI language: the strings
the site uses that neither the project's nor publisher's catalog translates.

The answers come from the same functions the renderer uses (catalogs.ContentCatalog.usable,
markup.blocks), so stats can never say "yes" for an update the site would show untranslated.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

from babel.messages.catalog import Catalog

from publisher import markup
from publisher.config import Config
from publisher.i18n import pofiles
from publisher.i18n.catalogs import PACKAGE_LOCALES, content_catalog
from publisher.i18n.compile import shown_path
from publisher.i18n.extract import ui_template
from publisher.model import Incident, Site
from publisher.people import People


@dataclass
class Unit:
    msgid: str
    line: int  # in the source file
    reason: str  # "untranslated" | "fuzzy" | "markup"


@dataclass
class Publishability:
    id: str  # update id, or "<incident id> title" / "<incident id> summary"
    path: str
    source: str
    lang: str
    blocks: int
    missing: list[Unit] = field(default_factory=list)

    @property
    def publishable(self) -> bool:
        return not self.missing

    @property
    def fuzzy(self) -> int:
        return sum(1 for u in self.missing if u.reason == "fuzzy")

    @property
    def markup(self) -> int:
        return sum(1 for u in self.missing if u.reason == "markup")

    def describe(self) -> str:
        return describe(self.lang, len(self.missing), self.fuzzy, self.markup)


def describe(lang: str, missing: int, fuzzy: int, markup: int) -> str:
    """'publishable in en: yes' or 'publishable in en: no (2 blocks missing, 1 of them fuzzy)'."""
    if not missing:
        return f"publishable in {lang}: yes"
    detail = f"{missing} block{'s' if missing != 1 else ''} missing"
    if fuzzy:
        detail += f", {fuzzy} of them fuzzy"
    if markup:
        detail += f", {markup} with changed links or code"
    return f"publishable in {lang}: no ({detail})"


def _reason(catalog: Catalog | None, msgid: str, context: str | None) -> str:
    m = catalog.get(msgid, context) if catalog is not None else None
    if m is None or not pofiles.filled(m):
        return "untranslated"
    return "fuzzy" if m.fuzzy else "markup"


def _check(
    pid: str,
    path: str,
    source: str,
    lang: str,
    units: list[tuple[str, int]],
    context: str | None,
    locales: Path,
    incident_id: str,
) -> Publishability:
    cc = content_catalog(locales, lang, incident_id)
    result = Publishability(pid, path, source, lang, len({t for t, _ in units}))
    seen: set[str] = set()
    for text, line in units:
        if text in seen:
            continue
        seen.add(text)
        if cc.usable(text, context) is None:
            result.missing.append(Unit(text, line, _reason(cc.catalog, text, context)))
    return result


def incident_publishability(
    config: Config, incident: Incident, langs: tuple[str, ...]
) -> list[Publishability]:
    locales = config.dir("locales")
    out: list[Publishability] = []
    for lang in langs:
        if lang != incident.lang:
            title = [(markup.normalize(incident.title), incident.title_line)]
            out.append(
                _check(
                    f"{incident.id} title",
                    incident.path,
                    incident.lang,
                    lang,
                    title,
                    "title",
                    locales,
                    incident.id,
                )
            )
            if incident.summary:
                units = [
                    (b.text, incident.summary_line + b.line - 1) for b in markup.blocks(incident.summary)
                ]
                out.append(
                    _check(
                        f"{incident.id} summary",
                        incident.path,
                        incident.lang,
                        lang,
                        units,
                        "summary",
                        locales,
                        incident.id,
                    )
                )
        for u in incident.updates:
            if lang == u.lang:
                continue
            units = [(b.text, u.body_line + b.line - 1) for b in markup.blocks(u.body)]
            out.append(_check(u.id, u.path, u.lang, lang, units, None, locales, incident.id))
    return out


def publishability(config: Config, site: Site, langs: tuple[str, ...]) -> list[Publishability]:
    return [p for i in site.incidents for p in incident_publishability(config, i, langs)]


@dataclass
class UiStatus:
    lang: str
    required: int
    missing: list[tuple[str, str | None]]  # (msgid, msgctxt)

    @property
    def complete(self) -> bool:
        return not self.missing


def ui_status(config: Config, lang: str) -> UiStatus:
    """Strings the site renders in `lang` with no usable translation anywhere."""

    template, _ = ui_template(config)
    usable: dict[tuple[str, str | None], bool] = {}
    for path in (pofiles.ui_po_path(PACKAGE_LOCALES, lang), pofiles.ui_po_path(config.dir("locales"), lang)):
        if not path.exists():
            continue
        try:
            catalog = pofiles.read(path, lang, str(path), content=False)
        except pofiles.CatalogError:
            continue
        for m in catalog:
            if m.id:
                key = (m.id if isinstance(m.id, str) else m.id[0], m.context)
                usable[key] = usable.get(key, False) or (pofiles.filled(m) and not m.fuzzy)
    missing = []
    for m in template:
        if m.id:
            key = (m.id if isinstance(m.id, str) else m.id[0], m.context)
            if not usable.get(key):
                missing.append(key)
    return UiStatus(lang, sum(1 for m in template if m.id), missing)


@dataclass
class CatalogRow:
    path: str
    lang: str
    kind: str  # "ui" | "content" | "statement"
    builtin: bool
    translated: int
    fuzzy: int
    untranslated: int
    obsolete: int
    last_translator: str = ""  # the header's Last-Translator, when it names someone
    revised: str = ""  # PO-Revision-Date, as written
    credits: list[str] = field(default_factory=list)  # "# Name <mail>, 2019." header lines


PLACEHOLDER_TRANSLATOR = "FULL NAME <EMAIL@ADDRESS>"
_CREDIT = re.compile(r"^#\s+(.+?),\s*\d{4}(?:[-,\s]+\d{4})*\.?\s*$")


def translators(catalog: Catalog, people: People) -> tuple[str, str, list[str]]:
    """(last translator, revision date, credited translators) as the catalog says, each
    named as in [people] when they are listed there."""

    def named(text: str) -> str:
        text = text.strip()
        email = text[text.find("<") + 1 : text.find(">")] if "<" in text and ">" in text else ""
        bare = text.split("<")[0].strip()
        person = people.find(email) or people.find(bare)
        return str(person) if person else text

    last = str(catalog.last_translator or "")
    last = "" if not last or last == PLACEHOLDER_TRANSLATOR else named(last)
    revised = ""
    if isinstance(catalog.revision_date, datetime):
        revised = catalog.revision_date.strftime("%Y-%m-%d %H:%M%z")
    credits = []
    for line in (catalog.header_comment or "").splitlines():
        m = _CREDIT.match(line)
        if m and "FIRST AUTHOR" not in m.group(1) and "Copyright" not in m.group(1):
            credits.append(named(m.group(1)))
    return last, revised, credits


def catalog_rows(config: Config, langs: tuple[str, ...]) -> list[CatalogRow]:
    files = [p for p in pofiles.po_files(config.dir("locales")) if pofiles.lang_of(p) in langs]
    files += [
        p for lang in pofiles.ui_languages(langs) if (p := pofiles.ui_po_path(PACKAGE_LOCALES, lang)).exists()
    ]
    rows = []
    for path in files:
        try:
            catalog = pofiles.read(path, pofiles.lang_of(path), str(path))
        except pofiles.CatalogError:
            continue  # `compile` reports it with its line
        c = pofiles.counts(catalog)
        last, revised, credits = translators(catalog, config.people)
        rows.append(
            CatalogRow(
                shown_path(path, config),
                pofiles.lang_of(path),
                pofiles.kind(path),
                path.is_relative_to(PACKAGE_LOCALES),
                c.translated,
                c.fuzzy,
                c.untranslated,
                c.obsolete,
                last,
                revised if last else "",
                credits,
            )
        )
    return rows


def report(config: Config, site: Site, langs: tuple[str, ...]) -> dict[str, object]:
    return {
        "catalogs": [asdict(r) for r in catalog_rows(config, langs)],
        "ui": [
            {
                "lang": s.lang,
                "required": s.required,
                "complete": s.complete,
                "missing": [{"msgid": i, "msgctxt": c} for i, c in s.missing],
            }
            for s in (ui_status(config, lang) for lang in pofiles.ui_languages(langs))
        ],
        "updates": [
            {
                "id": p.id,
                "path": p.path,
                "source": p.source,
                "lang": p.lang,
                "blocks": p.blocks,
                "missing": len(p.missing),
                "fuzzy": p.fuzzy,
                "markup": p.markup,
                "publishable": p.publishable,
            }
            for p in publishability(config, site, langs)
        ],
    }


def human(data: dict[str, object]) -> str:
    lines: list[str] = []
    rows = data["catalogs"]
    assert isinstance(rows, list)
    header = ("catalog", "translated", "fuzzy", "untranslated", "obsolete")
    names = [r["path"] + (" (built-in)" if r["builtin"] else "") for r in rows]
    width = max([len(header[0]), *map(len, names)])
    lines.append(f"{header[0]:<{width}}  " + "  ".join(header[1:]))
    for name, r in zip(names, rows, strict=True):
        lines.append(
            f"{name:<{width}}  {r['translated']:>10}  {r['fuzzy']:>5}  "
            f"{r['untranslated']:>12}  {r['obsolete']:>8}"
        )
    if not rows:
        lines.append("(no catalogs yet: run `publisher i18n extract` then `publisher i18n update`)")
    named = [(n, r) for n, r in zip(names, rows, strict=True) if r["last_translator"] and not r["builtin"]]
    if named:
        lines.append("\nTranslated by (as the catalogs say):")
        for name, r in named:
            others = [c for c in r["credits"] if c != r["last_translator"]]
            lines.append(
                f"  {name}: {r['last_translator']}, last revised {r['revised'] or 'at an unknown date'}"
                + (f"; also credited: {', '.join(others)}" if others else "")
            )
    ui = data["ui"]
    assert isinstance(ui, list)
    for s in ui:
        if s["complete"]:
            lines.append(f"\nUI strings in {s['lang']}: complete ({s['required']} strings)")
        else:
            lines.append(
                f"\nUI strings in {s['lang']}: {len(s['missing'])} of {s['required']} "
                "missing (this language cannot be enabled until they are translated):"
            )
            lines += [
                f"  {m['msgid']!r}" + (f" (context {m['msgctxt']!r})" if m["msgctxt"] else "")
                for m in s["missing"]
            ]
    updates = data["updates"]
    assert isinstance(updates, list)
    if updates:
        lines.append("")
        width = max(len(f"{u['id']} ({u['source']})") for u in updates)
        for u in updates:
            label = f"{u['id']} ({u['source']})"
            lines.append(f"{label:<{width}}  " + describe(u["lang"], u["missing"], u["fuzzy"], u["markup"]))
    return "\n".join(lines)


def run(config: Config, site: Site, lang: str | None, as_json: bool) -> int:
    langs = (lang,) if lang else config.languages
    data = report(config, site, langs)
    print(json.dumps(data, indent=2, ensure_ascii=False) if as_json else human(data))
    return 0
