"""The publishing job: one idempotent pass, safe to run every minute, concurrently, after a crash.

    lock → load + check → select due and approved updates → build the site → for each enabled
    channel (websites first): reconcile rows left in flight, plan, deliver what changed → record

Nothing twice, nothing lost: every remote call has a ledger row committed *before* it (state
``sending``) and completed *after* it. A row found in ``sending`` (the process died in
between) or one whose failed attempt may have arrived (a timeout) is first offered to the
channel's ``reconcile()``, which looks the remote object up instead of sending again.

The every-minute path is nearly free: the inputs (config, the due and approved updates'
source hashes, catalogs, templates, the code) are fingerprinted; when they match the last
build the site is not rebuilt, and a channel whose last pass delivered everything for the
same fingerprint is not even asked to plan.

Test-only hook: ``PUBLISHER_TEST_CRASH_AT=before_send|after_send[:CHANNEL]`` makes the
process SIGKILL itself right after the ledger write (before the remote call) or right after
the remote call (before the ledger completion), so tests can prove crash recovery. Never set
it in production.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import tempfile
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from publisher import __version__
from publisher.approval import Approvals, Verdict
from publisher.channels import make_channel
from publisher.channels.base import (
    DELIVERY_ORDER,
    Channel,
    Delivery,
    DeliveryError,
    PublishContext,
    Receipt,
)
from publisher.config import ChannelConfig, Config
from publisher.content import LoadResult
from publisher.errors import Diagnostic
from publisher.fsutil import stat_tree
from publisher.ledger import Ledger, Row, iso, open_readonly
from publisher.model import Site, Update
from publisher.notes import Corrections, Notes
from publisher.outcomes import Log, Outcome, Report
from publisher.publication import Archive, problems
from publisher.templatefiles import template_problems

if TYPE_CHECKING:
    from publisher.localize import IncidentView  # markdown-it and Babel: not on the cron path

PACKAGE_DIR = Path(__file__).resolve().parent
BACKOFF_BASE = 60.0  # seconds; doubled after each failure
BACKOFF_CAP = 3600.0
LAST_NOW = "last_pass_now"  # ledger meta: the latest `now` a live pass ran at
DEFAULT_CHANNEL = ChannelConfig(name="website", type="directory", enabled=True, options={}, line=0)


@dataclass(frozen=True)
class Selection:
    site: Site  # only due and approved updates; incidents without any are left out
    held: tuple[Update, ...]  # due but waiting for approval, or breaking a publication rule
    scheduled: tuple[Update, ...]  # not due yet
    verdicts: Mapping[str, Verdict] = field(default_factory=dict)  # update id → why held
    # What `check` calls a publication error (publication.py), in due and approved updates:
    # content errors of this pass (exit 2), the update held or kept at its published text.
    errors: tuple[Diagnostic, ...] = ()

    def reason(self, u: Update) -> str:
        v = self.verdicts.get(u.id)
        return v.reason if v else f"{u.id}: due but not approved"


def select(config: Config, site: Site, now: datetime, approvals: Approvals | None = None) -> Selection:
    """Due updates whose approval holds for their current text (publisher/approval.py) and
    that break no publication rule (publisher/publication.py)."""
    from publisher.journal import copy_lookup, published_lookup

    approvals = approvals or Approvals(config, copy_lookup(config))
    archive = Archive(config)
    last_published = published_lookup(config)
    incidents, held, scheduled = [], [], []
    verdicts: dict[str, Verdict] = {}
    errors: list[Diagnostic] = []
    for incident in site.incidents:
        keep = []
        for u in incident.updates:
            if u.publish_at > now:
                scheduled.append(u)
                continue
            verdict = approvals.verdict(u)
            if not verdict.ok:
                held.append(u)
                verdicts[u.id] = verdict
                # An edit waits for its approval; what was approved stays published.
                previous = approvals.previous_version(u) if verdict.kind == "void" else None
                if previous is not None:
                    keep.append(previous)
                continue
            broken = problems(config, u, archive)
            if not broken:
                keep.append(u)
                continue
            kept, how = _kept_while_broken(u, last_published(u.id), archive)
            errors += [replace(d, message=f"{d.message}; {how}") for d in broken]
            if kept is not u:
                held.append(u)
                verdicts[u.id] = Verdict(
                    False, "rule", verdict.approver, f"{u.id}: {broken[0].message}; {how}"
                )
            if kept is not None:
                keep.append(kept)
        if keep:
            incidents.append(replace(incident, updates=tuple(keep)))
    return Selection(Site(tuple(incidents)), tuple(held), tuple(scheduled), verdicts, tuple(errors))


def _kept_while_broken(
    u: Update, published: tuple[str, Mapping[str, Any]] | None, archive: Archive
) -> tuple[Update | None, str]:
    """What the public reads while `u` breaks a publication rule, and the words saying so:
    the text that went out last; `u` itself when that is what went out (holding it would
    take a published statement down) or when no copy of the published text is kept; else
    nothing (it was never published: held)."""
    from publisher.approval import restored, text_hash

    current = u.text_digest or text_hash(u)
    if published is not None:
        digest, copy = published
        if digest == current:
            return u, "it stays published as it is"
        previous = restored(u, copy, digest)
        if previous is not None:
            return previous, "held: the text published before stays online"
    if archive.went_out(u):
        return u, "it stays published as edited (no copy of the earlier text is kept): fix it now"
    return None, "held: not published until this is fixed"


def enabled_channels(config: Config) -> list[ChannelConfig]:
    """The configured channels, or the embedded default: the website into [paths] output."""
    if not config.channels:
        return [DEFAULT_CHANNEL]
    return [c for c in config.channels if c.enabled]


def fingerprint(config: Config, selection: Selection) -> str:
    """What the site and every channel's plan are a function of."""
    d = hashlib.sha256(__version__.encode())
    d.update(config.path.read_bytes() if config.path.exists() else b"")
    for incident in selection.site.incidents:
        d.update(f"{incident.id}:{incident.source_hash}\n".encode())
        for u in incident.updates:
            d.update(f"{u.stem}:{u.source_hash}\n".encode())
    for root in (config.dir("locales"), config.dir("templates"), PACKAGE_DIR):
        for path, mtime, size in stat_tree(root, ignore=lambda name: name == "__pycache__"):
            d.update(f"{path}:{size}:{mtime}\n".encode())
    # Files a channel reads besides the content (an e-mail channel's recipient lists): a
    # recipient added to a list must be seen by the next pass.
    for cfg in config.channels:
        for rel in cfg.options.get("lists", ()) if isinstance(cfg.options.get("lists"), list) else ():
            list_path = config.root / str(rel)
            st = list_path.stat() if list_path.is_file() else None
            d.update(f"{rel}:{st.st_size if st else -1}:{st.st_mtime_ns if st else -1}\n".encode())
    return d.hexdigest()[:32]


