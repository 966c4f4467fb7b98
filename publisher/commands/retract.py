"""publisher retract <update> --by <new update>: withdraw a statement by a later one."""

from __future__ import annotations

import argparse

from publisher.commands.common import project


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("update", help="the update to withdraw: incident/stem or its file")
    parser.add_argument(
        "--by", required=True, metavar="UPDATE", help="the later update of the same incident that says why"
    )
    parser.add_argument("--as", dest="as_person", metavar="NAME", help="who retracts (an author in [people])")


def run(args: argparse.Namespace) -> int:
    from publisher.approving import retract, target

    config = project(args)
    by = retract(target(config, args.update), args.as_person, args.by)
    print(f"{by} now retracts {args.update}; it needs an approval: publisher approve {by}")
    return 0
