"""Model → per-language views: which text each reader gets, and in which language.

The unit of fallback is the whole update: if every block of an update has a usable
translation, the reader gets the translation; otherwise the whole update is shown in its
source language (marked ``lang``) with a notice. Never a mix of languages inside one update,
never a hidden update.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from publisher import markup
from publisher.i18n.catalogs import ContentCatalog, content_catalog
from publisher.model import Incident, Update


@dataclass(frozen=True)
class LocalText:
    """A short inline text (a "what to do" line, a service note) in the language it is in."""

    markdown: str
    lang: str

    @property
    def html(self) -> str:
        return markup.inline_html(self.markdown)


def note_context(service_id: str) -> str:
    """msgctxt of a service note in the incident's catalog."""
    return f"service {service_id}"


WHAT_TO_DO_CONTEXT = "what_to_do"


@dataclass(frozen=True)
class UpdateView:
    update: Update
    lang: str  # the page's language
    text_lang: str  # the language the text is actually in
    html: str
    missing: int  # blocks without a usable translation (0 when text_lang == lang)
    translations: tuple[tuple[str, str], ...] = field(default=(), repr=False)
    # The correction note is its own unit (msgctxt "correction"): translated as soon as its
    # entry is, whatever the body; until then the source note, marked with its language.
    correction: str | None = None
    correction_lang: str = ""
    # service id -> its note in this language (or in the update's, marked), for non-empty notes
    notes: tuple[tuple[str, LocalText], ...] = ()

    def note(self, service_id: str) -> LocalText | None:
        return next((text for sid, text in self.notes if sid == service_id), None)

    @cached_property
    def markdown(self) -> str:
        """The text in text_lang as Markdown, for plain-text channels (computed on demand)."""
        if not self.translations:
            return self.update.body
        return translated_markdown(self.update.body, dict(self.translations))

    @property
    def translated(self) -> bool:
        return self.text_lang == self.lang

    @property
    def is_fallback(self) -> bool:
        return self.text_lang != self.lang


@dataclass(frozen=True)
class IncidentView:
    incident: Incident
    lang: str
    title: str
    title_lang: str
    summary_html: str
    summary_lang: str
    updates: tuple[UpdateView, ...]  # newest first
    what_to_do: tuple[LocalText, ...] = ()

    @property
    def latest(self) -> UpdateView | None:
        return self.updates[0] if self.updates else None


def localize_text(text: str, source_lang: str, lang: str, catalog: ContentCatalog, context: str) -> LocalText:
    """A short text in `lang` when its translation is usable, else as written (marked).

    Unlike an update's body, a short text falls back on its own: a missing note translation
    never holds back the update it belongs to.
    """
    if source_lang != lang and (t := catalog.usable(markup.normalize(text), context)):
        return LocalText(t, lang)
    return LocalText(text, source_lang)


def localize_update(update: Update, lang: str, catalog: ContentCatalog) -> UpdateView:
    note, note_lang = update.correction, update.lang
    if note and update.lang != lang:
        translated = catalog.usable(markup.normalize(note), "correction")
        if translated:
            note, note_lang = translated, lang
    notes = tuple(
        (c.service, localize_text(c.note, update.lang, lang, catalog, note_context(c.service)))
        for c in update.services
        if c.note
    )
    if update.lang == lang:
        return UpdateView(update, lang, lang, markup.to_html(update.body), 0, (), note, note_lang, notes)
    html, table, missing = markup.to_html_translated(update.body, catalog.usable)
    if html is None:
        return UpdateView(
            update, lang, update.lang, markup.to_html(update.body), missing, (), note, note_lang, notes
        )
    return UpdateView(update, lang, lang, html, 0, tuple(table.items()), note, note_lang, notes)


def translated_markdown(markdown: str, table: dict[str, str]) -> str:
    """The source Markdown with each block's inline text replaced (for plain-text channels)."""
    lines = markdown.split("\n")
    out = list(lines)
    for block in reversed(markup.blocks(markdown)):
        # A block spans from its first line until the next blank line or block start; the
        # replacement keeps the source's list markers and heading hashes.
        start = block.line - 1
        end = start
        while end + 1 < len(lines) and lines[end + 1].strip() and not _starts_block(lines[end + 1]):
            end += 1
        first = lines[start]
        prefix = first[: len(first) - len(first.lstrip())]
        stripped = first.lstrip()
        for marker in ("- ", "* ", "+ ", "> "):
            if stripped.startswith(marker):
                prefix += marker
                break
        else:
            digits = len(stripped) - len(stripped.lstrip("0123456789"))
            if digits and stripped[digits : digits + 2] in (". ", ") "):
                prefix += stripped[: digits + 2]
            elif stripped.startswith("#"):
                prefix += stripped[: len(stripped) - len(stripped.lstrip("#"))] + " "
        out[start : end + 1] = [prefix + table.get(block.text, block.text)]
    return "\n".join(out)


def _starts_block(line: str) -> bool:
    s = line.lstrip()
    return s.startswith(("- ", "* ", "+ ", "#", "> ")) or (
        s[:1].isdigit() and s.lstrip("0123456789")[:2] in (". ", ") ")
    )


def localize_incident(incident: Incident, lang: str, locales_dir: Path) -> IncidentView:
    # Any unit written in another language (the incident's title or an English-first update
    # on the French page) is looked up in this language's catalog of the incident.
    needs_catalog = incident.lang != lang or any(u.lang != lang for u in incident.updates)
    catalog = content_catalog(locales_dir, lang, incident.id) if needs_catalog else ContentCatalog(None)
    title, title_lang = incident.title, incident.lang
    if incident.lang != lang and (t := catalog.usable(markup.normalize(incident.title), "title")):
        title, title_lang = t, lang
    summary_html, summary_lang = markup.to_html(incident.summary), incident.lang
    if incident.summary and incident.lang != lang:
        html, _table, _missing = markup.to_html_translated(
            incident.summary, lambda msgid: catalog.usable(msgid, "summary")
        )
        if html is not None:
            summary_html, summary_lang = html, lang
    views = tuple(
        localize_update(u, lang, catalog if u.lang != lang else ContentCatalog(None))
        for u in reversed(incident.updates)
    )
    what_to_do = tuple(
        localize_text(i.text, incident.lang, lang, catalog, WHAT_TO_DO_CONTEXT) for i in incident.what_to_do
    )
    return IncidentView(incident, lang, title, title_lang, summary_html, summary_lang, views, what_to_do)
