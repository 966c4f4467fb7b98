"""publisher build: content + translations + templates → static site (atomic swap)."""

from __future__ import annotations

import argparse

from publisher.commands.common import load, now_option, project, report, resolve_now
from publisher.errors import display_path


def register(parser: argparse.ArgumentParser) -> None:
    now_option(parser)


def run(args: argparse.Namespace) -> int:
    from publisher.site import build

    config = project(args)
    result = load(config)
    report(result.diagnostics)
    built = build(config, result.site, resolve_now(config, args.now))
    updates = sum(len(iv.updates) for iv in next(iter(built.views.values()), []))
    print(f"built {built.pages} files ({updates} updates, {len(config.languages)} languages) "
          f"in {display_path(built.output, config.root)}/")
    if result.errors:
        print(f"{len(result.errors)} error(s): the files named above were left out", flush=True)
        return 2
    return 0
