"""publisher rollback: put a website target (a directory, a bucket) back to its previous release.

The rolled-back version is recorded in the ledger, so the every-minute job does not deploy
it again: the site stays on the older release until the content changes (a corrected or
withdrawn update) or until `publisher rollback --to <newest release>`.

A rollback is a delivery like any other: its ledger row is written (``sending``) before the
channel starts, so a crash or a failure half-way (a bucket is rolled back object by object)
is finished by the next `publisher publish`, or by running `publisher rollback` again, with
the channel's own reader-safe order.
"""

from __future__ import annotations

import argparse
from typing import Any

from publisher.channels.directory import DirectoryChannel
from publisher.channels.s3 import S3Channel
from publisher.cli_text import Text, say
from publisher.commands.common import project
from publisher.config import ChannelConfig, Config
from publisher.errors import DeliveryError, PublisherError
from publisher.ledger import Ledger
from publisher.lock import FileLock
from publisher.publish import enabled_channels

ROLLBACK_TYPES = ("directory", "s3")


def release_channel(cfg: ChannelConfig, config: Config) -> Any:
    """The website channel of a [channels.<name>] table that keeps releases.

    Both kinds have rollback_target(to), list_releases(), live(), delivery_of(release),
    held_back(release) and a location (directory: the served path; s3: the bucket URL); their
    Release types differ. send() of a delivery_of() puts that release back.
    """
    if cfg.type == "s3":
        return S3Channel(cfg, config)
    return DirectoryChannel(cfg, config)


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--channel", metavar="NAME", help="the website channel to roll back (default: every one that can)"
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
        if c.type in ROLLBACK_TYPES and (args.channel is None or c.name == args.channel)
    ]
    if not targets:
        raise PublisherError(
            "no directory or s3 channel"
            + (f" named '{args.channel}'" if args.channel else "")
            + " is enabled in publisher.toml; rollback only applies "
            "to website targets that keep releases"
        )
    if args.list:
        for cfg in targets:
            channel = release_channel(cfg, config)
            try:
                live = channel.live()
                releases = channel.list_releases()
            except DeliveryError as exc:
                raise PublisherError(Text("{name}: {error}", name=cfg.name, error=exc.args[0])) from exc
            print(f"{cfg.name}: {channel.location}")
            for r in reversed(releases):
                print(f"  {'*' if live and r.id == live.id else ' '} {r.id}")
        return 0
    lock = FileLock(config.lock_path)
    lock.acquire(args.wait)  # a running publish finishes first (it may be deploying)
    with lock, Ledger(config.ledger_path) as ledger:
        for cfg in targets:
            channel = release_channel(cfg, config)
            row = unfinished(ledger, cfg.name, args.to)
            try:
                if row is None:
                    target, was = channel.rollback_target(args.to)
                    detail = f"from {was.id if was else 'nothing'} to {target.id}"
                    row = ledger.begin_rollback(
                        channel.delivery_of(target),
                        target.id,
                        detail,
                        live=channel.held_back(was) if was else None,
                    )
                else:
                    was, detail = channel.live(), "finishing an interrupted rollback"
                    row = ledger.mark_sending(row)
                    ledger.audit("rollback", row, result="started", detail=detail)
            except DeliveryError as exc:
                raise PublisherError(Text("{name}: {error}", name=cfg.name, error=exc.args[0])) from exc
            try:
                receipt = channel.send(row.delivery(), None, row.idempotency_key)
            except Exception as exc:
                message = f"{cfg.name}: {exc}"
                ledger.fail(row, message, None, False, row.attempts)
                raise PublisherError(
                    Text(
                        "{message}\n    the rollback is recorded: the next `publisher publish` (or "
                        "`publisher rollback` again) finishes it",
                        message=message,
                    )
                ) from exc
            row = ledger.complete(row, receipt)
            ledger.audit("rollback", row, result="live", detail=detail)
            release = row.remote_id
            print(
                (
                    say(
                        "{name}: {location} now serves release {release} (was {was}). It stays there "
                        "until the content changes; `publisher rollback --list` shows the releases."
                    )
                    if was
                    else say(
                        "{name}: {location} now serves release {release} (was not a release). It stays "
                        "there until the content changes; `publisher rollback --list` shows the releases."
                    )
                ).format(name=cfg.name, location=channel.location, release=release, was=was.id if was else "")
            )
    return 0


def unfinished(ledger: Ledger, channel: str, to: str | None) -> Any:
    """The rollback of `channel` a crash or a failure left unfinished: the one to finish
    (when `to` is not another release), or None; one for another release is superseded."""
    for row in reversed(ledger.in_state(channel, "pending", "sending", "failed", "gave_up")):
        if not row.is_rollback:
            continue
        if to is None or row.payload.get("release") == to:
            return row
        ledger.supersede(row)
    return None
