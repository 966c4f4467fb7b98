"""publisher build: content + translations + templates → static site (atomic swap)."""

from __future__ import annotations

import argparse
import sys

from publisher.commands.common import load, now_option, project, report, resolve_now
from publisher.errors import Failed, PublisherError, display_path
from publisher.publish import select
from publisher.site import build


def register(parser: argparse.ArgumentParser) -> None:
    now_option(parser)


def run(args: argparse.Namespace) -> int:
    config = project(args)
    output = config.root / config.text("paths", "output")
    if output.is_symlink():
        raise PublisherError(
            f"{config.text('paths', 'output')} is the live site deployed by `publisher publish` "
            "(a symlink to a release): building into it would bypass approval and the ledger. "
            "Run `publisher publish`, or `publisher publish --dry-run` to see what it would do"
        )
    result = load(config, use_cache=True, catalogs=True)
    report(result.diagnostics)
    now = resolve_now(config, args.now)
    # The same rule as `publish`: an update that needs approval is never on a built site.
    selection = select(config, result.site, now)
    report(list(selection.errors))
    for update in selection.held:
        print(f"{update.path}: held: {selection.reason(update)}", file=sys.stderr)
    built = build(config, selection.site, now)
    updates = sum(len(iv.updates) for iv in next(iter(built.views.values()), []))
    print(
        f"built {built.pages} files ({updates} updates, {len(config.languages)} languages) "
        f"in {display_path(built.output, config.root)}/"
    )
    if result.errors:
        print(f"{len(result.errors)} error(s): the files named above were left out", flush=True)
        raise Failed(2)
    if selection.errors:
        print(f"{len(selection.errors)} error(s): the updates named above were held", flush=True)
        raise Failed(2)
    return 0
