"""publisher i18n extract|update|compile|stats: the translator workflow (docs/translating.md)."""

from __future__ import annotations

import argparse
import sys

from publisher.cli_text import Text
from publisher.commands.common import load, project, report
from publisher.config import Config
from publisher.errors import Failed, UsageError, display_path
from publisher.fsutil import write_if_changed


def register(parser: argparse.ArgumentParser) -> None:
    parser.epilog = "The translator's guide: docs/translating.md"
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    p = sub.add_parser("extract", help="write the templates (.pot) of the UI and of every incident")
    p.add_argument(
        "--package",
        action="store_true",
        help="maintainers: write publisher/locales/messages.pot from the package alone",
    )
    p = sub.add_parser(
        "update",
        help="merge the templates into every language's .po (new, fuzzy when changed, obsolete when removed)",
    )
    p.add_argument("--lang", metavar="LANG", help="only this language (default: every enabled one)")
    p.add_argument(
        "--check", action="store_true", help="change nothing; exit 1 if a catalog is out of date (for CI)"
    )
    p.add_argument(
        "--package",
        action="store_true",
        help="maintainers: merge into publisher/locales/<lang>/LC_MESSAGES/messages.po",
    )
    sub.add_parser("compile", help="validate every .po and compile the UI catalogs to .mo")
    p = sub.add_parser(
        "stats", help="what is translated, fuzzy, missing; which updates are publishable in each language"
    )
    p.add_argument("--lang", metavar="LANG", help="only this language")
    p.add_argument("--json", action="store_true", help="machine-readable output")


def run(args: argparse.Namespace) -> int:
    config = project(args)
    if args.action == "extract":
        # Imported here: each action imports only its own tool.
        from publisher.i18n import extract

        return extract.run(config, package=args.package)
    if args.action == "update":
        return _update(config, args.lang, args.check, args.package)
    if args.action == "compile":
        # Imported here: each action imports only its own tool.
        from publisher.i18n import compile as compile_

        return compile_.run(config)
    # Imported here: each action imports only its own tool.
    from publisher.i18n import stats

    if args.lang is not None and args.lang not in config.languages:
        raise UsageError(
            Text(
                "--lang {lang}: not an enabled language; enabled: {languages} (see [languages] in "
                "publisher.toml)",
                lang=args.lang,
                languages=", ".join(config.languages),
            )
        )
    result = load(config)
    report(result.diagnostics)
    return stats.run(config, result.site, args.lang, args.json)


def _update(config: Config, lang: str | None, check: bool, package: bool) -> int:
    # Imported here: each action imports only its own tool.
    from publisher.i18n import update

    changes, problems = update.plan(config, update.languages(config, lang, package), package)
    report(problems)
    for change in changes:
        shown = display_path(change.path, config.root)
        if check:
            print(f"would {'create' if change.created else 'update'} {shown}: {change.describe()}")
        else:
            write_if_changed(change.path, change.data)
            print(f"{'created' if change.created else 'updated'} {shown}: {change.describe()}")
    if problems:
        raise Failed(2)
    if check and changes:
        print(f"{len(changes)} catalog(s) out of date: run `publisher i18n update`", file=sys.stderr)
        raise Failed(1)
    if not changes:
        print("every catalog is up to date")
    return 0
