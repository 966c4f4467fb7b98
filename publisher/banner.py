"""A banner for the organisation's main site, pointing to the incident in progress.

``banner/<lang>.html`` is a self-contained snippet (inline styles, no script) to include
server-side or paste into a CMS block; it is an HTML comment when nothing is in progress, so
it can be included unconditionally. ``banner/banner.json`` carries the same facts for a
site that renders its own banner (titles, status labels and URLs in every language).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from publisher import services, urls
from publisher.config import Config
from publisher.localize import IncidentView
from publisher.release import Page
from publisher.render import Renderer
from publisher.timeutil import iso_utc

JSON_PATH = urls.BANNER_JSON
snippet_path = urls.banner_snippet


def _macro(renderer: Renderer, lang: str, name: str) -> Any:
    """A macro of web/macros.html, so the banner says exactly what the site says."""
    return getattr(renderer.env(lang).get_template("web/macros.html").module, name)


def banner_data(config: Config, views: dict[str, list[IncidentView]], renderer: Renderer) -> dict[str, Any]:
    source = views.get(config.source_lang, [])
    incidents = []
    for index, iv in enumerate(source):
        if not iv.incident.is_active:
            continue
        latest = iv.incident.latest
        per_lang = {lang: views[lang][index] for lang in config.languages}
        labels = {
            lang: str(_macro(renderer, lang, "status_label")(iv.incident.status)) for lang in config.languages
        }
        incidents.append(
            {
                "id": iv.incident.id,
                "status": iv.incident.status,
                "impact": iv.incident.impact,
                "updated_at": iso_utc(latest.publish_at) if latest else None,
                "next_update": iso_utc(latest.next_update) if latest and latest.next_update else None,
                "title": {lang: v.title for lang, v in per_lang.items()},
                "status_label": labels,
                "url": {
                    lang: urls.absolute(config.base_url, urls.incident(lang, iv.incident.id))
                    for lang in config.languages
                },
            }
        )
    affected = {
        lang: services.affected(services.grid(config, views.get(lang, []), lang)) for lang in config.languages
    }
    return {
        "site": config.base_url,
        "active": bool(incidents),
        "incidents": incidents,
        "services": [
            {
                "id": s.service.id,
                "state": s.state,
                "name": {lang: affected[lang][i].name for lang in config.languages},
                "state_label": {
                    lang: str(_macro(renderer, lang, "service_state_label")(s.state))
                    for lang in config.languages
                },
                "incident": s.incident.incident.id if s.incident else None,
            }
            for i, s in enumerate(affected[config.source_lang])
        ],
        "contacts": contacts_data(config),
    }


def contacts_data(config: Config) -> dict[str, Any]:
    """[contacts] as the JSON documents carry them: each line in every language."""
    return {
        lang: {
            "lines": [
                {"kind": c.kind, "label": c.label or None, "value": c.value, "href": c.href}
                for c in config.contacts(lang)
            ],
            "hours": config.contact_hours(lang)[0] or None,
        }
        for lang in config.languages
    }


def pages(config: Config, views: dict[str, list[IncidentView]], renderer: Renderer) -> Iterator[Page]:
    data = banner_data(config, views, renderer)
    yield Page(JSON_PATH, (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode())
    for lang in config.languages:
        active = [iv for iv in views.get(lang, []) if iv.incident.is_active]
        html = renderer.render(
            "banner/snippet.html",
            lang,
            active=active,
            urls=urls,
            page=snippet_path(lang),
            affected=services.affected(services.grid(config, views.get(lang, []), lang)) if active else [],
            contacts=config.contacts(lang) if active else [],
        )
        yield Page(snippet_path(lang), html.encode())
