"""Test helper: approve every update that waits for approval, as the crisis cell would.

Tests whose subject is rendering or delivery write and edit updates freely; this records
the approval `publisher approve` would (approved_by + the text hash), by an approver other
than the author, so those tests keep testing what they test. The approval rules themselves
are tested through the CLI in tests/test_approval.py.
"""

from __future__ import annotations

from pathlib import Path

from publisher import frontedit
from publisher.approval import Approvals, text_hash
from publisher.config import load_config
from publisher.content import load_site


def approve_all(project: Path, approver: str = "hbernard", other: str = "jpetit") -> list[str]:
    config = load_config(project)
    approvals = Approvals(config)
    done = []
    for incident in load_site(config).site.incidents:
        for u in incident.updates:
            if approvals.verdict(u).ok:
                continue
            who = (
                other
                if u.author and config.people.find(u.author) == config.people.find(approver)
                else approver
            )
            if not config.people.declared:
                who = u.approved_by or "Direction de la communication"
            frontedit.edit_file(
                project / u.path, {"approved_by": who, "approved_hash": text_hash(u), "approved_from": None}
            )
            done.append(u.id)
    return done


def approve_file(project: Path, path: Path, approver: str = "hbernard") -> None:
    """Record an approval of one update file's current text."""
    from publisher.content import load_update

    config = load_config(project)
    problems: list[object] = []
    u = load_update(path, path.parent.name, config, config.source_lang, problems)  # type: ignore[arg-type]
    if u is None:
        return  # a broken file (a test of bad input) has nothing to approve
    frontedit.edit_file(path, {"approved_by": approver, "approved_hash": text_hash(u), "approved_from": None})


def with_correction(text: str, note: str) -> str:
    """An update file's text with `correction: <note>` added to its front matter: what an
    edit of a published text needs (check and publish refuse it without one)."""
    return text.replace("\n---\n", f"\ncorrection: {note}\n---\n", 1)
