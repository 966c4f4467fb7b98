"""Build the static site into a fresh directory, then swap it in atomically.

A reader never sees a half-written site, and a failed build leaves the previous site
untouched: see :mod:`publisher.release` for the double-buffered, atomic swap.
"""

from __future__ import annotations

import pkgutil
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

from publisher import urls
from publisher.cache import RenderCache, lazy_pages, put_pages
from publisher.config import Config
from publisher.corrections import prepare as prepare_notes
from publisher.errors import FileRefused
from publisher.fsutil import read_project_file
from publisher.localize import IncidentView
from publisher.model import Site
from publisher.notes import Corrections
from publisher.pages import alternates, incident_pages, localize_all, localize_cached, localized, visible
from publisher.release import File, Page, publish_tree
from publisher.render import Renderer
from publisher.timeutil import utc_now

PACKAGE_STATIC = Path(__file__).resolve().parent / "static"


@dataclass
class BuildResult:
    output: Path
    pages: int
    written: int  # files whose bytes changed since the previous build
    views: dict[str, list[IncidentView]]  # lang -> incident views (newest first)
    corrections: Corrections  # the notes the pages were rendered with


def pages(
    config: Config,
    views: dict[str, list[IncidentView]],
    renderer: Renderer | None = None,
    cache: RenderCache | None = None,
) -> Iterator[File]:
    """Every file of the site: Pages, and LazyPages for an unchanged incident's pages."""
    renderer = renderer or Renderer(config)
    renderer.cache = cache
    from publisher import services

    # Dark site: until a first update is published the site is a standby page (organisation,
    # contacts, "no incident in progress") kept out of search engines (docs/hosting.md).
    standby = is_standby(views)
    for lang in views:
        renderer.env(lang).globals["standby"] = standby
    for lang, incident_views in views.items():
        active = [iv for iv in incident_views if iv.incident.is_active]
        past = [iv for iv in incident_views if not iv.incident.is_active]
        home_context: dict[str, Any] = {
            "services": services.grid(config, incident_views, lang),
            "active_what_to_do": services.what_to_do(active),
        }
        home = urls.home(lang)
        html = renderer.render(
            "web/home.html",
            lang,
            page=home,
            canonical=None,
            alternates=alternates(config, urls.home),
            active=active,
            past=past,
            **home_context,
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
                **home_context,
            )
            yield Page("index.html", root.encode())
        for iv in incident_views:
            key = cache.keys.get((lang, iv.incident.id)) if cache is not None else None
            if cache is not None and key is not None:
                lazy = lazy_pages(cache, key, partial(incident_pages, config, renderer, lang, iv))
                if lazy is not None:
                    yield from lazy
                    continue
            cached = incident_pages(config, renderer, lang, iv)
            if cache is not None and key is not None:
                put_pages(cache, key, cached)
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


def is_standby(views: Mapping[str, list[IncidentView]]) -> bool:
    return not any(views.values())


def extra_pages(config: Config, views: dict[str, list[IncidentView]], renderer: Renderer) -> Iterator[Page]:
    for target in PAGE_HOOKS:
        yield from pkgutil.resolve_name(target)(config, views, renderer)  # imported only now


def stylesheet(config: Config) -> bytes:
    override = config.dir("templates") / "static" / "style.css"
    if override.exists() or override.is_symlink():
        try:
            return read_project_file(override, config.root)
        except FileRefused:
            pass  # reported by check and publish (render.template_problems): the built-in one
    return (PACKAGE_STATIC / "style.css").read_bytes()


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
    cache = RenderCache(config.cache_path("render"), config) if use_cache else None
    due = visible(site, now)  # the one place this build applies `now`
    if cache is not None:
        from publisher.fanout import prelocalize

        prelocalize(config, cache, due)
    # Keep every published text and compute correction/retraction notes before anything is
    # rendered; a dry run (no cache) archives nothing (publisher/corrections.py).
    corrections = prepare_notes(
        config,
        due,
        now,
        archive=use_cache,
        localize=lambda incident, lang: localize_cached(config, incident, lang, cache),
    )
    if cache is not None:
        # Imported here: only a build with a cache can fan out (never a dry run, never preview).
        from publisher.fanout import prefill

        prefill(config, cache, due, corrections)
    views = localize_all(config, due, cache)
    renderer = Renderer(config, corrections)
    count, written = publish_tree(pages(config, views, renderer, cache=cache), output)
    if cache is not None:
        cache.prune()
    return BuildResult(output, count, written, views, corrections)


# Page and localized were defined here before pages.py and release.py: code outside the
# package may still import them from the build.
__all__ = ["BuildResult", "Page", "build", "localized", "pages", "stylesheet"]
