"""OASIS Common Alerting Protocol 1.2: one alert message per update, for alerting authorities.

Regional health agencies, civil-protection systems and aggregators read CAP, not web pages.
Every build writes ``cap/<identifier>.xml`` (one ``<alert>``) for each published text of each
due update, and ``cap/index.atom``, an Atom index of them (OASIS CAP-Feeds note: one entry
per message, linked with ``type="application/cap+xml"``). ``docs/cap.md`` documents the
mapping; the tests validate every message against the OASIS CAP 1.2 schema.

Messages of one incident form a chain through ``<references>`` (``sender,identifier,sent``):

* the first update's first text is an ``Alert``; every later update is an ``Update`` that
  supersedes the incident's earlier messages (those not cancelled before it was sent);
* a correction (a changed text, see :mod:`publisher.corrections`) is a *new* message, an
  ``Update`` referencing the earlier texts of the same update, with its note in ``<note>``;
* a retraction (``retracts:``) is a ``Cancel`` referencing every message of the withdrawn
  update, and carries the replacing statement in its ``<info>`` blocks.

A message is not rewritten: its identifier names one text, and its ``sent`` time is when
that text first went out (the update's ``publish_at``, or the correction time the archive
recorded), so a rebuild produces the same bytes. A superseded message stays at its address
(publishing builds keep each message in ``<state>/archive/cap/``). One exception: a
translation that becomes publishable later adds its ``<info>`` to the current message.

One ``<info>`` per language whose text is publishable in it (the source language always; a
translation only when complete).
"""

from __future__ import annotations

import hashlib
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from publisher import drill, socialtext, urls
from publisher.config import CAP_CATEGORIES, Config
from publisher.corrections import body_hash
from publisher.fsutil import write_if_changed
from publisher.localize import IncidentView, UpdateView
from publisher.model import Update
from publisher.notes import Corrections
from publisher.release import Page
from publisher.render import Renderer
from publisher.timeutil import iso_utc

CAP_NS = "urn:oasis:names:tc:emergency:cap:1.2"
ATOM_NS = "http://www.w3.org/2005/Atom"
MEDIA_TYPE = "application/cap+xml"
INDEX = "cap/index.atom"
CATEGORIES = CAP_CATEGORIES  # declared with [cap] in config.py, which validates them
# CAP wants an RFC 3066 language with its region; the site's languages are bare codes.
LANGUAGE_TAGS = {"fr": "fr-FR", "en": "en-US", "de": "de-DE", "es": "es-ES", "it": "it-IT", "nl": "nl-NL"}

# Status -> (urgency, certainty): how soon the public must act, and how sure the facts are.
STATUS_MAP: dict[str, tuple[str, str]] = {
    "investigating": ("Immediate", "Likely"),  # effects are seen, the cause is being looked into
    "identified": ("Immediate", "Observed"),
    "monitoring": ("Expected", "Observed"),  # a fix is in place, effects may linger
    "resolved": ("Past", "Observed"),
    "scheduled": ("Future", "Likely"),  # planned maintenance
    "in_progress": ("Immediate", "Observed"),
    "completed": ("Past", "Observed"),
}
# Impact -> severity. A hospital's IT outage threatens care, not lives directly: "critical"
# (care running on paper, emergencies diverted) is Severe, never Extreme.
IMPACT_SEVERITY = {"critical": "Severe", "major": "Moderate", "minor": "Minor", "none": "Minor"}


def language_tag(lang: str) -> str:
    return LANGUAGE_TAGS.get(lang, lang)


def sender(config: Config) -> str:
    """Globally unique originator: [cap] sender, or the status site's host name."""
    return config.text("cap", "sender") or (urlsplit(config.base_url).hostname or "localhost")


def cap_time(config: Config, dt: datetime) -> str:
    """CAP dateTime: local time with an explicit offset, whole seconds, never 'Z'."""
    local = dt.astimezone(config.zone).replace(microsecond=0)
    return local.isoformat()


def urgency_severity_certainty(status: str, impact: str) -> tuple[str, str, str]:
    urgency, certainty = STATUS_MAP.get(status, ("Unknown", "Unknown"))
    severity = "Minor" if urgency == "Past" else IMPACT_SEVERITY.get(impact, "Unknown")
    return urgency, severity, certainty


