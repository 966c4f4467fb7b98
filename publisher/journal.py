"""The main courante: an append-only action log of the crisis, in the ledger.

ANSSI's crisis guide asks the cell to keep, from the first minute, a log where every entry
has a date and time, who acted, and what was done. Commands append here (draft, approval,
fast-path approval, correction, retraction) and so does the publishing job (a void approval,
an update held); what the job sent to each channel is already in the ledger's ``audit``
table, and :func:`entries` reads both into one timeline. Entries are never rewritten: the
table has triggers that refuse UPDATE and DELETE.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from publisher.config import Config
from publisher.ledger import Ledger, iso, open_readonly, parse_iso, wall_clock

T = TypeVar("T")

JOB = "publisher publish"  # the actor of what the scheduled job does

# audit events (ledger.py) → journal wording
AUDIT_EVENTS = {"approved": "publish", "sent": "channel", "failed": "channel", "reconciled": "channel"}


@dataclass(frozen=True)
class Entry:
    at: datetime
    event: str
    actor: str
    incident_id: str | None
    update_id: str | None
    target: str  # the update, or a channel for a channel result
    detail: str
    text_hash: str | None = None
    data: Mapping[str, Any] = field(default_factory=dict)

    def as_dict(self, config: Config) -> dict[str, Any]:
        return {
            "at": iso(self.at),
            "local_time": local(config, self.at),
            "event": self.event,
            "actor": self.actor,
            "incident": self.incident_id,
            "update": self.update_id,
            "target": self.target,
            "detail": self.detail,
        }


def local(config: Config, at: datetime) -> str:
    return at.astimezone(config.zone).strftime("%Y-%m-%d %H:%M:%S %z")


@contextmanager
def writing(config: Config) -> Iterator[Ledger]:
    with Ledger(config.ledger_path) as ledger:
        yield ledger


def append(
    ledger: Ledger,
    event: str,
    actor: str,
    *,
    update_id: str | None = None,
    incident_id: str | None = None,
    text_hash: str | None = None,
    detail: str = "",
    data: Mapping[str, Any] | None = None,
) -> None:
    if incident_id is None and update_id:
        incident_id = update_id.split("/", 1)[0]
    with ledger._tx():
        ledger.db.execute(
            "INSERT INTO journal (at, event, actor, incident_id, update_id, text_hash, detail, data, "
            "audit_seq) VALUES (?,?,?,?,?,?,?,?,(SELECT COALESCE(MAX(id), 0) FROM audit))",
            (
                iso(wall_clock()),
                event,
                actor,
                incident_id,
                update_id,
                text_hash,
                detail,
                json.dumps(dict(data or {}), sort_keys=True, ensure_ascii=False, default=str),
            ),
        )


def record(config: Config, event: str, actor: str, **fields: Any) -> None:
    """Append one entry to the project's ledger (created if it does not exist yet)."""
    with writing(config) as ledger:
        append(ledger, event, actor, **fields)


def seen(ledger: Ledger, event: str, update_id: str, text_hash: str, kind: str = "") -> bool:
    row = ledger.db.execute(
        "SELECT 1 FROM journal WHERE event = ? AND update_id = ? AND text_hash = ? AND detail LIKE ? LIMIT 1",
        (event, update_id, text_hash, f"{kind}%"),
    ).fetchone()
    return row is not None


def approved_copy(ledger: Ledger, update_id: str, text_hash: str) -> Mapping[str, Any] | None:
    """The text as it was approved (the journal keeps a copy with each approval)."""
    row = ledger.db.execute(
        "SELECT data FROM journal WHERE event IN ('approve', 'fast-path', 'draft', 'publish') "
        "AND update_id = ? AND text_hash = ? ORDER BY id DESC LIMIT 1",
        (update_id, text_hash),
    ).fetchone()
    if row is not None:
        text = json.loads(row[0] or "{}").get("text")
        return text if isinstance(text, dict) else None
    # `publisher correct` keeps the text it replaced: the approved one, when it was.
    from publisher.approval import snapshot_hash

    for (data,) in ledger.db.execute(
        "SELECT data FROM journal WHERE event = 'correct' AND update_id = ? ORDER BY id DESC", (update_id,)
    ):
        before = json.loads(data or "{}").get("before")
        if isinstance(before, dict) and snapshot_hash(before) == text_hash:
            return before
    return None


def _read_journal(config: Config, read: Callable[[Ledger], T]) -> T | None:
    """`read(ledger)` on the ledger opened read-only for one lookup, or None when there is no
    ledger, it cannot be opened, or it predates the journal (migration 4)."""
    try:
        ledger = open_readonly(config.ledger_path)
    except Exception:
        return None
    if ledger is None:
        return None
    try:
        return read(ledger) if ledger.version >= 4 else None
    finally:
        ledger.close()


def copy_lookup(config: Config) -> Callable[[str, str], Mapping[str, Any] | None]:
    """approved_copy() for approval.Approvals, opening the ledger only when asked."""

    def lookup(update_id: str, text_hash: str) -> Mapping[str, Any] | None:
        return _read_journal(config, lambda ledger: approved_copy(ledger, update_id, text_hash))

    return lookup


def published_copy(ledger: Ledger, update_id: str) -> tuple[str, Mapping[str, Any]] | None:
    """(text hash, copy) of the text of `update_id` that went out last."""
    row = ledger.db.execute(
        "SELECT text_hash, data FROM journal WHERE event = 'publish' AND update_id = ? "
        "ORDER BY id DESC LIMIT 1",
        (update_id,),
    ).fetchone()
    if row is None:
        return None
    text = json.loads(row[1] or "{}").get("text")
    return (str(row[0]), text) if isinstance(text, dict) else None


