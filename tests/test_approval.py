"""Approval that means something, through the CLI: [people], two-person rule, bound to a text."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest

from tests.publishing import INCIDENT, set_config

NEW = f"{INCIDENT}/20191124T1000"
TEXT = "Le standard fonctionne de nouveau normalement."


def page(project: Path, lang: str = "fr") -> str:
    return (project / "public" / lang / "incidents" / INCIDENT / "index.html").read_text("utf-8")


def snapshot(project: Path) -> dict[str, str]:
    """Every content file and the ledger, hashed: what "nothing written" is checked against."""
    found = {}
    for path in sorted((project / "content").rglob("*.md")):
        found[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
    ledger = project / ".publisher" / "ledger.db"
    if ledger.exists():
        db = sqlite3.connect(ledger)
        found["journal"] = str(db.execute("SELECT COUNT(*) FROM journal").fetchone())
        db.close()
    return found


def draft(cli, project: Path, who: str = "cmartin") -> None:  # type: ignore[no-untyped-def]
    r = cli(
        "-C", project, "new", "update", INCIDENT, "--text", TEXT, "--status", "monitoring",
        "--at", "2019-11-24T10:00", "--as", who,
    )  # fmt: skip
    assert r.code == 0, r.err
    assert f"publisher approve {NEW}" in r.out  # the note says who may approve


def journal(project: Path) -> list[tuple[str, str, str]]:
    db = sqlite3.connect(project / ".publisher" / "ledger.db")
    try:
        return [tuple(r) for r in db.execute("SELECT event, actor, update_id FROM journal ORDER BY id")]
    finally:
        db.close()


def test_the_two_person_flow(example: Path, cli) -> None:  # type: ignore[no-untyped-def]
    draft(cli, example)
    text = (example / f"content/incidents/{NEW}.md").read_text()
    assert "author: cmartin" in text and "approved_by" not in text
    held = cli("-C", example, "publish", "--now", "2019-11-24T12:00")
    assert f"{NEW}: due but not approved; publisher approve {NEW} (by dircom, hbernard, jpetit)" in held.out
    r = cli("-C", example, "approve", NEW, "--as", "Hélène Bernard", "--yes")
    assert r.code == 0, r.err
    # the approver read the exact text in every language before approving
    assert "--- fr page" in r.out and TEXT in r.out and "--- en page (not translated yet" in r.out
    assert "approved 2019-11-15-cyberattaque/20191124T1000 as Hélène Bernard (hbernard)" in r.out
    text = (example / f"content/incidents/{NEW}.md").read_text()
    assert "approved_by: hbernard\napproved_hash: " in text
    done = cli("-C", example, "publish", "--now", "2019-11-24T12:00")
    assert done.code == 0 and "held" not in done.out and TEXT in page(example)
    assert [e for e in journal(example) if e[2] == NEW] == [
        ("draft", "cmartin", NEW),
        ("held", "publisher publish", NEW),
        ("approve", "hbernard", NEW),
        ("publish", "publisher publish", NEW),
    ]


def test_the_author_cannot_approve_their_own_update(example: Path, cli) -> None:  # type: ignore[no-untyped-def]
    draft(cli, example, who="hbernard")
    before = snapshot(example)
    r = cli("-C", example, "approve", NEW, "--as", "hbernard", "--yes")
    assert r.code == 2
    assert "written by Hélène Bernard (hbernard): the author may not approve their own update" in r.err
    assert "Ask another approver: dircom, jpetit" in r.err
    assert snapshot(example) == before
    # a single-approver organisation may, when it says so
    set_config(example, "[publish]\ntwo_person = false\n")
    assert cli("-C", example, "approve", NEW, "--as", "hbernard", "--yes").code == 0


def test_an_edit_after_approval_is_held_naming_the_approver_and_the_change(example: Path, cli) -> None:  # type: ignore[no-untyped-def]
    draft(cli, example)
    assert cli("-C", example, "approve", NEW, "--as", "jpetit", "--yes").code == 0
    assert cli("-C", example, "publish", "--now", "2019-11-24T12:00").code == 0
    path = example / f"content/incidents/{NEW}.md"
    path.write_text(
        path.read_text().replace("normalement", "presque normalement").replace("monitoring", "identified")
    )
    r = cli("-C", example, "publish", "--now", "2019-11-24T12:05")
    assert r.code == 0
    assert (
        f"{NEW}: the approval by Julien Petit (jpetit) is void: changed since (status: 'monitoring' → "
        "'identified'; text: block 1 changed); the approved text stays published; the edit is held "
        f"until approved again: publisher approve {NEW}"
    ) in r.out
    assert TEXT in page(example) and "presque" not in page(example)
    check = cli("-C", example, "check", "--now", "2019-11-24T12:05")
    assert check.code == 2 and "approval void" in check.err
    status = cli("-C", example, "status", "--now", "2019-11-24T12:05")
    assert "Waiting for approval" in status.out and "approval by Julien Petit (jpetit) is void" in status.out
    assert cli("-C", example, "approve", NEW, "--as", "jpetit", "--yes").code == 0
    # Approved again, but a published text changed without a correction note: publish holds
    # it like check does (exit 2), and the public keeps the text that went out.
    r = cli("-C", example, "publish", "--now", "2019-11-24T12:06")
    assert r.code == 2
    assert "changed after it was published" in r.out + r.err
    assert "held: the text published before stays online" in r.out + r.err
    assert TEXT in page(example) and "presque" not in page(example)
    note = "Précision : l'accueil reprend presque normalement"
    assert cli("-C", example, "correct", NEW, "--note", note, "--note-only", "--as", "hbernard").code == 0
    assert cli("-C", example, "approve", NEW, "--as", "jpetit", "--yes").code == 0
    assert cli("-C", example, "publish", "--now", "2019-11-24T12:07").code == 0
    assert "presque normalement" in page(example)
    events = [e for e, _a, u in journal(example) if u == NEW]
    assert events == [
        "draft",
        "approve",
        "publish",
        "void",
        "approve",
        "held",
        "correct",
        "approve",
        "publish",
    ]


def test_a_pre_approved_statement_takes_the_fast_path(example: Path, cli) -> None:  # type: ignore[no-untyped-def]
    r = cli(
        "-C", example, "new", "update", INCIDENT, "--from", "phones-down", "--set", "time=9 h",
        "--set", "time@en=9 am", "--set", "fallback_phone=02 32 88 00 00", "--set", "hours=8 h – 18 h",
        "--set", "hours@en=8 am – 6 pm", "--at", "2019-11-24T10:00", "--as", "cmartin",
    )  # fmt: skip
    assert r.code == 0, r.err
    assert (
        "pre-approved statement 'phones-down' (approved by Direction de la communication (dircom))" in r.out
    )
    done = cli("-C", example, "publish", "--now", "2019-11-24T12:00")
    assert done.code == 0 and "held" not in done.out and "02 32 88 00 00" in page(example)
    assert ("fast-path", "dircom", NEW) in journal(example)
    # an edit leaves the fast path: a person approves the new text
    path = example / f"content/incidents/{NEW}.md"
    path.write_text(path.read_text().replace("02 32 88 00 00", "02 32 88 00 01"))
    held = cli("-C", example, "publish", "--now", "2019-11-24T12:01")
    assert f"{NEW}: the approval by Direction de la communication (dircom) is void" in held.out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--as", "nobody"), "'nobody' (--as) is not in [people] of publisher.toml"),
        (("--as", "cmartin"), "Claire Martin (cmartin) may not act as approver (roles: author)"),
        (("--as", "slefevre"), "may not act as approver"),
    ],
)
def test_unknown_person_or_missing_role_is_refused(example: Path, cli, args, message) -> None:  # type: ignore[no-untyped-def]
    draft(cli, example)
    before = snapshot(example)
    r = cli("-C", example, "approve", NEW, *args, "--yes")
    assert r.code == 2 and message in r.err, r.err
    assert snapshot(example) == before


def test_bad_approvals_exit_2_and_write_nothing(example: Path, cli) -> None:  # type: ignore[no-untyped-def]
    draft(cli, example)
    before = snapshot(example)
    unknown = cli("-C", example, "approve", f"{INCIDENT}/20191124T1001", "--as", "jpetit", "--yes")
    assert unknown.code == 2 and f"no update '{INCIDENT}/20191124T1001'" in unknown.err
    twice = cli("-C", example, "approve", f"{INCIDENT}/20191116T1130", "--as", "hbernard", "--yes")
    assert twice.code == 2 and "already approved by you for this exact text" in twice.err
    assert snapshot(example) == before
    nobody = cli("-C", example, "new", "update", INCIDENT, "--text", "x", "--as", "intrus")
    assert nobody.code == 2 and "'intrus' (--as) is not in [people]" in nobody.err
    assert snapshot(example) == before
    # a retracted update has nothing to approve
    assert (
        cli("-C", example, "retract", f"{INCIDENT}/20191116T1130", "--by", NEW, "--as", "cmartin").code == 0
    )
    before = snapshot(example)
    r = cli("-C", example, "approve", f"{INCIDENT}/20191116T1130", "--as", "jpetit", "--yes")
    assert r.code == 2 and f"was retracted by {NEW}: there is nothing to approve" in r.err
    assert snapshot(example) == before


def test_a_project_without_people_keeps_free_text_approvals(example: Path, cli) -> None:  # type: ignore[no-untyped-def]
    toml = example / "publisher.toml"
    toml.write_text(toml.read_text().split("\n# Who writes")[0] + "\n")
    path = example / f"content/incidents/{NEW}.md"
    path.write_text(
        f'---\nstatus: monitoring\npublish_at: "2019-11-24T10:00"\napproved_by: La direction\n---\n{TEXT}\n'
    )
    done = cli("-C", example, "publish", "--now", "2019-11-24T12:00")
    assert done.code == 0 and "held" not in done.out and TEXT in page(example)
    # approve binds the text (the name is recorded as given), and then an edit voids it
    assert cli("-C", example, "approve", NEW, "--as", "La direction", "--yes").code == 0
    assert cli("-C", example, "approve", NEW, "--as", "La direction", "--yes").code == 2  # twice
    path.write_text(path.read_text().replace("normalement", "presque normalement"))
    assert "is void" in cli("-C", example, "publish", "--now", "2019-11-24T12:05").out
