"""`publisher approve`, `correct` and `retract`: the checks, what the approver reads, the writes.

Every check runs before anything is written: an unknown person, a missing role, an unknown
or retracted update, self-approval under the two-person rule, approving a text already
approved: each raises :class:`ApprovalError` (exit 2) and neither the file nor the journal
changes.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from publisher import frontedit, journal
from publisher.approval import Approvals, find_update, retractions, snapshot, text_hash
from publisher.config import Config
from publisher.content import load_site
from publisher.errors import ApprovalError
from publisher.model import Incident, Site, Update
from publisher.people import acting
from publisher.timeutil import utc_now


@dataclass(frozen=True)
class Target:
    config: Config
    site: Site
    incident: Incident
    update: Update

    @property
    def path(self) -> Path:
        return self.config.root / self.update.path


def target(config: Config, ref: str) -> Target:
    """The update `ref` names; its own load errors, or an unknown ref, stop here."""
    result = load_site(config)
    u = find_update(result.site, ref)
    if u is None:
        broken = [str(d) for d in result.errors if ref.removesuffix(".md") in d.path]
        if broken:
            raise ApprovalError(f"'{ref}' cannot be loaded; fix it first:\n" + "\n".join(broken))
        known = [x.id for i in result.site.incidents for x in i.updates][-5:]
        raise ApprovalError(
            f"no update '{ref}'; give incident/stem or the file path "
            f"(latest: {', '.join(known) or 'none yet'})"
        )
    incident = result.site.incident(u.incident_id)
    assert incident is not None
    return Target(config, result.site, incident, u)


def _refuse_retracted(t: Target, action: str) -> None:
    by = retractions(t.incident).get(t.update.stem)
    if by is not None:
        raise ApprovalError(
            f"{t.update.id} was retracted by {by.id}: there is nothing to {action}; "
            f"{action} {by.id} instead if it needs it"
        )


def check_approval(config: Config, ref: str, who: str | None) -> tuple[Target, str]:
    """(the update, the approver's handle) once every rule holds; nothing written."""
    handle = acting(config.people, who, "approver", cwd=config.root)
    t = target(config, ref)
    u = t.update
    _refuse_retracted(t, "approve")
    current = text_hash(u)
    verdict = Approvals(config).verdict(u)
    if u.approved_hash == current and u.approved_by and verdict.ok:
        same = config.people.find(u.approved_by) == config.people.find(handle) and (
            config.people.declared or u.approved_by == handle
        )
        whom = "you" if same else config.people.shown(u.approved_by)
        raise ApprovalError(
            f"{u.id} is already approved by {whom} for this exact text: nothing to do "
            "(edit it and it will need a new approval)"
        )
    if config.two_person and u.author:
        me = config.people.find(handle)
        if (me is not None and me.matches(u.author)) or (me is None and u.author == handle):
            others = ", ".join(Approvals(config).approvers_for(u)) or "nobody else yet"
            raise ApprovalError(
                f"{u.id} was written by {config.people.shown(u.author)}: the author may not approve "
                f"their own update ([publish] two_person). Ask another approver: {others}"
            )
    return t, handle


def review(t: Target, now: datetime | None = None) -> str:
    """The exact text in every language and every channel's post, as preview shows them."""
    from publisher.preview import social_posts
    from publisher.site import localized

    config, u = t.config, t.update
    now = max(now or utc_now(), u.publish_at)
    incident = replace(
        t.incident, updates=tuple(x for x in t.incident.updates if x.publish_at <= u.publish_at)
    )
    site = Site((incident,))
    views = localized(config, site, now)
    out = [f"{u.id} ({u.path})", f"status: {u.status}; publish at {journal.local(config, u.publish_at)}"]
    if u.author:
        out.append(f"written by {config.people.shown(u.author)}")
    if u.correction:
        out.append(f"correction note: {u.correction}")
    if u.retracts:
        out.append(f"retracts: {u.incident_id}/{u.retracts}")
    for lang in config.languages:
        for iv in views.get(lang, []):
            for view in iv.updates:
                if view.update.id != u.id:
                    continue
                head = f"--- {lang} page"
                if view.is_fallback:
                    head += (
                        f" (not translated yet: shown in {view.text_lang}, {view.missing} block(s) missing)"
                    )
                out += ["", head, view.markdown.strip()]
    import tempfile

    with tempfile.TemporaryDirectory(prefix="publisher-approve-") as tmp:
        for channel in social_posts(config, site, now, views, Path(tmp)):
            posts = [p for p in channel["posts"] if p["update_id"] == u.id]
            if channel["error"]:
                out += ["", f"--- {channel['channel']}: cannot show its post: {channel['error']}"]
            for p in posts:
                size = f", {p['length']}/{p['limit']} characters" if p["length"] is not None else ""
                out += [
                    "",
                    f"--- {channel['channel']} ({channel['type']}) post [{p['lang'] or 'all'}{size}]",
                    p["text"],
                ]
    out += ["", f"text hash: {text_hash(u)}"]
    return "\n".join(out)


def record_approval(t: Target, handle: str) -> None:
    u, config = t.update, t.config
    h = text_hash(u)
    # The file first: if the journal cannot be written the approval is still visible (and
    # check/publish honour it); the reverse would log an approval nobody can see.
    frontedit.edit_file(t.path, {"approved_by": handle, "approved_hash": h, "approved_from": None})
    journal.record(
        config,
        "approve",
        handle,
        update_id=u.id,
        text_hash=h,
        detail=f"approved {u.path}" + (f" (written by {u.author})" if u.author else ""),
        data={"text": snapshot(u), "author": u.author},
    )


def correct(t: Target, who: str | None, note: str, body: str | None) -> str:
    """Write the correction note (and the new text); the approval is void until renewed."""
    config, u = t.config, t.update
    handle = acting(config.people, who, "author", cwd=config.root)
    _refuse_retracted(t, "correct")
    note = " ".join(note.split())
    if not note:
        raise ApprovalError('a correction needs a note the public reads: --note "What changed and why"')
    if body is not None and not body.strip():
        raise ApprovalError("the corrected text is empty; nothing was written")
    frontedit.edit_file(t.path, {"correction": note}, body)
    new = _reload(t)
    journal.record(
        config,
        "correct",
        handle,
        update_id=u.id,
        text_hash=text_hash(new),
        detail=f"correction: {note}"
        + ("" if body is None or body.strip() == u.body.strip() else " (text changed)"),
        data={"text": snapshot(new), "before": snapshot(u)},
    )
    return new.id


def retract(t: Target, who: str | None, by_ref: str) -> str:
    """Make `by_ref` (a new update of the same incident) the retraction of `t`."""
    config, u = t.config, t.update
    handle = acting(config.people, who, "author", cwd=config.root)
    _refuse_retracted(t, "retract")
    by = find_update(t.site, by_ref)
    if by is None or by.incident_id != u.incident_id:
        raise ApprovalError(
            f"no update '{by_ref}' in {u.incident_id}: write the retraction first "
            f'(publisher new update {u.incident_id} --text "…") and name it with --by'
        )
    if by.publish_at <= u.publish_at:
        raise ApprovalError(f"{by.id} is not later than {u.id}: a retraction is a new update")
    if by.retracts and by.retracts != u.stem:
        raise ApprovalError(f"{by.id} already retracts {by.incident_id}/{by.retracts}")
    frontedit.edit_file(config.root / by.path, {"retracts": u.stem})
    new = _reload(replace(t, update=by))
    journal.record(
        config,
        "retract",
        handle,
        update_id=u.id,
        text_hash=text_hash(new),
        detail=f"retracted by {by.id}",
        data={"by": by.id, "text": snapshot(new)},
    )
    return by.id


def _reload(t: Target) -> Update:
    from publisher.content import load_update

    problems: list = []
    directory = t.config.root / t.update.path
    new = load_update(directory, t.update.incident_id, t.config, t.incident.lang, problems)
    if new is None:
        raise ApprovalError("the file no longer loads after the edit:\n" + "\n".join(map(str, problems)))
    return new
