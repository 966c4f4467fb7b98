"""The statement library: pre-approved, pre-translated holding statements with placeholders.

A statement is ``content/statements/<name>.md``: front matter (title, default status,
pre-approval, cadence) and a Markdown body in its source language with named placeholders
``{service}``. Its translations are ordinary gettext catalogs,
``locales/<lang>/LC_MESSAGES/statements/<name>.po``, one msgid per Markdown block, so a
translator prepares them in peacetime with the same tools as incident catalogs.

Why ``{name}``: braces mean nothing in CommonMark, so a statement renders and splits into
the same blocks before and after filling; Babel flags such msgids ``python-brace-format``,
so ``msgfmt --check`` refuses a translation that drops or misspells a placeholder.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial
from pathlib import Path

from babel.messages.catalog import Catalog

from publisher import frontmatter, markup, sourcefile
from publisher.cli_text import Text
from publisher.config import Config
from publisher.errors import Diagnostic, display_path, guarded
from publisher.i18n.catalogs import markup_problems, read_catalog
from publisher.i18n.pofiles import msgstr_line
from publisher.model import STATUSES

PLACEHOLDER = re.compile(r"\{([a-z][a-z0-9_]*)\}")
STATEMENT_KEYS = ("title", "aliases", "status", "approved_by", "next_update_in", "lang")
_DURATION = re.compile(r"^(\d+)\s*(min|m|h|d)$")


def placeholders(text: str) -> list[str]:
    """Placeholder names in order of first appearance."""
    seen: dict[str, None] = {}
    for m in PLACEHOLDER.finditer(text):
        seen.setdefault(m.group(1), None)
    return list(seen)


def fill(text: str, values: Mapping[str, str]) -> str:
    return PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text)


def parse_duration(text: str) -> timedelta | None:
    """'30min', '2h', '1d' → timedelta; None when not a duration."""
    m = _DURATION.match(text.strip())
    if not m:
        return None
    n, unit = int(m.group(1)), m.group(2)
    return {
        "min": timedelta(minutes=n),
        "m": timedelta(minutes=n),
        "h": timedelta(hours=n),
        "d": timedelta(days=n),
    }[unit]


def statements_dir(config: Config) -> Path:
    return config.dir("content") / "statements"


def statement_po_path(locales_dir: Path, lang: str, name: str) -> Path:
    return locales_dir / lang / "LC_MESSAGES" / "statements" / f"{name}.po"


@dataclass(frozen=True)
class Statement:
    name: str
    path: str  # as shown in diagnostics
    title: str
    status: str
    body: str
    body_line: int
    lang: str
    approved_by: str | None = None
    next_update_in: timedelta | None = None
    field_lines: Mapping[str, int] = field(default_factory=dict)
    aliases: tuple[str, ...] = ()  # other names, e.g. in the other language (panne-informatique)

    @property
    def placeholders(self) -> list[str]:
        return placeholders(self.title + "\n" + self.body)


def load_statement(path: Path, config: Config, out: list[Diagnostic]) -> Statement | None:
    shown = display_path(path, config.root)
    read = sourcefile.read_text(path, config.root, shown, out, config.file_size_limit)
    if read is None:
        return None
    doc = frontmatter.parse(read[0], shown)
    if isinstance(doc, list):
        out.extend(doc)
        return None
    ok = True
    fields = {k: f.value for k, f in doc.fields.items()}
    lines = {k: f.line for k, f in doc.fields.items()}
    for key in fields:
        if key not in STATEMENT_KEYS:
            out.append(
                Diagnostic(
                    shown,
                    lines[key],
                    Text("unknown key '{key}' in a statement", key=key),
                    Text("allowed keys: {keys}", keys=", ".join(STATEMENT_KEYS)),
                )
            )
            ok = False
    title = fields.get("title")
    if not isinstance(title, str) or not title:
        out.append(
            Diagnostic(shown, 1, Text("missing 'title'"), Text("add 'title: …' (the statement's name)"))
        )
        ok = False
    status = fields.get("status") or "investigating"
    if status not in STATUSES:
        out.append(
            Diagnostic(
                shown,
                lines.get("status", 1),
                Text("'{status}' is not a valid status", status=status),
                Text("use one of: {choices}", choices=", ".join(STATUSES)),
            )
        )
        ok = False
    aliases = fields.get("aliases") or []
    if not (
        isinstance(aliases, list)
        and all(isinstance(a, str) and re.fullmatch(r"[a-z0-9-]+", a) for a in aliases)
    ):
        out.append(
            Diagnostic(
                shown,
                lines.get("aliases", 1),
                Text("aliases must be a list of names (lower-case letters, digits, -)"),
                Text("e.g. aliases: [panne-informatique]"),
            )
        )
        ok = False
        aliases = []
    cadence = None
    if fields.get("next_update_in") is not None:
        cadence = parse_duration(str(fields["next_update_in"]))
        if cadence is None:
            out.append(
                Diagnostic(
                    shown,
                    lines["next_update_in"],
                    Text(
                        "next_update_in '{next_update_in}' is not a duration",
                        next_update_in=fields["next_update_in"],
                    ),
                    Text("write e.g. 30min, 2h or 1d"),
                )
            )
            ok = False
    lang = fields.get("lang") or config.source_lang
    if lang not in config.languages:
        out.append(
            Diagnostic(
                shown,
                lines.get("lang", 1),
                Text("language '{lang}' is not configured", lang=lang),
                Text("use one of: {choices}", choices=", ".join(config.languages)),
            )
        )
        ok = False
    if not doc.body.strip():
        out.append(
            Diagnostic(
                shown,
                doc.body_line - 1,
                Text("the statement has no text"),
                Text("write the statement below the closing '---'"),
            )
        )
        ok = False
    if not ok:
        return None
    body = doc.body.strip("\n")
    lead = len(doc.body) - len(doc.body.lstrip("\n"))
    approved = fields.get("approved_by")
    return Statement(
        name=path.stem,
        path=shown,
        title=str(title),
        status=str(status),
        body=body,
        body_line=doc.body_line + lead,
        lang=str(lang),
        approved_by=str(approved) if approved else None,
        next_update_in=cadence,
        field_lines=lines,
        aliases=tuple(aliases),
    )


def load_statements(config: Config, out: list[Diagnostic]) -> dict[str, Statement]:
    found: dict[str, Statement] = {}
    directory = statements_dir(config)
    if directory.is_dir():
        for path in sorted(directory.glob("*.md")):
            if path.name.lower() == "readme.md":
                continue
            shown = display_path(path, config.root)
            st = guarded(shown, out, partial(load_statement, path, config, out))
            if st is not None:
                found[st.name] = st
    return found


def find_statement(library: Mapping[str, Statement], name: str) -> Statement | None:
    """By file name or by one of its aliases (accents and case optional: "Panne-Informatique")."""
    from publisher.spoken import fold

    wanted = fold(name).replace(" ", "-")
    if wanted in library:
        return library[wanted]
    return next((st for st in library.values() if wanted in st.aliases), None)


def statement_catalog(config: Config, st: Statement, lang: str) -> Catalog | None:
    return read_catalog(statement_po_path(config.dir("locales"), lang, st.name), lang)


@dataclass(frozen=True)
class Translated:
    """A statement filled in one language: text per block, and what could not be translated."""

    lang: str
    title: str | None  # None: no usable translation of the title
    blocks: dict[str, str]  # filled source block (msgid) → filled translation
    missing: list[str]  # filled source blocks without a usable translation


def translate(
    config: Config, st: Statement, lang: str, values: Mapping[str, str], source_values: Mapping[str, str]
) -> Translated:
    """The statement's translation into `lang`, filled with `values` (source filled with
    `source_values`), keyed by the filled source block as the incident catalog needs."""
    catalog = statement_catalog(config, st, lang)
    blocks: dict[str, str] = {}
    missing: list[str] = []
    for b in markup.blocks(st.body):
        key = fill(b.text, source_values)
        text = _usable(catalog, b.text, None)
        if text is None:
            missing.append(key)
        else:
            blocks[key] = fill(text, values)
    title = _usable(catalog, markup.normalize(st.title), "title")
    return Translated(lang, fill(title, values) if title else None, blocks, missing)


def _usable(catalog: Catalog | None, msgid: str, context: str | None) -> str | None:
    if catalog is None:
        return None
    m = catalog.get(msgid, context)
    if m is None or not m.string or m.fuzzy or not isinstance(m.string, str):
        return None
    if markup_problems(msgid, m.string) or set(placeholders(m.string)) != set(placeholders(msgid)):
        return None
    return m.string


def check_statements(config: Config) -> list[Diagnostic]:
    """Statements that would fail the comms officer at the worst moment: broken files,
    translations missing or with placeholders that differ from the source."""

    out: list[Diagnostic] = []
    library = load_statements(config, out)
    for st in library.values():
        for lang in config.languages:
            if lang == st.lang:
                continue
            po = statement_po_path(config.dir("locales"), lang, st.name)
            shown_po = display_path(po, config.root)
            catalog = statement_catalog(config, st, lang)
            if catalog is None:
                out.append(
                    Diagnostic(
                        st.path,
                        1,
                        Text("statement '{name}' has no {lang} catalog", name=st.name, lang=lang),
                        Text(
                            "create {po}; updates made from it will fall back to {source} on the {lang} "
                            "pages",
                            po=shown_po,
                            source=st.lang,
                            lang=lang,
                        ),
                        "warning",
                    )
                )
                continue
            units: list[tuple[str, str | None, int]] = [
                (markup.normalize(st.title), "title", st.field_lines.get("title", 1))
            ]
            units += [(b.text, None, st.body_line + b.line - 1) for b in markup.blocks(st.body)]
            for msgid, ctx, line in units:
                m = catalog.get(msgid, ctx)
                if m is None or not m.string or m.fuzzy:
                    state = Text("fuzzy") if m is not None and m.fuzzy else Text("missing")
                    out.append(
                        Diagnostic(
                            st.path,
                            line,
                            Text("{lang} translation {state} for this block", lang=lang, state=state),
                            Text(
                                "translate it in {po}; until then updates made from '{name}' fall back to "
                                "{source}",
                                po=shown_po,
                                name=st.name,
                                source=st.lang,
                            ),
                            "warning",
                        )
                    )
                    continue
                assert isinstance(m.string, str)
                src, dst = set(placeholders(msgid)), set(placeholders(m.string))
                if src != dst:
                    diff = sorted(dst - src) + sorted(src - dst)
                    out.append(
                        Diagnostic(
                            shown_po,
                            msgstr_line(po, m.lineno or 1),
                            Text(
                                "placeholders differ from the source: {differ}",
                                differ=", ".join("{" + d + "}" for d in diff),
                            ),
                            Text(
                                "use exactly the source's placeholders: {placeholders}",
                                placeholders=", ".join("{" + s + "}" for s in sorted(src)),
                            ),
                        )
                    )
                for problem in markup_problems(msgid, m.string):
                    out.append(
                        Diagnostic(
                            shown_po,
                            msgstr_line(po, m.lineno or 1),
                            problem,
                            Text("keep link targets and `code` as in the source"),
                        )
                    )
    return out
