"""Approval bound to a text: who approved which exact version of an update.

``publisher approve`` writes ``approved_by: <handle>`` and ``approved_hash: <text hash>``
into the update's front matter (so the approval travels with the content to the machine that
publishes) and appends the event, with a copy of the approved text, to the journal in the
ledger (the main courante). The hash covers everything the public reads of the update: its
identity, status, times, channels, correction note, retraction and body, and not who wrote or
approved it, so recording an approval does not change what was approved. Any other edit
changes the hash and voids the approval: ``publish`` holds the update and says who had
approved it and what changed.

Translations are not covered: the source-language text is what the crisis cell validates,
and a translation arriving later must not hold the French statement back (the English page
falls back to French until it is translated; translators are named in the catalogs).

The fast path: an update made by ``publisher new update --from <statement>`` carries
``approved_from: <statement>`` and the statement's approver. It needs no second approval
while its text is still the statement with only placeholder values filled in (checked here
against the statement itself, not trusted from the file) and unchanged since it was made.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from publisher import markup
from publisher.config import Config
from publisher.model import Incident, Site, Update

HASH_LEN = 32  # hex digits of sha256: 128 bits


def snapshot(u: Update) -> dict[str, Any]:
    """What an approval covers, as plain data (hashed, and kept in the journal)."""

    def iso(dt: Any) -> str | None:
        return None if dt is None else dt.strftime("%Y-%m-%dT%H:%M:%SZ")

    return {
        "update": u.id,
        "status": u.status,
        "publish_at": iso(u.publish_at),
        "next_update": iso(u.next_update),
        "channels": list(u.channels) if u.channels is not None else None,
        "correction": u.correction,
        "retracts": u.retracts,
        "lang": u.lang,
        "body": u.body.strip(),
    }


def text_hash(u: Update) -> str:
    return snapshot_hash(snapshot(u))


def snapshot_hash(data: Mapping[str, Any]) -> str:
    text = json.dumps(dict(data), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:HASH_LEN]


FIELD_NAMES = {
    "status": "status",
    "publish_at": "publication time",
    "next_update": "next-update promise",
    "channels": "channels",
    "correction": "correction note",
    "retracts": "retraction",
    "lang": "language",
}


def changes(approved: Mapping[str, Any] | None, u: Update) -> list[str]:
    """What differs between the approved copy and the update now, in words."""
    if approved is None:
        return ["the text or its front matter (no copy of the approved version in this ledger)"]
    now = snapshot(u)
    found = []
    for key, name in FIELD_NAMES.items():
        if approved.get(key) != now[key]:
            before, after = approved.get(key), now[key]
            if key == "correction" and not before:
                found.append(f"correction note added: {after!r}")
            else:
                found.append(f"{name}: {before!r} → {after!r}")
    if approved.get("body") != now["body"]:
        old = [b.text for b in markup.blocks(str(approved.get("body") or ""))]
        new = [b.text for b in markup.blocks(now["body"])]
        parts = []
        matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
        for op, a0, a1, b0, b1 in matcher.get_opcodes():
            if op == "replace":
                parts.append(
                    f"block {b0 + 1} changed" if a1 - a0 == b1 - b0 == 1 else f"blocks {b0 + 1}–{b1} changed"
                )
            elif op == "insert":
                parts.append(f"block {b0 + 1} added" if b1 - b0 == 1 else f"blocks {b0 + 1}–{b1} added")
            elif op == "delete":
                parts.append(f"{a1 - a0} block(s) removed after block {b0}")
        found.append("text: " + (", ".join(parts) or "whitespace or line breaks"))
    return found or ["nothing the public reads (the file was edited)"]


@dataclass(frozen=True)
class Verdict:
    ok: bool
    kind: str  # approved | fast-path | legacy | not-required | unapproved | void | invalid | self
    approver: str | None = None
    reason: str = ""  # why it is held (empty when ok), a full sentence naming the update
    waiting_for: tuple[str, ...] = ()  # handles who could approve it
    changed: tuple[str, ...] = ()


def retractions(incident: Incident) -> dict[str, Update]:
    """stem of a withdrawn update → the update that withdraws it."""
    return {u.retracts: u for u in incident.updates if u.retracts}


def statement_pattern(body: str) -> re.Pattern[str]:
    """The statement's text with each placeholder standing for any one-line value."""
    from publisher.statements import PLACEHOLDER

    out, pos, seen = [], 0, set()
    for m in PLACEHOLDER.finditer(body):
        out.append(re.escape(body[pos : m.start()]))
        name = m.group(1)
        out.append(f"(?P={name})" if name in seen else f"(?P<{name}>[^\\n]+?)")
        seen.add(name)
        pos = m.end()
    out.append(re.escape(body[pos:]))
    return re.compile("".join(out))