def idempotency_key(delivery: Delivery) -> str:
    text = f"{delivery.channel}\0{delivery.key}\0{delivery.content_hash}"
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def backoff(attempts: int, retry_after: float | None) -> float:
    delay = min(BACKOFF_BASE * 2 ** max(attempts - 1, 0), BACKOFF_CAP)
    return max(delay, retry_after or 0.0)


class LazyViews(Mapping[str, list["IncidentView"]]):
    """ctx.views, localised only if a channel actually reads them."""

    def __init__(
        self, config: Config, site: Site, now: datetime, ready: dict[str, list[IncidentView]] | None = None
    ) -> None:
        self._args = (config, site, now)
        self._views = ready

    def _get(self) -> dict[str, list[IncidentView]]:
        if self._views is None:
            # Imported here: pages imports Jinja: only when a channel reads the views.
            from publisher.pages import localized

            self._views = localized(*self._args)
        return self._views

    def __getitem__(self, lang: str) -> list[IncidentView]:
        return self._get()[lang]

    def __iter__(self) -> Iterator[str]:
        return iter(self._get())

    def __len__(self) -> int:
        return len(self._get())


class LazyNotes(Mapping[str, Notes]):
    """ctx.corrections' notes when the site was not rebuilt: read from the archive only if a
    channel renders them (the every-minute pass usually plans nothing)."""

    def __init__(self, config: Config, site: Site, now: datetime) -> None:
        self._args = (config, site, now)
        self._notes: Mapping[str, Notes] | None = None

    def _get(self) -> Mapping[str, Notes]:
        if self._notes is None:
            # Imported here: corrections renders pages (Jinja), which the cron path rarely needs.
            from publisher.corrections import prepare
            from publisher.pages import visible

            config, site, now = self._args
            self._notes = prepare(config, visible(site, now), now, archive=False).notes
        return self._notes

    def __getitem__(self, update_id: str) -> Notes:
        return self._get()[update_id]

    def __iter__(self) -> Iterator[str]:
        return iter(self._get())

    def __len__(self) -> int:
        return len(self._get())