@dataclass(frozen=True)
class Message:
    """One CAP message: one text of one update."""

    identifier: str
    sent: datetime
    msg_type: str  # Alert, Update or Cancel
    references: tuple[Message, ...]
    update: Update
    current: bool  # the update's text today (older texts are only referenced)
    note: str = ""

    def reference(self, config: Config) -> str:
        return f"{sender(config)},{self.identifier},{cap_time(config, self.sent)}"


def identifier(update: Update, digest: str | None) -> str:
    """The update's first text keeps the plain id; each correction adds its text's hash."""
    base = f"{update.incident_id}.{update.stem}"
    return f"{base}.{digest[:12]}" if digest else base


def message_path(ident: str) -> str:
    return f"cap/{ident}.xml"


@dataclass
class _Chain:
    messages: list[Message] = field(default_factory=list)
    by_update: dict[str, list[Message]] = field(default_factory=dict)
    cancelled: set[str] = field(default_factory=set)  # identifiers


def messages(config: Config, iv: IncidentView, notes_of: Corrections) -> list[Message]:
    """Every message of one incident, in the order they were sent (see module docstring);
    `notes_of` holds the build's notes (which texts an update went out with)."""
    incident = iv.incident
    by_stem = {u.stem: u for u in incident.updates}
    texts: list[tuple[datetime, Update, str | None, bool]] = []  # (sent, update, digest, current)
    for u in incident.updates:
        notes = notes_of.for_update(u)
        previous = list(reversed(notes.previous))  # oldest first
        if notes.corrected is None or not previous:
            texts.append((u.publish_at, u, None, True))
            continue
        texts.append((u.publish_at, u, None, False))
        for version in previous[1:]:
            texts.append((version.published, u, version.digest, False))
        texts.append((notes.corrected, u, body_hash(u), True))
    texts.sort(key=lambda t: (t[0], t[1].publish_at, t[1].stem))
    chain = _Chain()
    first_update = incident.updates[0].id if incident.updates else ""
    for sent, u, digest, current in texts:
        earlier = chain.by_update.get(u.id, [])
        note = ""
        if earlier:  # a correction: supersedes the update's own earlier texts
            kind, refs = "Update", tuple(earlier)
            note = u.correction or ""
        elif u.retracts and u.retracts in by_stem:
            withdrawn = by_stem[u.retracts].id
            kind, refs = "Cancel", tuple(chain.by_update.get(withdrawn, []))
            chain.cancelled.update(m.identifier for m in refs)
            note = f"Withdraws {withdrawn}; replaced by {u.id}"
        elif u.id == first_update:
            kind, refs = "Alert", ()
        else:
            kind = "Update"
            refs = tuple(m for m in chain.messages if m.identifier not in chain.cancelled)
        msg = Message(identifier(u, digest), sent, kind, refs, u, current, note)
        chain.messages.append(msg)
        chain.by_update.setdefault(u.id, []).append(msg)
    return chain.messages


