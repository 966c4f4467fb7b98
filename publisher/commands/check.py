"""publisher check: every problem at once, each with path:line and a fix; exit 2 on errors."""

from __future__ import annotations

import argparse

from publisher.checks import run_checks
from publisher.cli_text import say
from publisher.commands.common import load, now_option, project, report, resolve_now
from publisher.errors import Failed


def register(parser: argparse.ArgumentParser) -> None:
    now_option(parser)


def run(args: argparse.Namespace) -> int:
    config = project(args)
    result = load(config)
    diagnostics = run_checks(config, result, resolve_now(config, args.now))
    report(diagnostics)
    errors = sum(1 for d in diagnostics if d.severity == "error")
    warnings = sum(1 for d in diagnostics if d.severity == "warning")
    updates = sum(len(i.updates) for i in result.site.incidents)
    print(
        say(
            "checked %(incidents)d incidents, %(updates)d updates: "
            "%(errors)d error(s), %(warnings)d warning(s)"
        )
        % {
            "incidents": len(result.site.incidents),
            "updates": updates,
            "errors": errors,
            "warnings": warnings,
        }
    )
    if errors:
        raise Failed(2)
    return 0