def crash_hook(point: str, channel: str) -> None:
    """Test-only: die by SIGKILL at `point` (see the module docstring)."""
    wanted = os.environ.get("PUBLISHER_TEST_CRASH_AT")
    if not wanted:
        return
    where, _, only = wanted.partition(":")
    if where == point and (not only or only == channel):
        os.kill(os.getpid(), signal.SIGKILL)


@dataclass
class Job:
    config: Config
    loaded: LoadResult
    now: datetime
    log: Log
    dry_run: bool = False
    retry: bool = False
    replan: bool = False
    # How a person resolved drift at the remote end: "overwrite" (publisher's version),
    # "adopt" (keep the remote one), or None (report it and wait).
    remote_decision: str | None = None
    # --now given on the command line (a drill, a test), and --rewind: see _refuse_going_back.
    pretend: bool = False
    rewind: bool = False
    report: Report = field(default_factory=Report)
    secrets: list[str] = field(default_factory=list)

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "[redacted]")
        return text

    # -- the pass --------------------------------------------------------------------------

    def run(self) -> Report:
        started = time.perf_counter()
        for d in [*self.loaded.diagnostics, *template_problems(self.config)]:
            self.report.diagnostics.append(d)
            self.log.diagnostic(d)
        selection = select(self.config, self.loaded.site, self.now)
        for d in selection.errors:
            self.report.diagnostics.append(d)
            self.log.diagnostic(d)
        for u in selection.held:
            self.report.held.append((u.id, u.path))
            self.log.held(u.id, u.path, selection.reason(u))
        channels = enabled_channels(self.config)
        self.secrets = secrets_of(channels)
        fp = fingerprint(self.config, selection)
        if self.dry_run:
            ledger = open_readonly(self.config.ledger_path)
            with tempfile.TemporaryDirectory(prefix="publisher-dry-run-") as tmp:
                self._deliver_all(channels, selection, fp, ledger, Path(tmp) / "site")
        else:
            with Ledger(self.config.ledger_path) as ledger:
                self._refuse_going_back(ledger)
                self._record_holds(ledger, selection)
                self._record_approvals(ledger, selection)
                self._deliver_all(channels, selection, fp, ledger, self.state_dir / "site")
                last = ledger.meta(LAST_NOW)
                if last is None or self.now > datetime.fromisoformat(last):
                    ledger.set_meta(LAST_NOW, self.now.isoformat())
        self.log.summary(self.report, time.perf_counter() - started)
        return self.report

    def _refuse_going_back(self, ledger: Ledger) -> None:
        """A `--now` earlier than the last live pass would take the live site back in time:
        every update published since disappears (a drill run against production). Refused
        unless `--rewind` says so; `--dry-run` changes nothing and is always allowed."""
        last = ledger.meta(LAST_NOW)
        if not self.pretend or self.rewind or last is None:
            return
        previous = datetime.fromisoformat(last)
        if self.now >= previous:
            return
        from publisher.errors import UsageError

        local = previous.astimezone(self.config.zone).isoformat(timespec="minutes")
        raise UsageError(
            f"--now is before the last live pass ({local}): publishing would take the live site "
            "back in time and unpublish every update since\n    fix: for a drill, use "
            "`publisher publish --dry-run --now …` or a separate project (its own state and "
            "output); to really take the site back to that time, add --rewind"
        )

    @property
    def state_dir(self) -> Path:
        return self.config.state_dir

    def _deliver_all(
        self,
        channels: list[ChannelConfig],
        selection: Selection,
        fp: str,
        ledger: Ledger | None,
        site_dir: Path,
    ) -> None:
        views, corrections = self._build(selection, fp, ledger, site_dir)
        ctx = PublishContext(
            self.config, selection.site, self.now, views, site_dir, self.dry_run, corrections
        )
        updates = {u.id: u for i in selection.site.incidents for u in i.updates}
        instances: list[tuple[ChannelConfig, Channel]] = []
        for cfg in channels:
            try:
                instances.append((cfg, make_channel(cfg, self.config)))
            except Exception as exc:  # a broken channel must not stop the others
                self._channel_error(cfg.name, f"could not start: {exc}")
        instances.sort(key=lambda pair: DELIVERY_ORDER[pair[1].kind])  # stable: config order within a kind
        waits = waits_for(instances)
        succeeded: dict[str, bool] = {}
        for cfg, channel in dependency_order(instances, waits):
            blocked = [name for name in waits[cfg.name] if not succeeded.get(name, False)]
            if blocked:
                # Its posts would link to pages that are not there: nothing is sent, and the
                # next run tries again (the deploy's own failure says why it failed).
                self._channel_error(
                    cfg.name,
                    f"waits for {', '.join(blocked)} to be delivered in the same pass (its links "
                    "point there); nothing was sent, the next run tries again. Set "
                    f"[channels.{cfg.name}] after = [] to send without waiting",
                )
                succeeded[cfg.name] = False
                continue
            channel_pass = ChannelPass(self, cfg.name, channel, ledger, fp)
            channel_pass.run(ctx, updates)
            succeeded[cfg.name] = channel_pass.all_done

    def _build(
        self, selection: Selection, fp: str, ledger: Ledger | None, site_dir: Path
    ) -> tuple[Mapping[str, list[IncidentView]], Corrections]:
        if (
            ledger is not None
            and not self.dry_run
            and site_dir.is_dir()
            and ledger.meta("site_fingerprint") == fp
        ):
            lazy = LazyNotes(self.config, selection.site, self.now)
            return LazyViews(self.config, selection.site, self.now), Corrections(lazy)
        # Imported here: the build (Jinja, Markdown) only when inputs changed (rare on cron).
        from publisher.site import build

        config = self.config
        if self.dry_run:
            # A dry run writes nothing under the state dir: any cache a build step keeps
            # goes to the throwaway directory next to the throwaway site.

            paths = {**config.raw["paths"], "state": str(site_dir.parent / "state")}
            config = replace(config, raw={**config.raw, "paths": paths})
        built = build(config, selection.site, self.now, output=site_dir, use_cache=not self.dry_run)
        if ledger is not None and not self.dry_run:
            ledger.set_meta("site_fingerprint", fp)
        return LazyViews(self.config, selection.site, self.now, built.views), built.corrections

    def _record_approvals(self, ledger: Ledger, selection: Selection) -> None:
        """Audit: who approved each version of an update, the first time it goes out."""
        if ledger.meta("approvals_fingerprint") == fingerprint_updates(selection):
            return
        seen = {
            (r["update_id"], r["content_hash"])
            for r in ledger.db.execute("SELECT update_id, content_hash FROM audit WHERE event = 'approved'")
        }
        from publisher.approval import snapshot, text_hash
        from publisher.journal import JOB, append

        published = {
            (r[0], r[1])
            for r in ledger.db.execute("SELECT update_id, text_hash FROM journal WHERE event = 'publish'")
        }
        for incident in selection.site.incidents:
            for u in incident.updates:
                h = u.text_digest or text_hash(u)
                if (u.id, h) not in published:
                    # Main courante, with a copy of the text: the version the public reads,
                    # kept published while a later edit waits for approval.
                    append(
                        ledger,
                        "publish",
                        JOB,
                        update_id=u.id,
                        text_hash=h,
                        detail=f"published {u.path} (approved by {u.approved_by or 'nobody'})",
                        data={"text": snapshot(u), "approved_by": u.approved_by},
                    )
                    published.add((u.id, h))
                if (u.id, u.source_hash) not in seen:
                    ledger.audit(
                        "approved",
                        update_id=u.id,
                        lang=u.lang,
                        content_hash=u.source_hash,
                        approved_by=u.approved_by,
                        result="published",
                        detail=u.path,
                    )
        ledger.set_meta("approvals_fingerprint", fingerprint_updates(selection))

    def _record_holds(self, ledger: Ledger, selection: Selection) -> None:
        """Main courante: an approval found void, or an update held, once per text."""
        from publisher.approval import text_hash
        from publisher.journal import JOB, append, seen

        for u in selection.held:
            verdict = selection.verdicts.get(u.id)
            if verdict is None:
                continue
            current = u.text_digest or text_hash(u)
            event = "void" if verdict.kind == "void" else "held"
            if seen(ledger, event, u.id, current, verdict.kind):
                continue
            append(
                ledger,
                event,
                JOB,
                update_id=u.id,
                text_hash=current,
                detail=f"{verdict.kind}: {verdict.reason}",
                data={"approved_by": verdict.approver, "changed": list(verdict.changed)},
            )

    def _channel_error(self, channel: str, error: str) -> None:
        error = self.redact(error)
        self.report.channel_errors.append((channel, error))
        self.log.channel_error(channel, error)

    def outcome(self, o: Outcome) -> None:
        if o.error:
            o.error = self.redact(o.error)
        self.report.outcomes.append(o)
        self.log.outcome(o)


