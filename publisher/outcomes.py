"""What one publishing pass did, one log line per delivery (human or JSON lines).

Human lines are for a person reading cron mail or the journal; ``--log-format json`` gives
one JSON object per line for monitoring (every line has ``event`` and ``action``). Secrets
never get here: error texts are redacted by the job before they are recorded or logged.
"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, TextIO
from zoneinfo import ZoneInfo

from publisher.errors import Diagnostic
from publisher.timeutil import iso_utc, utc_now

# action -> does it mean "something failed and will be retried" (exit 1)?
ACTIONS: dict[str, bool] = {
    "created": False,  # first delivery of a remote object
    "edited": False,  # same remote object, new content
    "reconciled": False,  # an interrupted delivery had in fact arrived; recorded
    "unchanged": False,  # already delivered with this content
    "rolled-back": False,  # held back by `publisher rollback` until the content changes
    "adopted": False,  # found already at the remote (a lost ledger): taken over, not duplicated
    "kept-remote": False,  # drift resolved with --adopt-remote: the remote version stays
    "redeployed": False,  # the live copy was damaged at the remote end: delivered again
    "drift": True,  # changed or removed at the remote end by someone: needs a person
    "unknown": False,  # may or may not have arrived, cannot be asked: recorded, never resent
    "failed": True,  # this attempt failed; retried after a backoff
    "waiting": True,  # an earlier failure; not yet time to retry
    "gave-up": True,  # max_attempts reached; `publish --retry` tries again
    "would-create": False,  # --dry-run
    "would-edit": False,
    "would-retry": False,
}


@dataclass
class Outcome:
    action: str
    channel: str
    key: str
    update_id: str | None = None
    lang: str | None = None
    summary: str = ""
    remote_id: str | None = None
    url: str | None = None
    attempts: int = 0
    next_attempt: str | None = None
    error: str | None = None
    note: str | None = None  # what a person should know (an unknown outcome: check the relay)

    @property
    def failed(self) -> bool:
        return ACTIONS.get(self.action, True)


@dataclass
class Report:
    outcomes: list[Outcome] = field(default_factory=list)
    held: list[tuple[str, str]] = field(default_factory=list)  # (update id, path)
    removed: list[tuple[str, str, str | None]] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    channel_errors: list[tuple[str, str]] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # channels with nothing new (shortcut)

    @property
    def content_errors(self) -> bool:
        return any(d.severity == "error" for d in self.diagnostics)

    @property
    def failures(self) -> int:
        return sum(1 for o in self.outcomes if o.failed) + len(self.channel_errors)

    def exit_code(self) -> int:
        """2 bad content (valid updates still went out), 1 a delivery will be retried, 0 ok."""
        if self.content_errors:
            return 2
        return 1 if self.failures else 0


def _now() -> str:
    return iso_utc(utc_now())


class Log:
    def __init__(
        self,
        fmt: str = "human",
        out: TextIO | None = None,
        quiet: bool = False,
        zone: ZoneInfo | None = None,
    ) -> None:
        self.fmt = fmt
        self.out = out or sys.stdout
        self.quiet = quiet
        self.zone = zone  # human lines give times in it (JSON lines stay UTC, for machines)

    def _local(self, text: str) -> str:
        if self.zone is None:
            return text
        try:
            when = datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(self.zone)
        except ValueError:
            return text
        return f"{when:%Y-%m-%d %H:%M} ({self.zone.key})"

    def _json(self, record: dict[str, Any]) -> None:
        record = {"ts": _now(), **{k: v for k, v in record.items() if v not in (None, "")}}
        print(json.dumps(record, ensure_ascii=False, sort_keys=False), file=self.out, flush=True)

    def outcome(self, o: Outcome) -> None:
        if o.action == "unchanged" and self.fmt == "human":
            return  # the summary counts them; a line each every minute would drown the rest
        if self.quiet and not o.failed:
            return  # --quiet: what went well is counted in the summary line
        if self.fmt == "json":
            self._json({"event": "delivery", **asdict(o)})
            return
        target = o.key + (f" [{o.lang}]" if o.lang and o.lang not in o.key else "")
        line = f"publish: {o.action:<12} {o.channel:<10} {target}"
        if o.url or o.remote_id:
            line += f" -> {o.url or ''}" + (f" (id {o.remote_id})" if o.remote_id else "")
        if o.error:
            line += f" (attempt {o.attempts}"
            line += f", next try after {self._local(o.next_attempt)})" if o.next_attempt else ")"
            line += f": {o.error}"
        elif o.note:
            line += f": {o.note}"
        print(line, file=self.out, flush=True)

    def diagnostic(self, d: Diagnostic) -> None:
        if self.fmt == "json":
            self._json(
                {
                    "event": "content",
                    "action": d.severity,
                    "path": d.path,
                    "line": d.line,
                    "error": d.message,
                    "fix": d.hint,
                }
            )
        else:
            print(d, file=sys.stderr, flush=True)

    def held(self, update_id: str, path: str, reason: str = "") -> None:
        """`reason` names the update, who approved it (if anyone) and what to run."""
        reason = reason or f"{update_id}: due but not approved; publisher approve {update_id}"
        if self.fmt == "json":
            self._json(
                {
                    "event": "held",
                    "action": "held",
                    "update_id": update_id,
                    "path": path,
                    "error": reason,
                }
            )
        else:
            print(f"publish: held         {reason} ({path})", file=self.out, flush=True)

    def removed(self, channel: str, key: str, url: str | None, sent: bool = False) -> None:
        """sent: a pushed message (an e-mail, a webhook), which nobody can delete."""
        text = (
            "no longer in the published content (removed, unapproved or rescheduled); "
            "the published copy was left in place"
        )
        todo = "delete it by hand if it must go, or publish a retraction"
        if sent:
            text = (
                "no longer in the published content (removed, unapproved or rescheduled); "
                "what was sent cannot be recalled"
            )
            todo = "to tell the recipients, put it back and withdraw it with a later update (retracts:)"
        if self.fmt == "json":
            self._json(
                {
                    "event": "removed",
                    "action": "removed",
                    "channel": channel,
                    "key": key,
                    "url": url,
                    "error": text,
                }
            )
        else:
            print(
                f"publish: removed      {channel:<10} {key} -> {url or ''}: {text} ({todo})",
                file=self.out,
                flush=True,
            )

    def channel_error(self, channel: str, error: str) -> None:
        if self.fmt == "json":
            self._json({"event": "channel", "action": "failed", "channel": channel, "error": error})
        else:
            print(f"publish: failed       {channel:<10} {error}", file=self.out, flush=True)

    def summary(self, report: Report, elapsed: float) -> None:
        counts: dict[str, int] = {}
        for o in report.outcomes:
            counts[o.action] = counts.get(o.action, 0) + 1
        # Always printed, --quiet too: monitoring alerts when it stops appearing.
        record = {
            "event": "summary",
            "action": "summary",
            "exit": report.exit_code(),
            "seconds": round(elapsed, 3),
            "held": len(report.held),
            "content_errors": sum(1 for d in report.diagnostics if d.severity == "error"),
            "up_to_date_channels": report.skipped,
            **counts,
        }
        if self.fmt == "json":
            self._json(record)
            return
        parts = [f"{n} {a}" for a, n in sorted(counts.items())]
        if report.skipped:
            parts.append(f"nothing new for {', '.join(report.skipped)}")
        if report.held:
            parts.append(f"{len(report.held)} held for approval")
        if record["content_errors"]:
            parts.append(f"{record['content_errors']} content error(s) (files left out, see above)")
        print(
            f"publish: done in {elapsed:.2f}s: "
            + ("; ".join(parts) or "nothing due")
            + f" (exit {report.exit_code()})",
            file=self.out,
            flush=True,
        )
