"""publisher approve <update>: read the exact text everywhere it goes, then approve it."""

from __future__ import annotations

import argparse
import sys

from publisher.commands.common import project


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "update", help="incident/stem (e.g. 2019-11-15-cyberattaque/20191115T2130) or its file"
    )
    parser.add_argument(
        "--as",
        dest="as_person",
        metavar="NAME",
        help="who approves (default: $PUBLISHER_USER, else the git user); must be an approver in [people]",
    )
    parser.add_argument("--yes", action="store_true", help="approve without asking (the text is still shown)")


def run(args: argparse.Namespace) -> int:
    from publisher.approving import ApprovalError, check_approval, record_approval, review

    config = project(args)
    target, handle = check_approval(config, args.update, args.as_person)
    print(review(target))
    print()
    if not args.yes:
        if not sys.stdin.isatty():
            raise ApprovalError("not approved: confirm with --yes when there is no terminal to ask on")
        answer = input(f"Approve this exact text as {config.people.shown(handle)}? [y/N] ")
        if answer.strip().lower() not in ("y", "yes", "o", "oui"):
            print("not approved; nothing was written")
            return 0
    record_approval(target, handle)
    print(f"approved {target.update.id} as {config.people.shown(handle)}; an edit voids this approval")
    print("next: publisher publish (or wait for the scheduled run)")
    return 0