def waits_for(instances: list[tuple[ChannelConfig, Channel]]) -> dict[str, tuple[str, ...]]:
    """For each channel, the channels that must succeed first in a pass: `after` when the
    config says, else every channel that hosts the static site (for all but those)."""
    hosts = tuple(cfg.name for cfg, channel in instances if channel.hosts_site)
    return {
        cfg.name: cfg.after if cfg.after is not None else () if channel.hosts_site else hosts
        for cfg, channel in instances
    }


def dependency_order(
    instances: list[tuple[ChannelConfig, Channel]], waits: Mapping[str, tuple[str, ...]]
) -> list[tuple[ChannelConfig, Channel]]:
    """`instances` with every channel after those it waits for (otherwise in the given order).
    A channel in a cycle, or waiting for a disabled one, comes last and is reported blocked."""
    ordered: list[tuple[ChannelConfig, Channel]] = []
    placed: set[str] = set()
    pending = list(instances)
    while pending:
        ready = [pair for pair in pending if all(n in placed for n in waits[pair[0].name])]
        if not ready:
            ordered.extend(pending)
            break
        first = ready[0]
        ordered.append(first)
        placed.add(first[0].name)
        pending.remove(first)
    return ordered


def fingerprint_updates(selection: Selection) -> str:
    d = hashlib.sha256()
    for incident in selection.site.incidents:
        for u in incident.updates:
            d.update(f"{u.id}:{u.source_hash}\n".encode())
    return d.hexdigest()[:32]


