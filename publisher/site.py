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
from publisher.config import Config
from publisher.localize import IncidentView, localize_incident
from publisher.model import Site
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


def localized(config: Config, site: Site, now: datetime) -> dict[str, list[IncidentView]]:
    """Every language's views of what is due at `now` (future updates stay unpublished)."""
    locales = config.dir("locales")
    due = [i.visible(now) for i in site.incidents]
    due = [i for i in due if i.updates]
    return {lang: [localize_incident(i, lang, locales) for i in due] for lang in config.languages}


def pages(config: Config, views: dict[str, list[IncidentView]],
          renderer: Renderer | None = None) -> Iterator[Page]:
    renderer = renderer or Renderer(config)
    for lang, incident_views in views.items():
        active = [iv for iv in incident_views if iv.incident.is_active]
        past = [iv for iv in incident_views if not iv.incident.is_active]
        home = urls.home(lang)
        html = renderer.render("web/home.html", lang, page=home, canonical=None,
                               alternates=alternates(config, urls.home), active=active, past=past)
        yield Page(home, html.encode())
        if lang == config.source_lang:
            # The root page is what someone opening public/index.html sees first.
            root = renderer.render("web/home.html", lang, page="index.html", canonical=home,
                                   alternates=alternates(config, urls.home), active=active,
                                   past=past)
            yield Page("index.html", root.encode())
        for iv in incident_views:
            iid = iv.incident.id
            path = urls.incident(lang, iid)
            html = renderer.render("web/incident.html", lang, page=path, canonical=None,
                                   alternates=alternates(config, urls.incident, iid),
                                   iv=iv)
            yield Page(path, html.encode())
            for view in iv.updates:
                stem = view.update.stem
                path = urls.update(lang, iid, stem)
                html = renderer.render(
                    "web/update.html", lang, page=path, canonical=None,
                    alternates=alternates(config, urls.update, iid, stem),
                    iv=iv, view=view)
                yield Page(path, html.encode())
    yield Page(urls.STYLESHEET, stylesheet(config))


def stylesheet(config: Config) -> bytes:
    override = config.dir("templates") / "static" / "style.css"
    source = override if override.exists() else PACKAGE_STATIC / "style.css"
    return source.read_bytes()


def build(config: Config, site: Site, now: datetime | None = None,
          output: Path | None = None) -> BuildResult:
    now = now or utc_now()
    output = output or config.dir("output")
    output.parent.mkdir(parents=True, exist_ok=True)
    views = localized(config, site, now)
    count, written = publish_tree(pages(config, views), output)
    return BuildResult(output, count, written, views)
