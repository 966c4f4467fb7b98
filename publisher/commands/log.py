"""publisher log: the main courante (action log) of the crisis, from the ledger."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from publisher.commands.common import project


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--incident", help="only this incident (its id, slug or part of the id)")
    parser.add_argument("--since", metavar="TIME", help="from this local time, e.g. 2019-11-15T19:00")
    parser.add_argument("--until", metavar="TIME", help="before this local time")
    parser.add_argument(
        "--format", choices=("text", "csv", "json", "html"), default="text", help="default: text"
    )
    parser.add_argument("-o", "--output", type=Path, help="write to this file instead of the terminal")


def run(args: argparse.Namespace) -> int:
    from publisher import journal
    from publisher.authoring import find_incident
    from publisher.errors import PublisherError
    from publisher.fsutil import write_atomic
    from publisher.ledger import open_readonly
    from publisher.timeutil import LocalTimeError, parse_local

    config = project(args)
    incident = find_incident(config, args.incident) if args.incident else None
    bounds = []
    for option, value in (("--since", args.since), ("--until", args.until)):
        try:
            bounds.append(parse_local(value, config.zone) if value else None)
        except LocalTimeError as exc:
            raise PublisherError(f"{option}: {exc}; {exc.hint}") from exc
    ledger = open_readonly(config.ledger_path)
    found = []
    if ledger is not None:
        with ledger:
            found = journal.entries(ledger, incident, bounds[0], bounds[1])
    scope = f"Incident {incident}" if incident else "All incidents"
    if args.since or args.until:
        scope += f", from {args.since or 'the start'} to {args.until or 'now'}"
    text = {
        "text": lambda: journal.as_text(config, found),
        "csv": lambda: journal.as_csv(config, found),
        "json": lambda: journal.as_json(config, found),
        "html": lambda: journal.as_html(config, found, scope),
    }[args.format]()
    if args.output:
        write_atomic(args.output, (text + ("" if text.endswith("\n") else "\n")).encode("utf-8"))
        print(f"wrote {args.output} ({len(found)} entries)")
    elif text:
        print(text)
    if not found:
        print("the journal is empty: nothing was drafted, approved or published here yet", file=sys.stderr)
    return 0
