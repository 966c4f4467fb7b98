"""Helpers shared by commands: loading the project and printing diagnostics."""

from __future__ import annotations

import argparse
import os
import shlex
import subprocess
import sys
import tempfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from publisher.cli_text import Text
from publisher.config import Config, load_config
from publisher.content import LoadResult, load_site
from publisher.drill import summary
from publisher.errors import Diagnostic, PublisherError, UsageError
from publisher.rehearsal import rehearsal
from publisher.timeutil import LocalTimeError, parse_local, utc_now


def project(args: argparse.Namespace) -> Config:
    drill = bool(getattr(args, "drill", False))
    config = load_config(args.project)
    if drill:
        config = rehearsal(config)
        print(f"publisher: {summary(config)}", file=sys.stderr)
    return config


def load(config: Config, use_cache: bool = False, catalogs: bool = False) -> LoadResult:
    """The project's content; `use_cache` keeps parsed files under the state dir.

    `catalogs`: also report every catalog `check` would refuse (build and publish: the
    catalog's texts are left out, the rest goes out, and the run exits 2 saying why).
    """
    result = load_site(config, use_cache=use_cache)
    if catalogs:
        result.diagnostics.extend(catalog_diagnostics(config, use_cache))
    return result


def catalog_diagnostics(config: Config, use_cache: bool) -> list[Diagnostic]:
    """`i18n compile`'s validation of the project's catalogs, re-run only for changed files."""
    from publisher.content import ParseCache, _NoCache
    from publisher.errors import guarded
    from publisher.i18n import pofiles
    from publisher.i18n.compile import shown_path, validate

    cache = ParseCache(config.dir("state") / "cache" / "catalogs.pickle", config) if use_cache else _NoCache()
    out: list[Diagnostic] = []
    for path in pofiles.po_files(config.dir("locales")):
        shown = shown_path(path, config)

        def check(found: list[Diagnostic], path: Path = path, shown: str = shown) -> None:
            def work() -> None:
                entries = pofiles.kind(path) != "statement"  # statements: checked when used
                found.extend(validate(path, pofiles.lang_of(path), shown, entries=entries)[1])

            guarded(shown, found, work)

        cache.parse(path, out, check)
    if isinstance(cache, ParseCache):
        cache.save()
    return out


def report(diagnostics: list[Diagnostic]) -> None:
    for d in diagnostics:
        print(d, file=sys.stderr)


def now_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--now",
        metavar="TIME",
        help="pretend it is TIME (local, e.g. 2019-11-16T12:00), for drills and tests",
    )


def resolve_now(config: Config, value: str | None) -> datetime:
    if value is None:
        return utc_now()
    try:
        return parse_local(value, config.zone)
    except LocalTimeError as exc:
        raise PublisherError(Text("--now: {error}; {hint}", error=exc.message, hint=exc.hint)) from exc


def edit_text(initial: str) -> str | None:
    """The text a person writes in $VISUAL or $EDITOR, starting from `initial`; None when
    neither is set. An editor that fails writes nothing."""
    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR")
    if not editor:
        return None
    with tempfile.NamedTemporaryFile("w+", suffix=".md", encoding="utf-8", delete=False) as f:
        f.write(initial)
        name = f.name
    try:
        done = subprocess.run([*shlex.split(editor), name], check=False)
        if done.returncode != 0:
            raise UsageError(Text("the editor exited with {code}; nothing was written", code=done.returncode))
        return Path(name).read_text(encoding="utf-8")
    finally:
        os.unlink(name)


def spoken_time(config: Config) -> Callable[[datetime], str]:
    """Dates as the site writes them, in the CLI's language when the site has it."""
    from publisher.cli_text import language
    from publisher.i18n.catalogs import ui_translations
    from publisher.render import Formatter

    lang = language()
    lang = lang if lang in config.languages else config.source_lang
    gettext = ui_translations(config.dir("locales"), lang).gettext
    return Formatter(lang, config.zone, gettext).datetime
