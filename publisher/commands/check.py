"""publisher check: every problem at once, each with path:line and a fix; exit 2 on errors."""

from __future__ import annotations

import argparse

from publisher.commands.common import load, now_option, project, report


def register(parser: argparse.ArgumentParser) -> None:
    now_option(parser)


def run(args: argparse.Namespace) -> int:
    config = project(args)
    result = load(config)
    report(result.diagnostics)
    errors = len(result.errors)
    warnings = len(result.diagnostics) - errors
    updates = sum(len(i.updates) for i in result.site.incidents)
    print(f"checked {len(result.site.incidents)} incidents, {updates} updates: "
          f"{errors} error(s), {warnings} warning(s)")
    return 2 if errors else 0
