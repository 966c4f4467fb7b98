"""publisher status: what is published where, and what is pending, failing or held back.

Reads the ledger (never writes it, never takes the lock) and the content, so it answers
while a publishing run is in progress.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from publisher.channels import make_channel
from publisher.channels.social import OUTBOX_PREFIX
from publisher.cli_text import say
from publisher.commands.common import load, now_option, project, report, resolve_now, spoken_time
from publisher.ledger import iso, open_readonly
from publisher.lints import overdue
from publisher.pages import localized
from publisher.publish import enabled_channels, select


def register(parser: argparse.ArgumentParser) -> None:
    now_option(parser)
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.add_argument(
        "--verify",
        action="store_true",
        help="also ask each remote (WordPress, social networks) whether what the ledger says is "
        "published is still there as publisher left it (network calls)",
    )


def gather(args: argparse.Namespace) -> dict[str, Any]:
    config = project(args)
    loaded = load(config)
    report(loaded.diagnostics)
    now = resolve_now(config, args.now)
    selection = select(config, loaded.site, now)
    report(list(selection.errors))
    names = [c.name for c in enabled_channels(config)]
    data: dict[str, Any] = {
        "published": [],
        "pending": [],
        "failing": [],
        "removed": [],
        "held": [],
        "scheduled": [],
        "untranslated": [],
        "content_errors": [str(d) for d in [*loaded.errors, *selection.errors]],
        "drift": [],
        "outbox": [],
        "zone": config.zone.key,  # every time above is UTC (ISO 8601); people read them local
    }
    ledger = open_readonly(config.ledger_path)
    if ledger is not None:
        with ledger:
            # Recorded by the last pass that planned each channel (publish.py).
            removed = {name: json.loads(ledger.meta(f"removed:{name}") or "[]") for name in names}
            for row in ledger.current():
                last = ledger.last_delivered(row.channel, row.key)
                entry = {
                    "channel": row.channel,
                    "key": row.key,
                    "update": row.update_id,
                    "lang": row.lang,
                    "state": row.state,
                    "attempts": row.attempts,
                    "remote_id": last.remote_id if last else None,
                    "url": last.url if last else None,
                    "delivered_at": iso(last.delivered_at) if last else None,
                    "next_attempt": iso(row.next_attempt_at),
                    "error": row.last_error,
                    "enabled": row.channel in names,
                }
                if row.key in removed.get(row.channel, ()) and last is not None:
                    data["removed"].append(entry)
                if row.state in ("delivered", "rolled_back"):
                    data["published"].append(entry)
                    waiting = _outbox_file(config.root, last.remote_id if last else None)
                    if waiting:
                        data["outbox"].append({**entry, "file": waiting})
                elif row.state in ("failed", "gave_up"):
                    data["failing"].append(entry)
                    if last is not None:
                        data["published"].append(entry)
                elif row.state in ("pending", "sending"):
                    data["pending"].append(entry)
            data["drift"] = drift(config, ledger, verify=getattr(args, "verify", False))

    data["overdue"] = overdue(config, selection.site, now)  # promises readers saw, now late
    from publisher.approval import Approvals
    from publisher.journal import copy_lookup

    approvals = Approvals(config, copy_lookup(config))
    for u in selection.held:
        v = selection.verdicts.get(u.id) or approvals.verdict(u)
        data["held"].append(
            {
                "update": u.id,
                "path": u.path,
                "due": iso(u.publish_at),
                "author": u.author,
                "why": v.kind,
                "reason": v.reason,
                "waiting_for": list(v.waiting_for),
            }
        )
    for u in selection.scheduled:
        v = approvals.verdict(u)
        data["scheduled"].append(
            {
                "update": u.id,
                "path": u.path,
                "at": iso(u.publish_at),
                "approved": v.ok,
                "reason": v.reason,
                "waiting_for": list(v.waiting_for),
            }
        )
    for lang, views in localized(config, selection.site, now).items():
        for iv in views:
            for view in iv.updates:
                if view.is_fallback:
                    data["untranslated"].append(
                        {"update": view.update.id, "lang": lang, "missing_blocks": view.missing}
                    )
    return data


def _outbox_file(root: Path, remote_id: str | None) -> str | None:
    """The paste-ready file of a post made by hand, while it still waits in the outbox (a
    person moves it to posted/ once it is online, or deletes it)."""
    if not remote_id or not remote_id.startswith(OUTBOX_PREFIX):
        return None
    shown = remote_id[len(OUTBOX_PREFIX) :]
    return shown if (root / shown).is_file() else None


def drift(config: Any, ledger: Any, verify: bool) -> list[dict[str, Any]]:
    """What the remote ends hold that differs from the ledger: the cheap local checks always
    (a live release deleted by hand), the network ones with --verify."""
    found: list[dict[str, Any]] = []
    for cfg in enabled_channels(config):
        try:
            channel = make_channel(cfg, config)
        except Exception:
            continue  # reported by `publisher check` and by the job
        wanted = ("every_pass", "before_edit") if verify else ("every_pass",)
        if channel.drift_check not in wanted:
            continue
        for row in ledger.in_state(cfg.name, "delivered"):
            receipt = row.receipt()
            if receipt is None:
                continue
            try:
                problem = channel.drift(receipt)
            except Exception as exc:  # an unreachable remote: say so, do not guess
                problem = f"could not be verified: {exc}"
            if problem:
                remedy = (
                    say("the next `publisher publish` deploys it again")
                    if channel.drift_check == "every_pass"
                    else say(
                        "`publisher publish --overwrite-remote` writes publisher's version, "
                        "`--adopt-remote` keeps the remote one"
                    )
                )
                found.append(
                    {
                        "channel": cfg.name,
                        "key": row.key,
                        "url": row.url,
                        "problem": problem,
                        "remedy": remedy,
                    }
                )
    return found


def run(args: argparse.Namespace) -> int:
    data = gather(args)
    # For monitoring: 2 bad content; 1 when a person should look (a delivery failing, the
    # remote end not as published, a promise to readers overdue, a due update unapproved,
    # a post waiting in the outbox for someone to paste it).
    attention = data["failing"] or data["drift"] or data["overdue"] or data["held"] or data["outbox"]
    code = 2 if data["content_errors"] else 1 if attention else 0
    if args.json:
        print(json.dumps(data, indent=1, ensure_ascii=False))
        return code
    local = _local_time(project(args))
    section(
        say("Waiting in the outbox for a person to post"),
        data["outbox"],
        lambda e: (
            f"{e['channel']:<10} {e['key']}{lang(e)}  {e['file']}\n      "
            + say("post it by hand, then move the file to %(posted)s (or delete it)")
            % {"posted": str(Path(e["file"]).parent / "posted") + "/"}
        ),
    )
    section(
        say("Changed at the remote end (not as publisher published it)"),
        data["drift"],
        lambda e: f"{e['channel']:<10} {e['key']}  {e['problem']}\n      {e['remedy']}",
    )
    section(
        say("Published"),
        data["published"],
        lambda e: (
            f"{e['channel']:<10} {e['key']}{lang(e)}  {e['url'] or ''}"
            + (f" (id {e['remote_id']})" if e["remote_id"] else "")
            + (f"  since {local(e['delivered_at'])}" if e["delivered_at"] else "")
            + ("  [rolled back: the previous release is live]" if e["state"] == "rolled_back" else "")
            + ("" if e["enabled"] else "  [channel no longer enabled]")
        ),
    )
    section(
        say("Failing (retried by the next runs)"),
        data["failing"],
        lambda e: (
            f"{e['channel']:<10} {e['key']}{lang(e)}  {e['state']} after {e['attempts']} "
            f"attempt(s)"
            + (
                f", next try after {local(e['next_attempt'])}"
                if e["next_attempt"]
                else ", run `publisher publish --retry` once fixed"
            )
            + f"\n      {e['error']}"
        ),
    )
    section(
        say("Pending (the next run delivers them)"),
        data["pending"],
        lambda e: f"{e['channel']:<10} {e['key']}{lang(e)}  {e['state']}",
    )
    section(
        say("Overdue: readers were promised an update"),
        data["overdue"],
        lambda e: (
            f"{e['incident']}  promised for {e['promised']} ({e['late']} ago) by {e['path']}: "
            f"publish an update (publisher new update {e['incident']} --from <statement>)"
        ),
    )
    section(
        say("Waiting for approval"),
        data["held"],
        lambda e: f"{e['update']}  due since {local(e['due'])}: {e['reason'].split(': ', 1)[-1]}",
    )
    section(
        say("Scheduled"),
        data["scheduled"],
        lambda e: (
            f"{e['update']}  at {local(e['at'])}"
            + (
                ""
                if e["approved"]
                else "  (not approved yet"
                + (f": waiting for {', '.join(e['waiting_for'])})" if e["waiting_for"] else ")")
            )
        ),
    )
    section(
        say("Waiting for translation (shown in the source language meanwhile)"),
        data["untranslated"],
        lambda e: f"{e['update']} [{e['lang']}]  {e['missing_blocks']} block(s) to translate",
    )
    section(
        say("Removed from content but still published"),
        data["removed"],
        lambda e: f"{e['channel']:<10} {e['key']}  {e['url'] or ''}",
    )
    if data["content_errors"]:
        count = len(data["content_errors"])
        print(say("%(count)d content error(s): see above (or run `publisher check`)") % {"count": count})
    return code


def _local_time(config: Any) -> Callable[[str | None], str]:
    """ISO UTC times from the ledger as a person reads them: local, with the zone's name."""
    speak = spoken_time(config)

    def local(text: str | None) -> str:
        if not text:
            return ""
        try:
            return speak(datetime.fromisoformat(text.replace("Z", "+00:00")))
        except ValueError:
            return text

    return local


def lang(entry: dict[str, Any]) -> str:
    return f" [{entry['lang']}]" if entry.get("lang") and entry["lang"] not in entry["key"] else ""


def section(title: str, entries: list[dict[str, Any]], line: Any) -> None:
    if not entries:
        return
    print(f"{title}:")
    for e in entries:
        print("  " + line(e))