class AlertWriter:
    """Serializes messages; one per build (holds each language's status labels)."""

    def __init__(self, config: Config, views: dict[str, list[IncidentView]], renderer: Renderer) -> None:
        self.config = config
        self.drill = bool(config.drill)
        self.notes: Corrections = renderer.corrections
        self.macros: dict[str, Any] = {
            lang: renderer.env(lang).get_template("web/macros.html").make_module({"page": ""})
            for lang in config.languages
        }
        self.by_id: dict[str, dict[str, IncidentView]] = {}
        for lang, incident_views in views.items():
            for iv in incident_views:
                self.by_id.setdefault(iv.incident.id, {})[lang] = iv
        self._labels: dict[tuple[str, str], str] = {}

    def label(self, lang: str, status: str) -> str:
        key = (lang, status)
        if key not in self._labels:
            self._labels[key] = str(self.macros[lang].status_label(status)).strip()
        return self._labels[key]

    def url(self, path: str) -> str:
        return urls.absolute(self.config.base_url, path)

    def infos(self, msg: Message) -> list[tuple[str, IncidentView, UpdateView]]:
        """(lang, incident view, update view) for each language the text is published in."""
        u = msg.update
        per_lang = self.by_id.get(u.incident_id, {})
        order = [u.lang] + [lang for lang in self.config.languages if lang != u.lang]
        found = []
        for lang in order:
            iv = per_lang.get(lang)
            view = next((v for v in iv.updates if v.update.stem == u.stem), None) if iv else None
            if iv is not None and view is not None and (lang == u.lang or view.translated):
                found.append((lang, iv, view))
        return found

    def alert(self, msg: Message) -> bytes:
        config = self.config
        root = ET.Element("alert", {"xmlns": CAP_NS})
        _el(root, "identifier", msg.identifier)
        _el(root, "sender", sender(config))
        _el(root, "sent", cap_time(config, msg.sent))
        _el(root, "status", "Test" if self.drill else "Actual")
        _el(root, "msgType", msg.msg_type)
        _el(root, "source", "publisher")
        _el(root, "scope", "Public")
        note = msg.note
        if self.drill:
            note = (f"{drill.BANNER}. {note}").strip()
        if note:
            _el(root, "note", note)
        if msg.references:
            _el(root, "references", " ".join(m.reference(config) for m in msg.references))
        _el(root, "incidents", msg.update.incident_id)
        u = msg.update
        urgency, severity, certainty = urgency_severity_certainty(u.status, self.by_incident_impact(u))
        phone = config.phone
        area_desc_default = config.organisation or config.site_title
        for lang, iv, view in self.infos(msg):
            info = _el(root, "info")
            _el(info, "language", language_tag(lang))
            for category in config.strings("cap", "categories"):
                _el(info, "category", category)
            _el(info, "event", iv.title)
            _el(info, "responseType", "Monitor" if urgency != "Past" else "AllClear")
            _el(info, "urgency", urgency)
            _el(info, "severity", severity)
            _el(info, "certainty", certainty)
            _el(info, "senderName", config.organisation or config.site_title_for(lang)[0])
            label = self.label(lang, u.status)
            headline = f"{label} — {iv.title}"
            if self.drill:
                headline = drill.POST_PREFIX + headline
            _el(info, "headline", headline)
            page = self.url(urls.update(lang, u.incident_id, u.stem))
            _el(info, "description", socialtext.to_text(view.markdown, page))
            _el(info, "web", page)
            if phone:
                _el(info, "contact", phone)
            for name, value in (("status", u.status), ("impact", self.by_incident_impact(u))):
                param = _el(info, "parameter")
                _el(param, "valueName", name)
                _el(param, "value", value)
            area_text, _area_lang = config.localized("cap", "area", lang)
            geocodes = list(config.strings("cap", "geocodes"))
            if area_text or geocodes:
                area = _el(info, "area")
                _el(area, "areaDesc", str(area_text) or area_desc_default)
                for code in geocodes:
                    name, _, value = code.partition("=")
                    geo = _el(area, "geocode")
                    _el(geo, "valueName", name.strip())
                    _el(geo, "value", value.strip())
        ET.indent(root)
        return (
            '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
        ).encode()

    def by_incident_impact(self, u: Update) -> str:
        per_lang = self.by_id.get(u.incident_id, {})
        iv = next(iter(per_lang.values()), None)
        return iv.incident.impact if iv is not None else "none"

    def entry(self, msg: Message, iv: IncidentView) -> str:
        """The message's <entry> in cap/index.atom."""
        lang = self.config.source_lang
        entry = ET.Element("entry")
        href = self.url(message_path(msg.identifier))
        _el(entry, "id", href)
        label = self.label(lang, msg.update.status)
        prefix = drill.POST_PREFIX if self.drill else ""
        _el(entry, "title", f"{prefix}{label} — {iv.title}")
        _el(entry, "updated", iso_utc(msg.sent))
        _el(entry, "published", iso_utc(msg.sent))
        _el(entry, "link", rel="alternate", type=MEDIA_TYPE, href=href)
        page = self.url(urls.update(lang, msg.update.incident_id, msg.update.stem))
        _el(entry, "link", rel="related", type="text/html", href=page)
        _el(entry, "category", term=msg.msg_type)
        ET.indent(entry, level=1)
        return f"  {ET.tostring(entry, encoding='unicode')}\n"

    def index(self, written: list[Written]) -> bytes:
        config = self.config
        lang = config.source_lang
        title, _title_lang = config.site_title_for(lang)
        feed = ET.Element("feed", {"xmlns": ATOM_NS, "{http://www.w3.org/XML/1998/namespace}lang": lang})
        _el(feed, "id", self.url(INDEX))
        feed_title = (drill.POST_PREFIX if self.drill else "") + "CAP — " + title
        _el(feed, "title", feed_title)
        _el(feed, "link", rel="self", type="application/atom+xml", href=self.url(INDEX))
        _el(feed, "link", rel="alternate", type="text/html", href=self.url(urls.home(lang)))
        author = _el(feed, "author")
        _el(author, "name", config.organisation or title)
        _el(feed, "generator", "publisher")
        ordered = sorted(written, key=lambda w: (w.sent, w.identifier), reverse=True)
        newest = ordered[0].sent if ordered else datetime.fromtimestamp(0).astimezone()
        _el(feed, "updated", iso_utc(newest))
        ET.indent(feed)
        head = ET.tostring(feed, encoding="unicode")
        assert head.endswith("</feed>")
        # Entries are serialized once per incident (and cached with it): the index is their
        # concatenation under this header, as the Atom feeds are (publisher/feeds.py).
        body = "".join(w.entry for w in ordered)
        return f'<?xml version="1.0" encoding="utf-8"?>\n{head[: -len("</feed>")]}{body}</feed>\n'.encode()

    def incident(self, iv: IncidentView, cache: Any) -> tuple[list[Written], list[str]]:
        """The incident's current messages, written, and the identifiers of its superseded
        ones; from the render cache when none of its languages changed."""
        iid = iv.incident.id
        keys = [cache.keys.get((lang, iid)) for lang in self.config.languages] if cache is not None else []
        combined = hashlib.sha256("\0".join(keys).encode()).hexdigest() if keys and all(keys) else None
        if combined:
            hit = cache.get(keys[0], "cap")
            if isinstance(hit, tuple) and len(hit) == 3 and hit[0] == combined:
                return hit[1], hit[2]
        written: list[Written] = []
        superseded: list[str] = []
        keep = self.notes.publishing  # a dry run or the preview writes nothing
        for msg in messages(self.config, iv, self.notes):
            if not msg.current:
                superseded.append(msg.identifier)
                continue
            data = self.alert(msg)
            if keep:
                write_if_changed(store(self.config) / f"{msg.identifier}.xml", data)
            written.append(Written(msg.identifier, msg.sent, data, self.entry(msg, iv)))
        if combined:
            cache.put(keys[0], "cap", (combined, written, superseded))
        return written, superseded


@dataclass(frozen=True)
class Written:
    """A current message, serialized: the <alert> document and its index entry."""

    identifier: str
    sent: datetime
    data: bytes
    entry: str


def _el(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    child = ET.SubElement(parent, tag, attrs)
    if text is not None:
        child.text = text
    return child


def store(config: Config) -> Path:
    """Every message as it went out, kept by publishing builds (state dir), so a superseded
    message stays readable at its address: a reference must lead somewhere."""
    return config.state_dir / "archive" / "cap"


def pages(config: Config, views: dict[str, list[IncidentView]], renderer: Renderer) -> Iterator[Page]:
    """Build hook: the current message of every due update, the superseded ones that were
    published, and the Atom index of the current ones."""
    writer = AlertWriter(config, views, renderer)
    cache = getattr(renderer, "cache", None)
    everything: list[Written] = []
    for iv in views.get(config.source_lang, []):
        written, superseded = writer.incident(iv, cache)
        everything.extend(written)
        for w in written:
            yield Page(message_path(w.identifier), w.data)
        for identifier in superseded:
            kept = store(config) / f"{identifier}.xml"
            if kept.is_file():
                yield Page(message_path(identifier), kept.read_bytes())
    yield Page(INDEX, writer.index(everything))
