"""Render cache: an unchanged incident is never localized or rendered again.

Rendering is a pure function of (content, catalogs, templates, config, publisher's code).
The cache key of an incident in one language hashes exactly those inputs: the incident
file, each visible update file (so a future update becoming due changes the key), the
incident's content catalog for that language, and a fingerprint of everything global
(templates, UI catalogs, stylesheet, config, publisher's own source). A hit gives back the
localized view (for the home page and feeds) and the incident's rendered pages.

Entries are pickles under ``<state>/cache/render/``; a damaged or unreadable entry is a
miss, never an error, and entries not used by the latest build are deleted.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from publisher.config import Config
from publisher.fsutil import read_pickle, stat_tree, write_pickle
from publisher.i18n.catalogs import content_po_path
from publisher.model import Incident

VERSION = "1"
PACKAGE_DIR = Path(__file__).resolve().parent


def _stamp(path: Path) -> str:
    try:
        st = path.stat()
    except OSError:
        return f"{path}:absent"
    return f"{path}:{st.st_mtime_ns}:{st.st_size}"


def fingerprint(config: Config) -> str:
    """Everything global a page depends on; any change invalidates the whole cache."""
    h = hashlib.sha256(VERSION.encode())
    h.update(repr(sorted((s, sorted(v.items())) for s, v in config.raw.items())).encode())
    for root in (PACKAGE_DIR, config.dir("templates")):
        for path, mtime, size in stat_tree(root, ignore=lambda name: name.endswith((".pyc", ".mo"))):
            h.update(f"{path}:{mtime}:{size}".encode())
    locales = config.dir("locales")
    for lang in config.languages:
        h.update(_stamp(locales / lang / "LC_MESSAGES" / "messages.po").encode())
    return h.hexdigest()


class RenderCache:
    def __init__(self, directory: Path, config: Config) -> None:
        self.directory = directory
        self.config = config
        self.global_fingerprint = fingerprint(config)
        self.keys: dict[tuple[str, str], str] = {}  # (lang, incident id) -> key
        self.used: set[str] = set()

    def key(self, incident: Incident, lang: str) -> str:
        h = hashlib.sha256(self.global_fingerprint.encode())
        h.update(f"{lang}\0{incident.id}\0{incident.source_hash}".encode())
        for u in incident.updates:
            h.update(f"\0{u.stem}:{u.source_hash}".encode())
        h.update(_stamp(content_po_path(self.config.dir("locales"), lang, incident.id)).encode())
        key = h.hexdigest()[:40]
        self.keys[(lang, incident.id)] = key
        self.used.add(key)
        return key

    def _path(self, key: str, part: str) -> Path:
        return self.directory / f"{key}.{part}.pickle"

    def has(self, key: str, part: str) -> bool:
        return self._path(key, part).exists()

    def get(self, key: str, part: str) -> Any | None:
        return read_pickle(self._path(key, part))

    def put(self, key: str, part: str, value: Any) -> None:
        write_pickle(self._path(key, part), value)

    def prune(self) -> None:
        """Delete entries this build did not use (old versions of changed incidents)."""
        if not self.directory.is_dir():
            return
        for path in self.directory.iterdir():
            if path.name.split(".", 1)[0] not in self.used:
                path.unlink(missing_ok=True)


def put_pages(cache: RenderCache, key: str, pages: Sequence[Any]) -> None:
    """Store an incident's pages, and beside them each page's path and sha256 (see LazyPage)."""
    cache.put(key, "pages", pages)
    cache.put(key, "digests", [(p.path, hashlib.sha256(p.content).hexdigest()) for p in pages])


class LazyPage:
    """A cached page known by its digest; its bytes are read only if the release needs them.

    After one new update the release already holds nearly every page with these bytes
    (publisher.release compares digests first), so reading back every incident's pickled
    pages, most of what such a build read in a profile, is skipped.
    """

    def __init__(self, path: str, digest: str, load: Callable[[], Sequence[Any]], index: int) -> None:
        self.path = path
        self.digest = digest
        self._load = load
        self._index = index

    @property
    def content(self) -> bytes:
        page = self._load()[self._index]
        assert page.path == self.path
        return bytes(page.content)


def lazy_pages(cache: RenderCache, key: str, render: Callable[[], Sequence[Any]]) -> list[LazyPage] | None:
    """The pages under `key` as LazyPages, or None when their digests are not cached.

    `render` makes them again if the pickled pages turn out damaged or missing."""
    digests = cache.get(key, "digests")
    if not isinstance(digests, list):
        return None
    loaded: list[Sequence[Any]] = []

    def load() -> Sequence[Any]:
        if not loaded:
            pages = cache.get(key, "pages")
            if pages is None or [p.path for p in pages] != [path for path, _digest in digests]:
                pages = render()
                put_pages(cache, key, pages)
            loaded.append(pages)
        return loaded[0]

    return [LazyPage(path, digest, load, i) for i, (path, digest) in enumerate(digests)]
