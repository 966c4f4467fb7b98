"""Build the static site into a fresh directory, then swap it in atomically.

A reader never sees a half-written site: pages are written into ``<output>.new-*`` and the
directories are exchanged with one ``renameat2(RENAME_EXCHANGE)`` call (Linux), or, where
that is unavailable, two renames a few microseconds apart. If anything fails before the
swap, the new directory is removed and the previous site is untouched.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from publisher import urls
from publisher.config import Config
from publisher.localize import IncidentView, localize_incident
from publisher.model import Site
from publisher.render import PACKAGE_TEMPLATES, Renderer
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


def write_tree(target: Path, items: Iterator[Page]) -> int:
    count = 0
    for page in items:
        dest = target / page.path
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(page.content)
        count += 1
    return count


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths (Linux renameat2); False when the system cannot."""
    libc_name = ctypes.util.find_library("c")
    if libc_name is None:
        return False
    libc = ctypes.CDLL(libc_name, use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is None:
        return False
    result = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    return bool(result == 0)


def swap_in(new: Path, output: Path) -> None:
    """Make `new` the live `output` directory; the old one is deleted afterwards."""
    if output.is_symlink():
        # A deploy layout (releases/ + symlink) is managed by the directory channel.
        tmp_link = output.with_name(output.name + ".link-tmp")
        if tmp_link.is_symlink() or tmp_link.exists():
            tmp_link.unlink()
        tmp_link.symlink_to(new)
        os.replace(tmp_link, output)
        return
    if not output.exists():
        os.rename(new, output)
        return
    if exchange(new, output):
        shutil.rmtree(new)  # `new` now holds the previous site
        return
    old = output.with_name(output.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    os.rename(output, old)
    os.rename(new, output)
    shutil.rmtree(old)


def build(config: Config, site: Site, now: datetime | None = None,
          output: Path | None = None) -> BuildResult:
    now = now or utc_now()
    output = output or config.dir("output")
    output.parent.mkdir(parents=True, exist_ok=True)
    views = localized(config, site, now)
    new = Path(tempfile.mkdtemp(prefix=f".{output.name}.new-", dir=output.parent))
    try:
        count = write_tree(new, pages(config, views))
        os.chmod(new, 0o755)
        swap_in(new, output)
    except BaseException:
        shutil.rmtree(new, ignore_errors=True)
        raise
    return BuildResult(output, count, views)


__all__ = ["build", "pages", "localized", "swap_in", "PACKAGE_TEMPLATES"]