def secrets_of(channels: list[ChannelConfig]) -> list[str]:
    """Values of the environment variables channels name (options ending in `_env`)."""
    found = []
    for cfg in channels:
        for key, value in cfg.options.items():
            if key.endswith("_env") and isinstance(value, str):
                secret = os.environ.get(value, "")
                if len(secret) >= 4:
                    found.append(secret)
    return found


class ChannelPass:
    """Everything one channel does in one pass."""

    def __init__(self, job: Job, name: str, channel: Channel, ledger: Ledger | None, fp: str) -> None:
        self.job, self.name, self.channel, self.ledger, self.fp = job, name, channel, ledger, fp
        self.all_done = True

    def outcome(self, action: str, row: Row | Delivery, **extra: Any) -> None:
        fields: dict[str, Any] = {"update_id": row.update_id, "lang": row.lang, "summary": row.summary}
        if isinstance(row, Row):
            fields.update(remote_id=row.remote_id, url=row.url, attempts=row.attempts)
        fields.update(extra)
        o = Outcome(action, self.name, row.key, **fields)
        if o.failed:
            self.all_done = False
        self.job.outcome(o)

    def run(self, ctx: PublishContext, updates: Mapping[str, Update]) -> None:
        ledger = self.ledger
        if ledger is not None and not self.job.dry_run and not self.job.replan:
            open_rows = ledger.in_state(self.name, "pending", "sending", "failed", "gave_up")
            if (
                not open_rows
                and ledger.pass_fingerprint(self.name) == self.fp
                and not self.live_damaged(ledger)
            ):
                self.job.report.skipped.append(self.name)
                return
        if ledger is not None and not self.job.dry_run and not self.reconcile_in_flight(ledger):
            self.all_done = False
            return
        reported = len(ctx.problems)
        try:
            planned = [d for d in self.channel.plan(ctx) if allowed(d, self.name, updates)]
        except Exception as exc:
            self.all_done = False
            self.job._channel_error(self.name, f"could not plan deliveries: {exc}")
            if ledger is not None and not self.job.dry_run:
                ledger.set_pass_fingerprint(self.name, None)
            return
        finally:
            for problem in ctx.problems[reported:]:
                self.job.report.diagnostics.append(problem)
                self.job.log.diagnostic(problem)
        for delivery in planned:
            update = updates.get(delivery.update_id) if delivery.update_id else None
            approved = update.approved_by if update is not None else None
            self.deliver(delivery, approved)
        if ledger is not None:
            keys = {d.key for d in planned}
            push = self.channel.kind == "push"
            planned_updates = {d.update_id for d in planned}
            told: set[str | None] = set()
            removed = []
            for row in ledger.current(self.name):
                last = ledger.last_delivered(self.name, row.key)
                if row.key in keys or last is None:
                    continue
                if push and (row.update_id in planned_updates or row.update_id in told):
                    # A message once sent cannot be taken back: a recipient who left a list
                    # is nothing to report, and a removed update is one line, not one a recipient.
                    continue
                told.add(row.update_id)
                removed.append(row.key)
                self.job.report.removed.append((self.name, row.key, last.url))
                self.job.log.removed(self.name, row.key, last.url, sent=push)
            if not self.job.dry_run:
                ledger.set_meta(f"removed:{self.name}", json.dumps(removed))
                ledger.set_pass_fingerprint(self.name, self.fp if self.all_done else None)

    def reconcile_in_flight(self, ledger: Ledger) -> bool:
        """Rows a crash left in `sending`: ask the remote before anything new is sent."""
        for row in ledger.in_state(self.name, "sending"):
            if not self.reconcile(ledger, row):
                self.job._channel_error(
                    self.name,
                    "a delivery interrupted by a crash could not "
                    "be checked; nothing else is sent on this channel until "
                    "it can be (see the line above)",
                )
                return False
        return True

    def reconcile(self, ledger: Ledger, row: Row) -> bool:
        """True when the row is settled (found and completed, or known not to have arrived)."""
        try:
            receipt = self.channel.reconcile(row.delivery(), row.idempotency_key)
        except Exception as exc:
            # Asking the remote failed: that is an attempt too, or a server that stays down
            # would be retried every minute forever (backoff counts every failure path).
            self.fail(ledger, row, exc, attempts=row.attempts + 1)
            return False
        if receipt is not None:
            row = ledger.complete(row, receipt)
            unknown = receipt.extra.get("outcome") == "unknown"
            ledger.audit(
                "reconciled",
                row,
                result="unknown" if unknown else "found",
                detail=str(receipt.extra.get("note", ""))
                or "an interrupted delivery had arrived; recorded without sending again",
            )
            self.outcome("unknown" if unknown else "reconciled", row, note=receipt.extra.get("note"))
        else:
            ledger.mark_pending(row)
            ledger.audit(
                "reconciled",
                row,
                result="not found",
                detail="an interrupted delivery had not arrived; it will be sent",
            )
        return True

    def deliver(self, d: Delivery, approved_by: str | None) -> None:
        ledger, job = self.ledger, self.job
        cur = ledger.latest(self.name, d.key) if ledger else None
        row: Row | None = None
        repair = self.damage(cur) if cur is not None and cur.state == "delivered" else None
        if repair is not None:
            cur = None  # delivered again in a new row: the damaged copy is publisher's own
        if cur is not None and cur.content_hash == d.content_hash:
            if cur.state == "delivered":
                self.outcome("unchanged", cur)
                return
            if cur.state == "rolled_back":
                self.outcome("rolled-back", cur)
                return
            waiting = cur.next_attempt_at is not None and cur.next_attempt_at > job.now
            if cur.state == "gave_up" and not job.retry:
                self.outcome("gave-up", cur, error=cur.last_error)
                return
            if cur.state == "failed" and waiting and not job.retry:
                self.outcome("waiting", cur, error=cur.last_error, next_attempt=_iso(cur.next_attempt_at))
                return
            row = cur
        if job.dry_run or ledger is None:
            previous = ledger.last_delivered(self.name, d.key) if ledger else None
            edit = previous is not None and self.channel.can_edit
            action = "would-retry" if row else "would-edit" if edit else "would-create"
            self.outcome(action, d, url=previous.url if previous else None)
            return
        if row is None and cur is not None and cur.state not in ("delivered", "superseded", "rolled_back"):
            # An older version never completed. If it may have arrived, find out first, so
            # the new version edits that object instead of creating a second one.
            if cur.attempts > 0 and not self.reconcile(ledger, cur):
                return
            cur = ledger.get(cur.id)
            if cur.state != "delivered":
                ledger.supersede(cur)
        if row is None:
            row = ledger.record(d, idempotency_key(d), approved_by)
        elif row.attempts > 0:
            if not self.reconcile(ledger, row):
                return
            row = ledger.get(row.id)
            if row.state == "delivered":
                return
        self.send(ledger, row, d, repair)

    def send(self, ledger: Ledger, row: Row, d: Delivery, repair: str | None = None) -> None:
        """repair: what was wrong with the live copy that this delivery replaces."""
        last = ledger.last_delivered(self.name, d.key)
        previous: Receipt | None = last.receipt() if last else None
        if previous is not None and not repair and not self.drift_settled(ledger, row, previous):
            return
        row = ledger.mark_sending(row)  # committed: the outbox write
        crash_hook("before_send", self.name)
        try:
            receipt = self.channel.send(d, previous, row.idempotency_key)
        except Exception as exc:
            self.fail(ledger, row, exc)
            return
        crash_hook("after_send", self.name)
        row = ledger.complete(row, receipt)
        # A channel that cannot edit made a new remote object, even with `previous` given.
        action = "edited" if previous is not None and self.channel.can_edit else "created"
        if receipt.adopted:
            action = "adopted"
        elif repair:
            action = "redeployed"
        elif receipt.extra.get("outcome") == "unknown":
            # The remote may or may not have it (a connection dropped after the message went
            # out) and cannot be asked: recorded so it is never sent twice, and said loudly.
            action = "unknown"
        note = receipt.extra.get("note")
        ledger.audit("sent", row, result=action, detail=repair or str(note or ""))
        self.outcome(action, row, error=repair, note=note)

    # -- what the ledger does not know -----------------------------------------------------

    def damage(self, row: Row) -> str | None:
        """For a channel that checks on every pass: what is wrong with a delivered copy."""
        if self.channel.drift_check != "every_pass" or self.job.dry_run:
            return None
        receipt = row.receipt()
        return self.channel.drift(receipt) if receipt is not None else None

    def live_damaged(self, ledger: Ledger) -> bool:
        return any(self.damage(r) for r in ledger.in_state(self.name, "delivered"))

    def drift_settled(self, ledger: Ledger, row: Row, previous: Receipt) -> bool:
        """Before an edit: was the object changed or removed at the remote end by someone?

        Never silently overwritten nor resurrected: the edit waits for a person, who says
        which way with `publish --overwrite-remote` or `--adopt-remote` (both audited)."""
        if self.channel.drift_check != "before_edit":
            return True
        try:
            drift = self.channel.drift(previous)
        except Exception as exc:
            self.fail(ledger, row, exc, attempts=row.attempts + 1)
            return False
        if drift is None:
            return True
        decision = self.job.remote_decision
        if decision == "overwrite":
            ledger.audit("drift", row, result="overwritten", detail=f"{drift}; publisher's version written")
            return True
        if decision == "adopt":
            row = ledger.complete(row, previous)
            detail = f"{drift}; left as it is at the remote end"
            ledger.audit("drift", row, result="kept remote", detail=detail)
            self.outcome("kept-remote", row)
            return False
        message = self.job.redact(
            f"{drift} since publisher last wrote it ({previous.url or previous.remote_id}); nothing "
            "was sent. Run `publisher publish --overwrite-remote` to write publisher's version, "
            "or `publisher publish --adopt-remote` to keep the remote one [needs a person]"
        )
        attempts = row.attempts + 1
        gave_up = attempts >= self.job.config.max_attempts
        next_at = None if gave_up else self.job.now + timedelta(seconds=backoff(attempts, None))
        row = ledger.fail(row, message, next_at, gave_up, attempts)
        ledger.audit("drift", row, result="reported", detail=message)
        self.outcome("drift", row, error=message, next_attempt=_iso(next_at))
        return False

    def fail(self, ledger: Ledger, row: Row, exc: Exception, attempts: int | None = None) -> None:
        """Record a failed attempt; `attempts` when the failure was not counted by mark_sending."""
        if isinstance(exc, DeliveryError):
            exc.at(self.name, row.key)
            message, retry_after = str(exc), exc.retry_after
            kind = "temporary" if exc.transient else "needs a person"
        else:
            message, retry_after, kind = f"{type(exc).__name__}: {exc}", None, "unexpected"
        message = self.job.redact(f"{message} [{kind}]")
        attempts = max(row.attempts if attempts is None else attempts, 1)
        gave_up = attempts >= self.job.config.max_attempts
        next_at = None if gave_up else self.job.now + timedelta(seconds=backoff(attempts, retry_after))
        row = ledger.fail(row, message, next_at, gave_up, attempts)
        ledger.audit("failed", row, result="gave up" if gave_up else "will retry", detail=message)
        self.outcome("gave-up" if gave_up else "failed", row, error=message, next_attempt=_iso(next_at))


