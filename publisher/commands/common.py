"""Helpers shared by commands: loading the project and printing diagnostics."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime

from publisher.config import Config, load_config
from publisher.content import LoadResult, load_site
from publisher.errors import Diagnostic, PublisherError
from publisher.timeutil import LocalTimeError, parse_local, utc_now


def project(args: argparse.Namespace) -> Config:
    return load_config(args.project)


def load(config: Config, use_cache: bool = False) -> LoadResult:
    """The project's content; `use_cache` keeps parsed files under the state dir."""
    return load_site(config, use_cache=use_cache)


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
        raise PublisherError(f"--now: {exc}; {exc.hint}") from exc