@dataclass
class Approvals:
    """Verdicts for a project's updates. `approved_copy(update_id, hash)` returns the
    journal's copy of an approved text (for "what changed"); statements load on demand."""

    config: Config
    approved_copy: Callable[[str, str], Mapping[str, Any] | None] = field(default=lambda _u, _h: None)
    _statements: dict[str, Any] | None = None

    @property
    def statements(self) -> dict[str, Any]:
        if self._statements is None:
            from publisher.statements import load_statements

            self._statements = dict(load_statements(self.config, []))
        return self._statements

    def previous_version(self, u: Update) -> Update | None:
        """The approved text of an update whose approval an edit voided (if the journal
        has its copy), so the public keeps reading what was approved."""
        if not u.approved_hash:
            return None
        copy = self.approved_copy(u.id, u.approved_hash)
        return restored(u, copy) if copy is not None else None

    def approvers_for(self, u: Update) -> tuple[str, ...]:
        people = self.config.people
        return tuple(
            p.handle
            for p in people.with_role("approver")
            if not (self.config.two_person and u.author and p.matches(u.author))
        )

    def verdict(self, u: Update) -> Verdict:
        config, people = self.config, self.config.people
        if not config.get("publish", "require_approval"):
            return Verdict(True, "not-required", u.approved_by)
        if not u.approved_by:
            return self._held(u, "unapproved", None, "due but not approved")
        # The loader computed the digest (and the parse cache keeps it): the every-minute
        # run does not hash every update again.
        current = u.text_digest or text_hash(u)
        if u.approved_hash and u.approved_hash != current:
            changed = tuple(changes(self.approved_copy(u.id, u.approved_hash), u))
            kept = self.approved_copy(u.id, u.approved_hash) is not None
            return self._held(
                u,
                "void",
                u.approved_by,
                f"the approval by {people.shown(u.approved_by)} is void: changed since "
                f"({'; '.join(changed)}); "
                + ("the approved text stays published; " if kept else "")
                + "the edit is held until approved again",
                changed,
            )
        if not people.declared:
            return Verdict(True, "approved" if u.approved_hash else "legacy", u.approved_by)
        approver = people.find(u.approved_by)
        if approver is None or not approver.has("approver"):
            what = "not in [people]" if approver is None else "not an approver"
            return self._held(
                u, "invalid", u.approved_by, f"approved_by '{u.approved_by}' is {what} in publisher.toml"
            )
        if u.approved_from:
            return self._fast_path(u, approver.handle, current)
        if not u.approved_hash:
            return self._held(
                u,
                "invalid",
                u.approved_by,
                "approved_by was written by hand (no approved_hash): an approval is recorded by "
                "the approver running",
            )
        if config.two_person and u.author and approver.matches(u.author):
            return self._held(
                u,
                "self",
                approver.handle,
                f"{approver} approved their own update, and [publish] two_person is on",
            )
        return Verdict(True, "approved", approver.handle)

    def _held(
        self, u: Update, kind: str, approver: str | None, why: str, changed: tuple[str, ...] = ()
    ) -> Verdict:
        """A verdict that holds `u`: the reason names the update and whom to ask."""
        waiting = self.approvers_for(u)
        ask = f"publisher approve {u.id}" + (f" (by {', '.join(waiting)})" if waiting else "")
        joiner = " " if why.endswith("running") else ": " if why.endswith("again") else "; "
        return Verdict(False, kind, approver, f"{u.id}: {why}{joiner}{ask}", waiting, changed)

    def _fast_path(self, u: Update, approver: str, current: str) -> Verdict:
        people = self.config.people
        st = self.statements.get(str(u.approved_from))
        problem = ""
        if st is None:
            problem = f"the statement '{u.approved_from}' it was made from is not in content/statements/"
        elif not st.approved_by or not people.find(st.approved_by):
            problem = f"the statement '{st.name}' names no approver from [people]"
        elif people.find(st.approved_by) != people.find(u.approved_by):
            problem = f"the statement '{st.name}' was approved by {st.approved_by}, not {u.approved_by}"
        elif st.status != u.status:
            problem = f"its status '{u.status}' is not the statement's '{st.status}'"
        elif not statement_pattern(st.body).fullmatch(u.body.strip()):
            problem = f"its text is no longer '{st.name}' with placeholders filled in"
        elif not u.approved_hash or u.approved_hash != current:
            problem = "it was edited after it was made"
        if problem:
            return self._held(u, "invalid", u.approved_by, f"no fast path: {problem}; it needs an approval")
        return Verdict(True, "fast-path", approver)


def restored(u: Update, copy: Mapping[str, Any], expected: str | None = None) -> Update | None:
    """The update as it was approved (from the journal's copy), to keep publishing while an
    edit waits for its approval; None when the copy does not describe this update.
    `expected`: the hash the copy must have (default: the approved hash)."""
    expected = expected or u.approved_hash
    from dataclasses import replace
    from datetime import UTC, datetime

    def when(text: Any) -> datetime | None:
        return None if not text else datetime.strptime(str(text), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)

    if copy.get("update") != u.id or not copy.get("body") or copy.get("publish_at") is None:
        return None
    old = replace(
        u,
        text_digest="",
        status=str(copy["status"]),
        publish_at=when(copy["publish_at"]) or u.publish_at,
        next_update=when(copy.get("next_update")),
        channels=tuple(copy["channels"]) if copy.get("channels") is not None else None,
        correction=copy.get("correction"),
        retracts=copy.get("retracts"),
        lang=str(copy.get("lang") or u.lang),
        body=str(copy["body"]),
    )
    if not expected or text_hash(old) != expected:
        return None  # the copy is not the approved text: never publish a guess
    return replace(old, source_hash=f"approved-{expected}", text_digest=expected)


def pending(approvals: Approvals, updates: Sequence[Update]) -> list[tuple[Update, Verdict]]:
    """The updates among `updates` that wait for an approval, with why and for whom."""
    found = []
    for u in updates:
        v = approvals.verdict(u)
        if not v.ok:
            found.append((u, v))
    return found


def find_update(site: Site, ref: str) -> Update | None:
    """An update from 'incident/stem', 'stem' (when unique) or its file path."""
    ref = ref.strip().removesuffix(".md")
    candidates = [u for i in site.incidents for u in i.updates]
    for u in candidates:
        if ref in (u.id, u.path.removesuffix(".md")) or u.path.removesuffix(".md").endswith("/" + ref):
            if ref == u.stem:
                continue  # a bare stem is resolved below, where ambiguity is refused
            return u
    same = [u for u in candidates if u.stem == ref]
    return same[0] if len(same) == 1 else None
