"""Build the static site into a fresh directory, then swap it in atomically.

A reader never sees a half-written site, and a failed build leaves the previous site
untouched: see :mod:`publisher.release` for the double-buffered, atomic swap.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from publisher import urls
from publisher.cache import RenderCache, cached_pages
from publisher.config import Config
from publisher.corrections import prepare as prepare_notes
from publisher.localize import IncidentView, localize_incident
from publisher.model import Incident, Site
from publisher.release import publish_tree
from publisher.render import Renderer
from publisher.timeutil import utc_now

PACKAGE_STATIC = Path(__file__).resolve().parent / "static"


@dataclass(frozen=True)
class Page:
    path: str  # relative to the output root, posix
    content: bytes


@dataclass
class BuildResult:
    output: Path
    pages: int
    written: int  # files whose bytes changed since the previous build
    views: dict[str, list[IncidentView]]  # lang -> incident views (newest first)


def alternates(config: Config, path_for: Callable[..., str], *args: str) -> dict[str, str]:
    """The same page in every language: path_for(lang, *args) for each."""
    return {lang: path_for(lang, *args) for lang in config.languages}


def localized(
    config: Config, site: Site, now: datetime, cache: RenderCache | None = None
) -> dict[str, list[IncidentView]]:
    """Every language's views of what is due at `now` (future updates stay unpublished)."""
    locales = config.dir("locales")
    due = [i.visible(now) for i in site.incidents]
    due = [i for i in due if i.updates]
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


def pages(
    config: Config,
    views: dict[str, list[IncidentView]],
    renderer: Renderer | None = None,
    cache: RenderCache | None = None,
) -> Iterator[Page]:
    renderer = renderer or Renderer(config)
    renderer.cache = cache
    for lang, incident_views in views.items():
        active = [iv for iv in incident_views if iv.incident.is_active]
        past = [iv for iv in incident_views if not iv.incident.is_active]
        home = urls.home(lang)
        html = renderer.render(
            "web/home.html",
            lang,
            page=home,
            canonical=None,
            alternates=alternates(config, urls.home),
            active=active,
            past=past,
        )
        yield Page(home, html.encode())
        if lang == config.source_lang:
            # The root page is what someone opening public/index.html sees first.
            root = renderer.render(
                "web/home.html",
                lang,
                page="index.html",
                canonical=home,
                alternates=alternates(config, urls.home),
                active=active,
                past=past,
            )
            yield Page("index.html", root.encode())
        for iv in incident_views:
            cached = cached_pages(cache, lang, iv.incident.id)
            if cached is None:
                cached = incident_pages(config, renderer, lang, iv)
                if cache is not None:
                    cache.put(cache.keys[(lang, iv.incident.id)], "pages", cached)
            yield from cached
    yield Page(urls.STYLESHEET, stylesheet(config))
    yield from extra_pages(config, views, renderer)


# Build hooks: "module:function" taking (config, views, renderer) and yielding Pages; each
# owns its pages (print notices, banner…) so this module stays the site's skeleton.
PAGE_HOOKS: list[str] = [
    "publisher.printing:pages",
    "publisher.banner:pages",
    "publisher.accessibility:pages",
    "publisher.feeds:pages",
    "publisher.jsondocs:pages",
    "publisher.sitemap:pages",
    "publisher.corrections:pages",
    "publisher.cap:pages",
]


def extra_pages(config: Config, views: dict[str, list[IncidentView]], renderer: Renderer) -> Iterator[Page]:
    import importlib

    for target in PAGE_HOOKS:
        module, _, name = target.partition(":")
        yield from getattr(importlib.import_module(module), name)(config, views, renderer)


def stylesheet(config: Config) -> bytes:
    override = config.dir("templates") / "static" / "style.css"
    source = override if override.exists() else PACKAGE_STATIC / "style.css"
    return source.read_bytes()


def build(
    config: Config,
    site: Site,
    now: datetime | None = None,
    output: Path | None = None,
    use_cache: bool = True,
) -> BuildResult:
    now = now or utc_now()
    output = output or config.dir("output")
    output.parent.mkdir(parents=True, exist_ok=True)
    cache = RenderCache(config.dir("state") / "cache" / "render", config) if use_cache else None
    # Keep every published text and compute correction/retraction notes before anything is
    # rendered; a dry run (no cache) archives nothing (publisher/corrections.py).
    prepare_notes(
        config,
        site,
        now,
        archive=use_cache,
        localize=lambda incident, lang: localize_cached(config, incident, lang, cache),
    )
    if cache is not None:
        from publisher.fanout import prefill

        prefill(config, cache, [i for i in (i.visible(now) for i in site.incidents) if i.updates])
    views = localized(config, site, now, cache)
    count, written = publish_tree(pages(config, views, cache=cache), output)
    if cache is not None:
        cache.prune()
    return BuildResult(output, count, written, views)
