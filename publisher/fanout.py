"""Render cache misses on every core.

A cold build (first run, new templates, a new release of publisher) localizes and renders
every incident in every language. Those units are independent, so when there are enough of
them they are spread over worker processes, which write their results straight into the
render cache; the build then reads them back like any warm entry. Two passes: the views
first (the correction archive needs every update's HTML before notes exist), then the
pages (with the build's notes). The cron path (a few misses) never starts a pool.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor

from publisher.cache import RenderCache, put_pages
from publisher.config import Config
from publisher.model import Incident
from publisher.notes import Corrections
from publisher.pages import incident_pages, localize_cached
from publisher.render import Renderer

# Below this many misses a pool costs more (fork, template compile per worker) than it saves.
MIN_MISSES = 64

_worker: tuple[Config, RenderCache, object] | None = None


def _start(config: Config, cache: RenderCache, corrections: Corrections) -> None:
    global _worker

    _worker = (config, cache, Renderer(config, corrections))


def _localize(task: tuple[str, Incident, str]) -> None:
    assert _worker is not None
    config, cache, _renderer = _worker
    lang, incident, _key = task
    localize_cached(config, incident, lang, cache)


def _fill(task: tuple[str, Incident, str]) -> None:
    assert _worker is not None
    config, cache, renderer = _worker
    assert isinstance(renderer, Renderer)
    lang, incident, key = task
    view = localize_cached(config, incident, lang, cache)  # the archive may have made it
    put_pages(cache, key, incident_pages(config, renderer, lang, view))


def workers() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def prelocalize(config: Config, cache: RenderCache, due: Sequence[Incident]) -> int:
    """Localize every missing (language, incident) in parallel, before the correction
    archive reads the views (it must run before any page renders: see site.build)."""
    return _run(config, cache, due, "view", _localize, Corrections())


def prefill(
    config: Config, cache: RenderCache, due: Sequence[Incident], corrections: Corrections | None = None
) -> int:
    """Render every missing (language, incident) in parallel, with the build's notes;
    returns how many."""
    return _run(config, cache, due, "pages", _fill, corrections or Corrections())


def _run(
    config: Config,
    cache: RenderCache,
    due: Sequence[Incident],
    part: str,
    work: Callable[[tuple[str, Incident, str]], None],
    corrections: Corrections,
) -> int:
    tasks = []
    for lang in config.languages:
        for incident in due:
            key = cache.key(incident, lang)
            if not cache.has(key, part if part != "pages" else "digests"):
                tasks.append((lang, incident, key))
    count = workers()
    if len(tasks) < MIN_MISSES or count < 2 or "fork" not in multiprocessing.get_all_start_methods():
        return 0  # the sequential build fills these as it goes
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(
        count, mp_context=context, initializer=_start, initargs=(config, cache, corrections)
    ) as pool:
        for _ in pool.map(work, tasks, chunksize=max(1, len(tasks) // (count * 8))):
            pass
    return len(tasks)
