"""publisher publish: the scheduled job (cron / systemd timer, every minute). See publish.py.

Exit codes: 0 everything due is delivered; 1 some delivery failed and will be retried;
2 bad content or config (the valid due updates were still delivered); 3 another run holds
the lock.
"""

from __future__ import annotations

import argparse

from publisher.commands.common import load, now_option, project, resolve_now
from publisher.lock import FileLock
from publisher.outcomes import Log
from publisher.publish import run_pass


def register(parser: argparse.ArgumentParser) -> None:
    now_option(parser)
    parser.add_argument(
        "--dry-run", action="store_true", help="show what would be delivered where; change nothing"
    )
    parser.add_argument(
        "--wait",
        nargs="?",
        type=float,
        const=-1.0,
        default=0.0,
        metavar="SECONDS",
        help="if another run holds the lock, wait for it (for SECONDS at most) instead of exiting 3",
    )
    parser.add_argument(
        "--log-format",
        choices=("human", "json"),
        default="human",
        help="one line per delivery: readable, or JSON for monitoring",
    )
    parser.add_argument(
        "--retry",
        action="store_true",
        help="retry failed deliveries now, even those that gave up or wait for their backoff",
    )
    parser.add_argument(
        "--replan",
        action="store_true",
        help="ask every channel to plan even when nothing changed since its last complete pass",
    )
    remote = parser.add_mutually_exclusive_group()
    remote.add_argument(
        "--overwrite-remote",
        dest="remote_decision",
        action="store_const",
        const="overwrite",
        help="where a published object was changed or removed at the remote end by someone, "
        "write publisher's version over it (recorded in the audit log)",
    )
    remote.add_argument(
        "--adopt-remote",
        dest="remote_decision",
        action="store_const",
        const="adopt",
        help="where a published object was changed or removed at the remote end by someone, "
        "keep the remote version and record it as delivered (recorded in the audit log)",
    )
    parser.add_argument(
        "--rewind",
        action="store_true",
        help="allow a --now earlier than the last live pass: the live site goes back to that "
        "time and every update published since is taken down",
    )
    parser.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        help="print only the summary line and what failed (for cron logs and mail)",
    )


def run(args: argparse.Namespace) -> int:
    config = project(args)
    now = resolve_now(config, args.now)
    log = Log(args.log_format, quiet=args.quiet, zone=config.zone)
    lock = FileLock(config.lock_path)
    if not args.dry_run:
        lock.acquire(None if args.wait < 0 else args.wait)
    try:
        report = run_pass(
            config,
            load(config, use_cache=not args.dry_run, catalogs=True),
            now,
            log,
            dry_run=args.dry_run,
            retry=args.retry,
            replan=args.replan,
            remote_decision=args.remote_decision,
            pretend=args.now is not None,
            rewind=args.rewind,
        )
    finally:
        lock.release()
    return report.exit_code()
