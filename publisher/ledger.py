"""The ledger: what was delivered where, in SQLite (outbox rows + append-only audit log).

One row per *version* of a delivery: (channel, key, content hash). The newest row of a
(channel, key) says where that remote object stands; the newest ``delivered`` row holds the
receipt an edit must target. A row is committed in state ``sending`` **before** the remote
call and completed after it, so a crash in between leaves a row the next run reconciles.

States::

    pending     recorded, not attempted yet (or an interrupted attempt that never arrived)
    sending     a remote call is (or was, if we crashed) in flight
    delivered   done: remote id and URL recorded
    failed      the last attempt failed; retried once next_attempt_at has passed
    gave_up     failed max_attempts times; `publisher publish --retry` tries again
    superseded  content changed before this version was delivered; the newer row carries on
    rolled_back `publisher rollback` took this version off the site; not redeployed until
                the content changes again

Schema: idempotent DDL in numbered migrations (``PRAGMA user_version`` counts those applied).
Times are ISO 8601 UTC strings. Secrets never reach this file: channels put only what they
send (payload) and what they got back (receipt) here.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from publisher.channels.base import Delivery, Receipt
from publisher.errors import LedgerError
from publisher.timeutil import iso_utc

MIGRATIONS: list[str] = [
    # 1: outbox rows and the audit log.
    """
    CREATE TABLE IF NOT EXISTS deliveries (
        id INTEGER PRIMARY KEY,
        channel TEXT NOT NULL,
        key TEXT NOT NULL,
        update_id TEXT,
        lang TEXT,
        content_hash TEXT NOT NULL,
        idempotency_key TEXT NOT NULL,
        state TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at TEXT,
        remote_id TEXT,
        url TEXT,
        extra TEXT NOT NULL DEFAULT '{}',
        last_error TEXT,
        summary TEXT NOT NULL DEFAULT '',
        payload TEXT NOT NULL DEFAULT '{}',
        approved_by TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        delivered_at TEXT
    );
    CREATE INDEX IF NOT EXISTS deliveries_by_key ON deliveries (channel, key, id);
    CREATE INDEX IF NOT EXISTS deliveries_by_state ON deliveries (state);
    CREATE TABLE IF NOT EXISTS audit (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        event TEXT NOT NULL,
        channel TEXT,
        key TEXT,
        update_id TEXT,
        lang TEXT,
        content_hash TEXT,
        approved_by TEXT,
        remote_id TEXT,
        url TEXT,
        result TEXT,
        detail TEXT
    );
    CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
    CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
    """,
    # 2: the every-minute shortcut: inputs fingerprint of each channel's last complete pass,
    # and small key/value state (the site build's fingerprint).
    """
    CREATE TABLE IF NOT EXISTS channel_passes (
        channel TEXT PRIMARY KEY,
        fingerprint TEXT NOT NULL,
        at TEXT NOT NULL
    );
    CREATE TABLE IF NOT EXISTS meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    """,
    # 3: what a push channel (e-mail) has seen, and when: a recipient added to a list later
    # receives only the updates first seen in the same pass or after (generation numbers).
    """
    CREATE TABLE IF NOT EXISTS seen (
        channel TEXT NOT NULL,
        kind TEXT NOT NULL,
        name TEXT NOT NULL,
        generation INTEGER NOT NULL,
        at TEXT NOT NULL,
        PRIMARY KEY (channel, kind, name)
    );
    """,
    # 4: the journal (main courante): every draft, approval, void, publication, correction
    # and retraction, with who did it (publisher/journal.py). Append-only like the audit.
    """
    CREATE TABLE IF NOT EXISTS journal (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        event TEXT NOT NULL,
        actor TEXT NOT NULL,
        incident_id TEXT,
        update_id TEXT,
        text_hash TEXT,
        detail TEXT NOT NULL DEFAULT '',
        data TEXT NOT NULL DEFAULT '{}',
        audit_seq INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX IF NOT EXISTS journal_by_update ON journal (update_id, event);
    CREATE TRIGGER IF NOT EXISTS journal_no_update BEFORE UPDATE ON journal
        BEGIN SELECT RAISE(ABORT, 'the journal is append-only'); END;
    CREATE TRIGGER IF NOT EXISTS journal_no_delete BEFORE DELETE ON journal
        BEGIN SELECT RAISE(ABORT, 'the journal is append-only'); END;
    """,
]


def iso(dt: datetime | None) -> str | None:
    return None if dt is None else iso_utc(dt)


def parse_iso(text: str | None) -> datetime | None:
    if not text:
        return None
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


def wall_clock() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Row:
    id: int
    channel: str
    key: str
    update_id: str | None
    lang: str | None
    content_hash: str
    idempotency_key: str
    state: str
    attempts: int
    next_attempt_at: datetime | None
    remote_id: str | None
    url: str | None
    extra: Mapping[str, Any]
    last_error: str | None
    summary: str
    payload: Mapping[str, Any]
    approved_by: str | None
    created_at: datetime | None
    updated_at: datetime | None
    delivered_at: datetime | None

    @classmethod
    def from_sql(cls, r: sqlite3.Row) -> Row:
        return cls(
            id=r["id"],
            channel=r["channel"],
            key=r["key"],
            update_id=r["update_id"],
            lang=r["lang"],
            content_hash=r["content_hash"],
            idempotency_key=r["idempotency_key"],
            state=r["state"],
            attempts=r["attempts"],
            next_attempt_at=parse_iso(r["next_attempt_at"]),
            remote_id=r["remote_id"],
            url=r["url"],
            extra=json.loads(r["extra"] or "{}"),
            last_error=r["last_error"],
            summary=r["summary"],
            payload=json.loads(r["payload"] or "{}"),
            approved_by=r["approved_by"],
            created_at=parse_iso(r["created_at"]),
            updated_at=parse_iso(r["updated_at"]),
            delivered_at=parse_iso(r["delivered_at"]),
        )

    def receipt(self) -> Receipt | None:
        if self.remote_id is None:
            return None
        return Receipt(self.remote_id, self.url, dict(self.extra))

    def delivery(self) -> Delivery:
        """The delivery this row recorded (for reconcile after a crash)."""
        return Delivery(
            self.channel, self.key, self.content_hash, self.payload, self.update_id, self.lang, self.summary
        )


class Ledger:
    """One SQLite connection. Writers are serialised by the publish lock, readers never block."""

    def __init__(self, path: Path, readonly: bool = False) -> None:
        self.path = path
        if readonly:
            self.db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, isolation_level=None)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(str(path), isolation_level=None, timeout=30)
        self.db.row_factory = sqlite3.Row
        if not readonly:
            self.db.execute("PRAGMA journal_mode=WAL")
            # The outbox row must be on disk before the remote call: FULL, not NORMAL.
            self.db.execute("PRAGMA synchronous=FULL")
            self.migrate()
        else:
            self._check_version()

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- schema ----------------------------------------------------------------------------

    @property
    def version(self) -> int:
        return int(self.db.execute("PRAGMA user_version").fetchone()[0])

    def _check_version(self) -> None:
        if self.version > len(MIGRATIONS):
            raise LedgerError(
                f"{self.path}: ledger schema {self.version} was written by a newer publisher "
                f"(this one knows {len(MIGRATIONS)}); upgrade publisher before running it here"
            )

    def migrate(self) -> None:
        self._check_version()
        for number, sql in enumerate(MIGRATIONS, start=1):
            if self.version >= number:
                continue
            # executescript commits first; the DDL is idempotent, so a crash between the
            # script and the version bump is harmless on the next run.
            self.db.executescript(sql)
            self.db.execute(f"PRAGMA user_version = {number}")

    # -- reading ---------------------------------------------------------------------------

    def _rows(self, sql: str, *args: Any) -> list[Row]:
        return [Row.from_sql(r) for r in self.db.execute(sql, args)]

    def get(self, row_id: int) -> Row:
        rows = self._rows("SELECT * FROM deliveries WHERE id = ?", row_id)
        if not rows:
            raise KeyError(row_id)
        return rows[0]

    def latest(self, channel: str, key: str) -> Row | None:
        rows = self._rows(
            "SELECT * FROM deliveries WHERE channel = ? AND key = ? ORDER BY id DESC LIMIT 1", channel, key
        )
        return rows[0] if rows else None

    def last_delivered(self, channel: str, key: str) -> Row | None:
        rows = self._rows(
            "SELECT * FROM deliveries WHERE channel = ? AND key = ? AND "
            "state = 'delivered' ORDER BY id DESC LIMIT 1",
            channel,
            key,
        )
        return rows[0] if rows else None

    def in_state(self, channel: str, *states: str) -> list[Row]:
        marks = ",".join("?" * len(states))
        return self._rows(
            f"SELECT * FROM deliveries WHERE channel = ? AND state IN ({marks}) ORDER BY id", channel, *states
        )

    def current(self, channel: str | None = None) -> list[Row]:
        """The newest row of every (channel, key)."""
        where = "WHERE d.channel = ?" if channel else ""
        args = (channel,) if channel else ()
        return self._rows(
            "SELECT d.* FROM deliveries d JOIN (SELECT MAX(id) AS id FROM deliveries "
            f"GROUP BY channel, key) m ON d.id = m.id {where} ORDER BY d.channel, d.key",
            *args,
        )

    def count(self) -> int:
        return int(self.db.execute("SELECT COUNT(*) FROM deliveries").fetchone()[0])

    # -- writing ---------------------------------------------------------------------------

    def _tx(self) -> _Transaction:
        return _Transaction(self.db)

    def record(
        self,
        delivery: Delivery,
        idempotency_key: str,
        approved_by: str | None,
        state: str = "pending",
        at: datetime | None = None,
    ) -> Row:
        now = iso(at or wall_clock())
        with self._tx():
            cur = self.db.execute(
                "INSERT INTO deliveries (channel, key, update_id, lang, content_hash, "
                "idempotency_key, state, summary, payload, approved_by, created_at, updated_at) "
                "VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    delivery.channel,
                    delivery.key,
                    delivery.update_id,
                    delivery.lang,
                    delivery.content_hash,
                    idempotency_key,
                    state,
                    delivery.summary,
                    json.dumps(dict(delivery.payload), sort_keys=True, ensure_ascii=False, default=str),
                    approved_by,
                    now,
                    now,
                ),
            )
            row_id = int(cur.lastrowid or 0)
        return self.get(row_id)

    def _set(self, row_id: int, **fields: Any) -> Row:
        fields["updated_at"] = iso(wall_clock())
        cols = ", ".join(f"{k} = ?" for k in fields)
        with self._tx():
            self.db.execute(f"UPDATE deliveries SET {cols} WHERE id = ?", (*fields.values(), row_id))
        return self.get(row_id)

    def mark_sending(self, row: Row) -> Row:
        """Commit the intent (and the attempt) before the remote call: the outbox write."""
        return self._set(row.id, state="sending", attempts=row.attempts + 1)

    def mark_pending(self, row: Row) -> Row:
        return self._set(row.id, state="pending")

    def complete(self, row: Row, receipt: Receipt) -> Row:
        now = iso(wall_clock())
        return self._set(
            row.id,
            state="delivered",
            remote_id=receipt.remote_id,
            url=receipt.url,
            extra=json.dumps(dict(receipt.extra), sort_keys=True, default=str),
            last_error=None,
            next_attempt_at=None,
            delivered_at=now,
        )

    def fail(
        self, row: Row, error: str, next_attempt_at: datetime | None, gave_up: bool, attempts: int
    ) -> Row:
        return self._set(
            row.id,
            state="gave_up" if gave_up else "failed",
            attempts=attempts,
            last_error=error,
            next_attempt_at=iso(next_attempt_at),
        )

    def supersede(self, row: Row) -> Row:
        return self._set(row.id, state="superseded")

    def record_rollback(self, restored: Delivery, receipt: Receipt, idempotency_key: str, detail: str) -> Row:
        """An operator put an earlier version of `restored.key` back live (`publisher rollback`).

        It is recorded as delivered; the newer version it replaced is held back
        (``rolled_back``) so the next pass does not redeploy it, and the channel's pass
        fingerprint is cleared so that pass looks again."""
        held = self.latest(restored.channel, restored.key)
        row = self.record(restored, idempotency_key, None, state="delivered")
        row = self.complete(row, receipt)
        self.audit("rollback", row, result="live", detail=detail)
        if held is not None and held.content_hash != row.content_hash:
            self.record(held.delivery(), held.idempotency_key, held.approved_by, state="rolled_back")
        self.set_pass_fingerprint(restored.channel, None)
        return row

    def audit(
        self, event: str, row: Row | None = None, result: str = "", detail: str = "", **fields: Any
    ) -> None:
        values: dict[str, Any] = {"at": iso(wall_clock()), "event": event, "result": result, "detail": detail}
        if row is not None:
            values.update(
                channel=row.channel,
                key=row.key,
                update_id=row.update_id,
                lang=row.lang,
                content_hash=row.content_hash,
                approved_by=row.approved_by,
                remote_id=row.remote_id,
                url=row.url,
            )
        values.update(fields)
        cols = ", ".join(values)
        with self._tx():
            self.db.execute(
                f"INSERT INTO audit ({cols}) VALUES ({','.join('?' * len(values))})", tuple(values.values())
            )

    # -- what a push channel has seen ----------------------------------------------------

    def seen(self, channel: str, kind: str) -> dict[str, int]:
        """name -> generation in which `channel` first saw it (kind: "update", "recipient")."""
        if self.version < 3:
            return {}
        cur = self.db.execute(
            "SELECT name, generation FROM seen WHERE channel = ? AND kind = ?", (channel, kind)
        )
        return {str(r[0]): int(r[1]) for r in cur}

    def next_generation(self, channel: str) -> int:
        if self.version < 3:
            return 1
        r = self.db.execute("SELECT MAX(generation) FROM seen WHERE channel = ?", (channel,)).fetchone()
        return int(r[0] or 0) + 1

    def mark_seen(self, channel: str, kind: str, names: list[str], generation: int) -> None:
        if not names:
            return
        at = iso(wall_clock())
        with self._tx():
            self.db.executemany(
                "INSERT OR IGNORE INTO seen (channel, kind, name, generation, at) VALUES (?,?,?,?,?)",
                [(channel, kind, name, generation, at) for name in names],
            )

    # -- the every-minute shortcut ---------------------------------------------------------

    def pass_fingerprint(self, channel: str) -> str | None:
        r = self.db.execute("SELECT fingerprint FROM channel_passes WHERE channel = ?", (channel,)).fetchone()
        return None if r is None else str(r[0])

    def set_pass_fingerprint(self, channel: str, fingerprint: str | None) -> None:
        with self._tx():
            if fingerprint is None:
                self.db.execute("DELETE FROM channel_passes WHERE channel = ?", (channel,))
            else:
                self.db.execute(
                    "INSERT OR REPLACE INTO channel_passes VALUES (?,?,?)",
                    (channel, fingerprint, iso(wall_clock())),
                )

    def meta(self, key: str) -> str | None:
        r = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if r is None else str(r[0])

    def set_meta(self, key: str, value: str) -> None:
        with self._tx():
            self.db.execute("INSERT OR REPLACE INTO meta VALUES (?,?)", (key, value))


class _Transaction:
    """BEGIN IMMEDIATE … COMMIT (autocommit connection), rolled back on error."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def __enter__(self) -> None:
        self.db.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type: object, *rest: object) -> None:
        self.db.execute("ROLLBACK" if exc_type else "COMMIT")


def open_readonly(path: Path) -> Ledger | None:
    """The ledger for reading (status, dry runs), or None when nothing was published yet."""
    if not path.exists():
        return None
    return Ledger(path, readonly=True)
