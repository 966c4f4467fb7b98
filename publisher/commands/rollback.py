"""publisher rollback: put a directory website target back to its previous release.

The rolled-back version is recorded in the ledger, so the every-minute job does not deploy
it again: the site stays on the older release until the content changes (a corrected or
withdrawn update) or until `publisher rollback --to <newest release>`.
"""

from __future__ import annotations

import argparse

from publisher.channels.directory import DirectoryChannel
from publisher.commands.common import project
from publisher.errors import DeliveryError, PublisherError
from publisher.ledger import Ledger
from publisher.lock import FileLock
from publisher.publish import enabled_channels


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--channel", metavar="NAME", help="the directory channel to roll back (default: every one)"
    )
    parser.add_argument("--to", metavar="RELEASE", help="a release id (see --list)")
    parser.add_argument("--list", action="store_true", help="list the releases kept")
    parser.add_argument(
        "--wait",
        type=float,
        default=60.0,
        metavar="SECONDS",
        help="wait this long for a running publish to finish (default 60)",
    )


def run(args: argparse.Namespace) -> int:
    config = project(args)
    targets = [
        c
        for c in enabled_channels(config)
        if c.type == "directory" and (args.channel is None or c.name == args.channel)
    ]
    if not targets:
        raise PublisherError(
            "no directory channel"
            + (f" named '{args.channel}'" if args.channel else "")
            + " is enabled in publisher.toml; rollback only applies "
            "to directory website targets"
        )
    if args.list:
        for cfg in targets:
            channel = DirectoryChannel(cfg, config)
            live = channel.live()
            print(f"{cfg.name}: {channel.display(channel.path)}")
            for r in reversed(channel.list_releases()):
                print(f"  {'*' if live and r.id == live.id else ' '} {r.id}")
        return 0
    lock = FileLock(config.lock_path)
    lock.acquire(args.wait)  # a running publish finishes first (it may be deploying)
    with lock, Ledger(config.ledger_path) as ledger:
        for cfg in targets:
            channel = DirectoryChannel(cfg, config)
            try:
                target, was = channel.rollback(args.to)
            except DeliveryError as exc:
                raise PublisherError(f"{cfg.name}: {exc}") from exc
            ledger.record_rollback(
                channel.delivery_of(target),
                channel.receipt(target),
                f"rollback-{target.id}",
                detail=f"from {was.id if was else 'nothing'} to {target.id}",
            )
            print(
                f"{cfg.name}: {channel.display(channel.path)} now serves release {target.id}"
                f" (was {was.id if was else 'not a release'}). It stays there until the "
                "content changes; `publisher rollback --list` shows the releases."
            )
    return 0
