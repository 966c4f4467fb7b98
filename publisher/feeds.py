"""Atom feeds (RFC 4287): one per language with every update, and one per incident.

No feed grows with the archive (RFC 5005, archived feeds): the subscription document
(``feed.xml``) holds the latest PAGE_SIZE entries and links ``prev-archive`` to the newest
archive document; archive documents (``feed-archive-<n>.xml``, 1 the oldest) each hold
PAGE_SIZE entries counted from the oldest, so an archive page keeps its entries when new
updates go out, and a reader that missed some follows ``prev-archive`` back.

Journalists' feed readers and other systems follow the crisis through these, so each entry
is a whole update: its id is the update's permalink in that language (stable across
rebuilds), its content the same HTML the page shows, and its ``xml:lang`` the language the
text is actually in, so an English feed carrying a not-yet-translated French update says so.
Feeds are built with ElementTree, which escapes everything, never with string templates.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

from publisher import drill, urls
from publisher.config import Config
from publisher.i18n.catalogs import ui_translations
from publisher.localize import IncidentView, UpdateView
from publisher.model import Update
from publisher.release import Page
from publisher.render import Renderer
from publisher.timeutil import iso_utc

ATOM = "http://www.w3.org/2005/Atom"
FEED_HISTORY = "http://purl.org/syndication/history/1.0"
# Entries per feed document: a subscription feed of a long crisis stays a few hundred KB.
PAGE_SIZE = 50
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
XML_BASE = "{http://www.w3.org/XML/1998/namespace}base"
MEDIA_TYPE = "application/atom+xml"
# An empty feed still needs <updated>; the epoch says "nothing yet" and keeps rebuilds
# byte-identical (a build time would rewrite the file every minute for nothing).
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

# (published, updated, serialized <entry>) of one update in one language.
Entry = tuple[datetime, datetime, str]


def _el(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    child = ET.SubElement(parent, tag, attrs)
    if text is not None:
        child.text = text
    return child


class FeedWriter:
    """Builds the feeds of one language."""

    def __init__(self, config: Config, renderer: Renderer, lang: str) -> None:
        self.config = config
        self.corrections = renderer.corrections
        self.lang = lang
        # The templates' own macros, so status labels and update markup match the pages.
        self.macros: Any = renderer.env(lang).get_template("web/macros.html").make_module({"page": ""})
        self._ = ui_translations(config.dir("locales"), lang).gettext
        self.title, self.title_lang = config.site_title_for(lang)
        self.author = config.organisation or self.title

    def url(self, path: str) -> str:
        return urls.absolute(self.config.base_url, path)

    def paged(
        self, path: str, title: str, title_lang: str, subtitle: str, page: str, entries: Iterable[Entry]
    ) -> list[tuple[str, bytes]]:
        """The subscription document at `path` and its archive documents, as (path, bytes)."""
        oldest_first = sorted(entries, key=lambda e: e[0])
        archives = len(oldest_first) // PAGE_SIZE if len(oldest_first) > PAGE_SIZE else 0
        links: dict[str, str] = {"prev-archive": urls.feed_archive(path, archives)} if archives else {}
        docs = [(path, self.feed(path, title, title_lang, subtitle, page, oldest_first[-PAGE_SIZE:], links))]
        for n in range(1, archives + 1):
            archive = urls.feed_archive(path, n)
            links = {"current": path}
            if n > 1:
                links["prev-archive"] = urls.feed_archive(path, n - 1)
            if n < archives:
                links["next-archive"] = urls.feed_archive(path, n + 1)
            chunk = oldest_first[(n - 1) * PAGE_SIZE : n * PAGE_SIZE]
            docs.append((archive, self.feed(archive, title, title_lang, subtitle, page, chunk, links)))
        return docs

    def feed(
        self,
        path: str,
        title: str,
        title_lang: str,
        subtitle: str,
        page: str,
        entries: Iterable[Entry],
        links: dict[str, str] | None = None,
    ) -> bytes:
        # Unqualified tags under a literal default xmlns: ElementTree would otherwise invent
        # "ns0:" prefixes, which some feed readers mishandle.
        root = ET.Element("feed", {"xmlns": ATOM, XML_LANG: self.lang})
        archived = links is not None and "current" in links
        if archived:
            root.set("xmlns:fh", FEED_HISTORY)
        _el(root, "id", self.url(path))
        if self.config.drill:
            title = drill.POST_PREFIX + title
        title_el = _el(root, "title", title)
        if title_lang != self.lang:
            title_el.set(XML_LANG, title_lang)
        _el(root, "subtitle", subtitle)
        _el(root, "link", rel="self", type=MEDIA_TYPE, href=self.url(path))
        _el(root, "link", rel="alternate", type="text/html", hreflang=self.lang, href=self.url(page))
        for rel, target in (links or {}).items():
            _el(root, "link", rel=rel, type=MEDIA_TYPE, href=self.url(target))
        if archived:
            _el(root, "fh:archive")  # RFC 5005 section 4: this document will not change
        author = _el(root, "author")
        _el(author, "name", self.author)
        _el(root, "generator", "publisher")
        items = sorted(entries, key=lambda e: e[0], reverse=True)
        newest = max((updated for _published, updated, _xml in items), default=EPOCH)
        _el(root, "updated", iso_utc(newest))
        ET.indent(root)
        head = ET.tostring(root, encoding="unicode")
        assert head.endswith("</feed>")
        # Entries are serialized once per incident and language (and cached with the
        # incident's pages): a feed is their concatenation under this header.
        body = "".join(xml for _published, _updated, xml in items)
        return (f'<?xml version="1.0" encoding="utf-8"?>\n{head[: -len("</feed>")]}{body}</feed>\n').encode()

    def updated(self, update: Update) -> datetime:
        """A corrected update keeps its id and gets a new <updated>, so readers refresh it."""
        return self.corrections.for_update(update).corrected or update.publish_at

    def entry(self, iv: IncidentView, view: UpdateView) -> Entry:
        u = view.update
        permalink = self.url(urls.update(self.lang, u.incident_id, u.stem))
        entry = ET.Element("entry", {XML_LANG: view.text_lang})
        _el(entry, "id", permalink)
        label = str(self.macros.status_label(u.status)).strip()
        title = _el(entry, "title", f"{label} — {iv.title}")
        if iv.title_lang != view.text_lang:
            # The title is mostly the incident's title: say which language that is in.
            title.set(XML_LANG, iv.title_lang)
        _el(entry, "link", rel="alternate", type="text/html", hreflang=self.lang, href=permalink)
        updated = self.updated(u)
        _el(entry, "published", iso_utc(u.publish_at))
        _el(entry, "updated", iso_utc(updated))
        _el(entry, "category", term=u.status, label=label)
        # The page's own article markup: the fallback notice, next-update promise and
        # lang attributes come with it, so the feed says exactly what the page says.
        html = str(self.macros.update_article(view, heading="h2", link=False)).strip()
        content = _el(entry, "content", html, type="html")
        content.set(XML_BASE, permalink)
        ET.indent(entry, level=1)
        return u.publish_at, updated, f"  {ET.tostring(entry, encoding='unicode')}\n"

    def entries(self, iv: IncidentView, cache: Any) -> list[Entry]:
        """The incident's entries in this language, from the render cache when unchanged."""
        key = cache.keys.get((self.lang, iv.incident.id)) if cache is not None else None
        found = cache.get(key, "atom") if key else None
        if found is None:
            found = [self.entry(iv, view) for view in iv.updates]
            if key:
                cache.put(key, "atom", found)
        return list(found)

    def site_feed(self, entries: Iterable[Entry]) -> list[tuple[str, bytes]]:
        return self.paged(
            urls.feed(self.lang),
            self.title,
            self.title_lang,
            self._("All updates, newest first"),
            urls.home(self.lang),
            entries,
        )

    def incident_feed(self, iv: IncidentView, entries: Iterable[Entry]) -> list[tuple[str, bytes]]:
        return self.paged(
            urls.incident_feed(self.lang, iv.incident.id),
            f"{iv.title} — {self.title}",
            iv.title_lang,
            self._("Updates on this incident, newest first"),
            urls.incident(self.lang, iv.incident.id),
            entries,
        )


def pages(config: Config, views: dict[str, list[IncidentView]], renderer: Renderer) -> Iterator[Page]:
    cache = getattr(renderer, "cache", None)
    for lang, incident_views in views.items():
        writer = FeedWriter(config, renderer, lang)
        everything: list[Entry] = []
        for iv in incident_views:
            entries = writer.entries(iv, cache)
            everything.extend(entries)
            for path, data in writer.incident_feed(iv, entries):
                yield Page(path, data)
        for path, data in writer.site_feed(everything):
            yield Page(path, data)
