"""JSON documents for other systems: ``/status.json`` and one ``/incidents/<id>.json`` each.

Their shapes are documented in ``docs/json.md`` and pinned by the JSON Schemas in
``docs/schemas/`` (the tests validate every generated document against them). Both are
language-neutral files holding every language, so a consumer needs one request; each text
says which language it is actually in (``lang``), because an untranslated update is served
in its source language rather than held back. Times are ISO 8601 UTC (``...Z``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from publisher import services, urls
from publisher.banner import contacts_data
from publisher.config import Config
from publisher.i18n.catalogs import ui_translations
from publisher.localize import IncidentView, LocalText
from publisher.model import IMPACTS, Update
from publisher.release import Page
from publisher.render import Renderer
from publisher.timeutil import iso_utc

FORMAT_VERSION = 1


class Documents:
    """Builds the JSON documents from every language's views of the same incidents."""

    def __init__(self, config: Config, views: dict[str, list[IncidentView]], renderer: Renderer) -> None:
        self.config = config
        self.corrections = renderer.corrections
        self.views = views
        self.macros: dict[str, Any] = {
            lang: renderer.env(lang).get_template("web/macros.html").make_module({"page": ""})
            for lang in config.languages
        }
        self.translations = {lang: ui_translations(config.dir("locales"), lang) for lang in config.languages}
        # incident id -> lang -> view: every language holds the same incidents.
        self.by_id: dict[str, dict[str, IncidentView]] = {}
        for lang, incident_views in views.items():
            for iv in incident_views:
                self.by_id.setdefault(iv.incident.id, {})[lang] = iv

    def url(self, path: str) -> str:
        return urls.absolute(self.config.base_url, path)

    def status_label(self, lang: str, status: str) -> str:
        return str(self.macros[lang].status_label(status)).strip()

    def text(self, text: LocalText | None) -> dict[str, str] | None:
        return {"markdown": text.markdown, "html": text.html, "lang": text.lang} if text else None

    def service_label(self, lang: str, state: str) -> str:
        return str(self.macros[lang].service_state_label(state)).strip()

    def service_names(self, service_id: str) -> dict[str, dict[str, str]]:
        service = self.config.service(service_id)
        out = {}
        for lang in self.config.languages:
            name, name_lang = service.name(lang, self.config.source_lang) if service else (service_id, lang)
            out[lang] = {"text": name, "lang": name_lang}
        return out

    def update(self, iid: str, update: Update) -> dict[str, Any]:
        notes = self.corrections.for_update(update)
        content = {}
        views = {}
        for lang, iv in self.by_id[iid].items():
            view = next(v for v in iv.updates if v.update.stem == update.stem)
            views[lang] = view
            content[lang] = {
                "lang": view.text_lang,
                "translated": view.translated,
                "status_label": self.status_label(lang, update.status),
                "url": self.url(urls.update(lang, iid, update.stem)),
                "html": view.html,
                "markdown": view.markdown,
            }
        return {
            "id": update.id,
            "status": update.status,
            "published_at": iso_utc(update.publish_at),
            "next_update_at": iso_utc(update.next_update) if update.next_update else None,
            "correction": update.correction,
            "corrected_at": iso_utc(notes.corrected) if notes.corrected else None,
            "retracts": f"{iid}/{update.retracts}" if update.retracts else None,
            "retracted_by": notes.retracted_by.id if notes.retracted_by else None,
            "source_lang": update.lang,
            "content": content,
            "services": [
                {
                    "id": c.service,
                    "state": c.state,
                    "note": {lang: self.text(v.note(c.service)) for lang, v in views.items()}
                    if c.note
                    else None,
                }
                for c in update.services
            ],
        }

    def incident(self, iid: str, full: bool) -> dict[str, Any]:
        per_lang = self.by_id[iid]
        incident = next(iter(per_lang.values())).incident
        first, last = incident.updates[0], incident.updates[-1]
        doc: dict[str, Any] = {
            "id": iid,
            "status": incident.status,
            "impact": incident.impact,
            "active": incident.is_active,
            "source_lang": incident.lang,
            "started_at": iso_utc(incident.started_at or first.publish_at),
            "ended_at": iso_utc(incident.ended_at) if incident.ended_at else None,
            "updated_at": iso_utc(last.publish_at),
            "what_to_do": {
                lang: [self.text(item) for item in iv.what_to_do] for lang, iv in per_lang.items()
            },
            "title": {lang: {"text": iv.title, "lang": iv.title_lang} for lang, iv in per_lang.items()},
            "url": {lang: self.url(urls.incident(lang, iid)) for lang in per_lang},
            "feed": {lang: self.url(urls.incident_feed(lang, iid)) for lang in per_lang},
            "json": self.url(urls.incident_json(iid)),
        }
        if full:
            doc["summary"] = {
                lang: {"html": iv.summary_html, "lang": iv.summary_lang} for lang, iv in per_lang.items()
            }
            doc["updates"] = [self.update(iid, u) for u in reversed(incident.updates)]
        else:
            doc["latest_update"] = self.update(iid, last)
        return doc

    def status(self) -> dict[str, Any]:
        source = self.views.get(self.config.source_lang, [])
        active = [iv.incident for iv in source if iv.incident.is_active]
        impact = max((i.impact for i in active), key=IMPACTS.index, default="none")
        latest = max((iv.incident.updates[-1].publish_at for iv in source), default=None)
        description = {}
        for lang, tr in self.translations.items():
            # The home page's own sentences, so the JSON and the page say the same thing.
            if active:
                description[lang] = tr.ngettext(
                    "%(num)d incident in progress", "%(num)d incidents in progress", len(active)
                ) % {"num": len(active)}
            else:
                description[lang] = tr.gettext("No incident in progress.")
        return {
            "format_version": FORMAT_VERSION,
            "site": {
                "url": self.config.base_url,
                "title": {
                    lang: dict(zip(("text", "lang"), self.config.site_title_for(lang), strict=True))
                    for lang in self.config.languages
                },
                "languages": list(self.config.languages),
                "source_lang": self.config.source_lang,
                "home": {lang: self.url(urls.home(lang)) for lang in self.config.languages},
                "feed": {lang: self.url(urls.feed(lang)) for lang in self.config.languages},
            },
            "updated_at": iso_utc(latest) if latest else None,
            "status": {
                "indicator": impact if active else "none",
                "active_incidents": len(active),
                "description": description,
            },
            "incidents": [self.incident(i.id, full=False) for i in active],
            "services": self.services(),
            "contacts": contacts_data(self.config),
        }

    def services(self) -> list[dict[str, Any]]:
        """The home page's grid: every declared service's current state."""
        grids = {
            lang: services.grid(self.config, self.views.get(lang, []), lang) for lang in self.config.languages
        }
        out = []
        for i, state in enumerate(grids[self.config.source_lang]):
            per = {lang: grids[lang][i] for lang in self.config.languages}
            out.append(
                {
                    "id": state.service.id,
                    "state": state.state,
                    "since": iso_utc(state.since) if state.since else None,
                    "incident": state.incident.incident.id if state.incident else None,
                    "name": {lang: {"text": s.name, "lang": s.name_lang} for lang, s in per.items()},
                    "group": {lang: {"text": s.group, "lang": s.group_lang} for lang, s in per.items()}
                    if state.group
                    else None,
                    "state_label": {lang: self.service_label(lang, state.state) for lang in per},
                    "note": {lang: self.text(s.note) for lang, s in per.items()} if state.note else None,
                }
            )
        return out

    def incident_document(self, iid: str) -> dict[str, Any]:
        return {"format_version": FORMAT_VERSION, "incident": self.incident(iid, full=True)}

    def incident_bytes(self, iid: str, cache: Any) -> bytes:
        """The incident's document, from the render cache when no language of it changed."""
        keys = [cache.keys.get((lang, iid)) for lang in self.by_id[iid]] if cache else []
        combined = "|".join(k for k in keys if k) if keys and all(keys) else None
        if combined:
            found = cache.get(keys[0], "json")
            if found is not None and found[0] == combined:
                return bytes(found[1])
        data = dump(self.incident_document(iid))
        if combined:
            cache.put(keys[0], "json", (combined, data))
        return data


def dump(doc: dict[str, Any]) -> bytes:
    return (json.dumps(doc, ensure_ascii=False, indent=2) + "\n").encode()


def pages(config: Config, views: dict[str, list[IncidentView]], renderer: Renderer) -> Iterator[Page]:
    docs = Documents(config, views, renderer)
    yield Page(urls.STATUS_JSON, dump(docs.status()))
    cache = getattr(renderer, "cache", None)
    for iid in docs.by_id:
        yield Page(urls.incident_json(iid), docs.incident_bytes(iid, cache))