def allowed(d: Delivery, channel: str, updates: Mapping[str, Update]) -> bool:
    """An update's own `channels:` list, when it has one, limits where it goes."""
    u = updates.get(d.update_id) if d.update_id else None
    return u is None or u.channels is None or channel in u.channels


def _iso(dt: datetime | None) -> str | None:
    return iso(dt)


def run_pass(
    config: Config,
    loaded: LoadResult,
    now: datetime,
    log: Log,
    *,
    dry_run: bool = False,
    retry: bool = False,
    replan: bool = False,
    remote_decision: str | None = None,
    pretend: bool = False,
    rewind: bool = False,
) -> Report:
    # A decision about drift is for now: the deliveries it concerns wait for their backoff.
    retry = retry or remote_decision is not None
    return Job(
        config,
        loaded,
        now,
        log,
        dry_run=dry_run,
        retry=retry,
        replan=replan,
        remote_decision=remote_decision,
        pretend=pretend,
        rewind=rewind,
    ).run()


def check_channels(config: Config, loaded: LoadResult, now: datetime) -> list[Diagnostic]:
    """`publisher check`: each enabled channel's own check(), whatever its kind (a password
    variable unset, a target that is a file, a post too long for its network...).

    The context holds every update that will be published, scheduled ones included (a post
    that will not fit tomorrow is reported today); views are localised only if a channel
    reads them. A channel that cannot be started was already reported by the config loader."""
    found: list[Diagnostic] = []
    latest = max((u.publish_at for i in loaded.site.incidents for u in i.updates), default=now)
    until = max(now, latest)
    ctx = PublishContext(
        config,
        loaded.site,
        until,
        LazyViews(config, loaded.site, until),
        config.dir("output"),
        dry_run=True,
        corrections=Corrections(LazyNotes(config, loaded.site, until)),
    )
    for cfg in enabled_channels(config):
        try:
            channel = make_channel(cfg, config)
        except Exception:
            continue  # config validation already reported it
        found.extend(channel.check(ctx))
    return found
