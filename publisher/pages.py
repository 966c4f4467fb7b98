"""The pages of one incident, and the localized views they are rendered from.

Below the build (:mod:`publisher.site`) so that what else renders incident pages (the
parallel first build in :mod:`publisher.fanout`, the preview) needs nothing from the
orchestrator.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from publisher import urls
from publisher.cache import RenderCache
from publisher.config import Config
from publisher.localize import IncidentView, localize_incident
from publisher.model import Incident, Site
from publisher.release import Page
from publisher.render import Renderer


def alternates(config: Config, path_for: Callable[..., str], *args: str) -> dict[str, str]:
    """The same page in every language: path_for(lang, *args) for each."""
    return {lang: path_for(lang, *args) for lang in config.languages}


def localized(
    config: Config, site: Site, now: datetime, cache: RenderCache | None = None
) -> dict[str, list[IncidentView]]:
    """Every language's views of what is due at `now` (future updates stay unpublished)."""
    return localize_all(config, visible(site, now), cache)


def visible(site: Site, now: datetime) -> list[Incident]:
    """The incidents with at least one update due at `now`, each holding only those."""
    return [i for i in (i.visible(now) for i in site.incidents) if i.updates]


def localize_all(
    config: Config, due: list[Incident], cache: RenderCache | None = None
) -> dict[str, list[IncidentView]]:
    """Every language's views of `due` (see :func:`visible`)."""
    locales = config.dir("locales")
    return {
        lang: [localize_cached(config, incident, lang, cache, locales) for incident in due]
        for lang in config.languages
    }


def localize_cached(
    config: Config, incident: Incident, lang: str, cache: RenderCache | None, locales: Path | None = None
) -> IncidentView:
    """One incident's view in one language, from the render cache when it is there."""
    key = cache.key(incident, lang) if cache else None
    view = cache.get(key, "view") if cache and key else None
    if view is None:
        view = localize_incident(incident, lang, locales or config.dir("locales"))
        if cache and key:
            cache.put(key, "view", view)
    return view


def incident_pages(config: Config, renderer: Renderer, lang: str, iv: IncidentView) -> list[Page]:
    """Every page that depends on one incident only (cached as a unit, see publisher.cache)."""
    iid = iv.incident.id
    path = urls.incident(lang, iid)
    html = renderer.render(
        "web/incident.html",
        lang,
        page=path,
        canonical=None,
        alternates=alternates(config, urls.incident, iid),
        iv=iv,
    )
    result = [Page(path, html.encode())]
    for view in iv.updates:
        stem = view.update.stem
        path = urls.update(lang, iid, stem)
        html = renderer.render(
            "web/update.html",
            lang,
            page=path,
            canonical=None,
            alternates=alternates(config, urls.update, iid, stem),
            iv=iv,
            view=view,
        )
        result.append(Page(path, html.encode()))
    return result