def published_lookup(config: Config) -> Callable[[str], tuple[str, Mapping[str, Any]] | None]:
    """published_copy() for publish.select, opening the ledger only when asked (rarely: an
    update breaking a publication rule)."""

    def lookup(update_id: str) -> tuple[str, Mapping[str, Any]] | None:
        return _read_journal(config, lambda ledger: published_copy(ledger, update_id))

    return lookup


def approval_of(ledger: Ledger, update_id: str, text_hash: str) -> tuple[str, datetime | None] | None:
    """(approver, when) of the approval recorded for exactly this text, if any."""
    row = ledger.db.execute(
        "SELECT actor, at FROM journal WHERE event IN ('approve', 'fast-path') AND update_id = ? "
        "AND text_hash = ? ORDER BY id DESC LIMIT 1",
        (update_id, text_hash),
    ).fetchone()
    return None if row is None else (str(row[0]), parse_iso(row[1]))


def entries(
    ledger: Ledger,
    incident: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[Entry]:
    """Journal and channel results in time order (filters: incident id, [since, until))."""
    # Times have one-second resolution: within a second, a journal entry sorts after the
    # audit rows that existed when it was written (audit_seq) and before the later ones.
    found: list[tuple[str, int, int, int, Entry]] = []
    if ledger.version >= 4:
        for r in ledger.db.execute("SELECT * FROM journal ORDER BY id"):
            at = parse_iso(r["at"])
            assert at is not None
            entry = Entry(
                at,
                r["event"],
                r["actor"],
                r["incident_id"],
                r["update_id"],
                r["update_id"] or r["incident_id"] or "",
                r["detail"],
                r["text_hash"],
                json.loads(r["data"] or "{}"),
            )
            found.append((r["at"], int(r["audit_seq"]), 1, int(r["id"]), entry))
    # Ledgers written before the journal said "published" only in the audit table.
    has_publish = (
        ledger.version >= 4
        and ledger.db.execute("SELECT 1 FROM journal WHERE event = 'publish' LIMIT 1").fetchone()
    )
    for r in ledger.db.execute("SELECT * FROM audit ORDER BY id"):
        if r["event"] == "approved" and has_publish:
            continue
        event = AUDIT_EVENTS.get(r["event"], r["event"])
        at = parse_iso(r["at"])
        assert at is not None
        update_id = r["update_id"]
        if r["event"] == "approved":
            detail = f"published (approved by {r['approved_by'] or 'nobody'})"
            target = update_id or ""
        else:
            detail = f"{r['event']} {r['result'] or ''}".strip()
            if r["lang"]:
                detail += f" [{r['lang']}]"
            if r["url"]:
                detail += f" {r['url']}"
            if r["event"] == "failed" and r["detail"]:
                detail += f": {r['detail']}"
            target = f"{r['channel']}:{r['key']}" if r["channel"] else (update_id or "")
        entry = Entry(
            at,
            event,
            JOB,
            update_id.split("/", 1)[0] if update_id else None,
            update_id,
            target,
            detail,
            r["content_hash"],
        )
        found.append((r["at"], int(r["id"]), 0, 0, entry))
    found.sort(key=lambda t: t[:4])
    out = []
    for *_key, e in found:
        if incident and e.incident_id != incident and not (e.target or "").startswith(incident):
            continue
        if since and e.at < since:
            continue
        if until and e.at >= until:
            continue
        out.append(e)
    return out


# -- exports (publisher log) ----------------------------------------------------------------

COLUMNS = ("local_time", "event", "actor", "target", "detail", "at", "incident", "update")


def as_rows(config: Config, found: list[Entry]) -> list[dict[str, Any]]:
    rows = []
    for e in found:
        row = e.as_dict(config)
        row["actor"] = _who(config, e.actor)
        rows.append(row)
    return rows


def _who(config: Config, actor: str) -> str:
    return actor if actor == JOB else config.people.shown(actor)


def as_text(config: Config, found: list[Entry]) -> str:
    lines = []
    for row in as_rows(config, found):
        lines.append(
            f"{row['local_time']}  {row['event']:<9} {row['actor']:<28} {row['target']}  {row['detail']}"
        )
    return "\n".join(lines)


def as_csv(config: Config, found: list[Entry]) -> str:
    import csv
    import io

    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=COLUMNS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in as_rows(config, found):
        # A spreadsheet runs a cell starting with = + - @ as a formula: quote it as text.
        writer.writerow({k: _cell(v) for k, v in row.items()})
    return buf.getvalue()


def _cell(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def as_json(config: Config, found: list[Entry]) -> str:
    return json.dumps(as_rows(config, found), ensure_ascii=False, indent=1)


def as_html(config: Config, found: list[Entry], scope: str) -> str:
    from pathlib import Path

    from jinja2 import Environment, FileSystemLoader, select_autoescape

    package = Path(__file__).resolve().parent
    override = config.dir("templates") / "static" / "style.css"
    css = (override if override.exists() else package / "static" / "style.css").read_text(encoding="utf-8")
    env = Environment(
        loader=FileSystemLoader(str(package / "templates")),
        autoescape=select_autoescape(default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env.get_template("journal/log.html").render(
        lang="en",
        css=css,
        organisation=str(config.get("site", "organisation") or config.site_title),
        scope=scope,
        zone=config.zone.key,
        printed=local(config, wall_clock()),
        entries=as_rows(config, found),
    )
