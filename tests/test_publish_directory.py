"""The publishing job against the default website target (a directory, release swap)."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from publisher.lock import FileLock
from tests.approvals import with_correction
from tests.publishing import (
    AFTER_ALL,
    INCIDENT,
    REPO,
    live_release,
    releases,
    rows,
    run_publisher,
    set_config,
    write_update,
)

NEW_TEXT = "Les consultations reprennent normalement dès lundi."


def page(project: Path, lang: str = "fr") -> str:
    return (project / "public" / lang / "incidents" / INCIDENT / "index.html").read_text("utf-8")


def test_first_run_delivers_everything_due_second_run_nothing(example, cli):
    first = cli("-C", example, "publish", "--now", AFTER_ALL)
    assert first.code == 0, first.out + first.err
    assert "created" in first.out and "website" in first.out
    assert (example / "public").is_symlink()
    assert live_release(example) in releases(example)
    assert "Aucune fuite de données médicales" in page(example)  # the last update is out
    [row] = rows(example)
    assert row["state"] == "delivered" and row["attempts"] == 1 and row["remote_id"]

    second = cli("-C", example, "publish", "--now", AFTER_ALL)
    assert second.code == 0
    assert "created" not in second.out and "edited" not in second.out
    assert "nothing new for website" in second.out
    assert len(rows(example)) == 1 and len(releases(example)) == 1


def test_no_channels_configured_means_website_into_public_and_default_ledger(example, cli):
    assert "[channels" not in (example / "publisher.toml").read_text()
    assert cli("-C", example, "publish", "--now", AFTER_ALL).code == 0
    assert (example / ".publisher" / "ledger.db").is_file()
    assert (example / "public" / "index.html").is_file()


def test_edited_update_redeploys_the_site(example, cli):
    cli("-C", example, "publish", "--now", AFTER_ALL)
    before = live_release(example)
    path = example / "content" / "incidents" / INCIDENT / "20191120T1800.md"
    path.write_text(with_correction(path.read_text("utf-8") + "\n" + NEW_TEXT + "\n", "Ajout"), "utf-8")
    held = cli("-C", example, "publish", "--now", AFTER_ALL)
    assert "the approval by Hélène Bernard (hbernard) is void" in held.out
    assert "the approved text stays published" in held.out and NEW_TEXT not in page(example)
    assert cli("-C", example, "approve", f"{INCIDENT}/20191120T1800", "--as", "jpetit", "--yes").code == 0
    result = cli("-C", example, "publish", "--now", AFTER_ALL)
    assert result.code == 0 and "edited" in result.out
    assert live_release(example) != before and NEW_TEXT in page(example)
    states = [r["state"] for r in rows(example)]
    assert states == ["delivered", "delivered"]


def test_future_update_is_delivered_only_once_its_time_comes(example, cli):
    write_update(example, "20191125T0900", "2019-11-25T09:00", NEW_TEXT)
    early = cli("-C", example, "publish", "--now", "2019-11-25T08:59")
    assert early.code == 0 and NEW_TEXT not in page(example)
    status = cli("-C", example, "status", "--now", "2019-11-25T08:59")
    assert "Scheduled" in status.out and "20191125T0900" in status.out
    again = cli("-C", example, "publish", "--now", "2019-11-25T08:59")
    assert "nothing new" in again.out
    due = cli("-C", example, "publish", "--now", "2019-11-25T09:00")
    assert due.code == 0 and "edited" in due.out and NEW_TEXT in page(example)


def test_unapproved_update_is_held_and_reported(example, cli):
    path = write_update(example, "20191124T1000", "2019-11-24T10:00", NEW_TEXT, approved_by=None)
    result = cli("-C", example, "publish", "--now", "2019-11-24T12:00")
    assert result.code == 0
    assert "held" in result.out and f"{INCIDENT}/20191124T1000" in result.out
    assert f"publisher approve {INCIDENT}/20191124T1000" in result.out and "20191124T1000.md" in result.out
    assert NEW_TEXT not in page(example)
    assert "Aucune fuite" in page(example)  # the approved ones did go out
    status = cli("-C", example, "status", "--now", "2019-11-24T12:00")
    assert "Waiting for approval" in status.out and "20191124T1000" in status.out
    assert status.code == 1  # monitoring sees a due update waiting for someone
    # an approved_by written by hand is not an approval: the approver records it
    path.write_text(
        path.read_text("utf-8").replace("publish_at:", "approved_by: jpetit\npublish_at:"),
        encoding="utf-8",
    )
    hand = cli("-C", example, "publish", "--now", "2019-11-24T12:00")
    assert "written by hand" in hand.out and NEW_TEXT not in page(example)
    assert cli("-C", example, "approve", f"{INCIDENT}/20191124T1000", "--as", "jpetit", "--yes").code == 0
    approved = cli("-C", example, "publish", "--now", "2019-11-24T12:00")
    assert approved.code == 0 and "held" not in approved.out and NEW_TEXT in page(example)
    audit = rows(example, "SELECT * FROM audit WHERE event = 'approved'")
    assert {"jpetit", "hbernard"} == {a["approved_by"] for a in audit}


def test_approval_not_required_when_configured_off(example, cli):
    set_config(example, "[publish]\nrequire_approval = false\n")
    write_update(example, "20191124T1000", "2019-11-24T10:00", NEW_TEXT, approved_by=None)
    result = cli("-C", example, "publish", "--now", "2019-11-24T12:00")
    assert result.code == 0 and "held" not in result.out and NEW_TEXT in page(example)


def test_broken_content_file_exits_2_while_valid_updates_go_out(example, cli):
    write_update(example, "20191124T1000", "2019-11-24T10:00", NEW_TEXT, status="fixed")
    result = cli("-C", example, "publish", "--now", "2019-11-24T12:00")
    assert result.code == 2
    assert f"content/incidents/{INCIDENT}/20191124T1000.md:2" in result.err
    assert "'fixed' is not a valid status" in result.err
    assert "Aucune fuite" in page(example)
    assert rows(example)[0]["state"] == "delivered"


def test_second_concurrent_run_exits_3_at_once_or_waits(example, cli):
    lock = FileLock(example / ".publisher" / "publish.lock")
    lock.acquire()
    try:
        held = cli("-C", example, "publish", "--now", AFTER_ALL)
        assert held.code == 3
        assert "another publisher run holds" in held.err and f"pid {os.getpid()}" in held.err
        assert "--wait" in held.err
        timed = cli("-C", example, "publish", "--now", AFTER_ALL, "--wait", "0.2")
        assert timed.code == 3
        assert not (example / "public").exists()
    finally:
        lock.release()
    assert cli("-C", example, "publish", "--now", AFTER_ALL, "--wait").code == 0


def test_concurrent_runs_never_both_deliver(example):
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    cmd = [sys.executable, "-m", "publisher", "-C", str(example), "publish", "--now", AFTER_ALL]
    procs = [
        subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(4)
    ]
    results = [
        (p.wait(timeout=120), p.stdout.read(), p.stderr.read())  # type: ignore[union-attr]
        for p in procs
    ]
    codes = sorted(code for code, _, _ in results)
    assert set(codes) <= {0, 3}, results
    created = sum(out.count("publish: created") for _, out, _ in results)
    assert created == 1, results
    assert len(releases(example)) == 1 and len(rows(example)) == 1


@pytest.mark.parametrize("point", ["before_send", "after_send"])
def test_sigkill_in_flight_is_recovered_without_duplicate(example, point):
    crashed = run_publisher(example, "publish", "--now", AFTER_ALL, env={"PUBLISHER_TEST_CRASH_AT": point})
    assert crashed.returncode == -9, crashed.stdout + crashed.stderr
    [row] = rows(example)
    assert row["state"] == "sending" and row["attempts"] == 1  # written before the call
    assert len(releases(example)) == (1 if point == "after_send" else 0)

    recovered = run_publisher(example, "publish", "--now", AFTER_ALL)
    assert recovered.returncode == 0, recovered.stdout + recovered.stderr
    expected = "reconciled" if point == "after_send" else "created"
    assert expected in recovered.stdout
    assert len(releases(example)) == 1  # no second release: nothing twice
    assert "Aucune fuite" in page(example)  # nothing lost
    [row] = rows(example)
    assert row["state"] == "delivered"
    events = [a["event"] for a in rows(example, "SELECT * FROM audit ORDER BY id")]
    assert "reconciled" in events
    again = run_publisher(example, "publish", "--now", AFTER_ALL)
    assert again.returncode == 0 and "nothing new" in again.stdout


def test_unwritable_target_fails_with_exit_1_and_is_retried_with_backoff(example, cli):
    blocker = example / "blocked"
    blocker.write_text("a file where a directory should be\n")
    set_config(example, '[channels.website]\ntype = "directory"\npath = "blocked/site"\n')
    first = cli("-C", example, "publish", "--now", "2019-11-23T12:00")
    assert first.code == 1
    assert "could not deploy" in first.out and "next try after 2019-11-23 12:01 (Europe/Paris)" in first.out
    [row] = rows(example)
    assert row["state"] == "failed" and row["next_attempt_at"] == "2019-11-23T11:01:00Z"
    early = cli("-C", example, "publish", "--now", "2019-11-23T12:00")
    assert early.code == 1 and "waiting" in early.out
    assert rows(example)[0]["attempts"] == 1
    blocker.unlink()
    later = cli("-C", example, "publish", "--now", "2019-11-23T12:01")
    assert later.code == 0 and "created" in later.out
    [row] = rows(example)
    assert row["state"] == "delivered" and row["attempts"] == 2
    assert (example / "blocked" / "site" / "index.html").is_file()


def test_backoff_doubles_and_gives_up_after_max_attempts(example, cli):
    (example / "blocked").write_text("x\n")
    set_config(
        example,
        '[publish]\nmax_attempts = 3\n\n[channels.website]\ntype = "directory"\npath = "blocked/site"\n',
    )
    cli("-C", example, "publish", "--now", "2019-11-23T12:00")
    second = cli("-C", example, "publish", "--now", "2019-11-23T12:01")
    assert "next try after 2019-11-23 12:03 (Europe/Paris)" in second.out  # 2 minutes after attempt 2
    third = cli("-C", example, "publish", "--now", "2019-11-23T12:03")
    assert third.code == 1 and "gave-up" in third.out
    assert rows(example)[0]["state"] == "gave_up"
    assert "gave-up" in cli("-C", example, "publish", "--now", "2019-11-23T13:00").out
    (example / "blocked").unlink()
    retried = cli("-C", example, "publish", "--now", "2019-11-23T13:00", "--retry")
    assert retried.code == 0 and "created" in retried.out


def test_dry_run_shows_and_changes_nothing(example, cli):
    result = cli("-C", example, "publish", "--now", AFTER_ALL, "--dry-run")
    assert result.code == 0 and "would-create" in result.out
    assert not (example / "public").exists() and not (example / ".publisher").exists()
    cli("-C", example, "publish", "--now", AFTER_ALL)
    write_update(example, "20191124T1000", "2019-11-24T10:00", NEW_TEXT)
    before = rows(example)
    edit = cli("-C", example, "publish", "--now", "2019-11-24T12:00", "--dry-run")
    assert "would-edit" in edit.out and rows(example) == before
    assert NEW_TEXT not in page(example)


def test_json_log_lines_for_monitoring(example, cli):
    write_update(example, "20191124T1000", "2019-11-24T10:00", NEW_TEXT, approved_by=None)
    result = cli("-C", example, "publish", "--now", "2019-11-24T12:00", "--log-format", "json")
    records = [json.loads(line) for line in result.out.splitlines()]
    assert [r["event"] for r in records] == ["held", "delivery", "summary"]
    delivery = records[1]
    assert delivery["action"] == "created" and delivery["channel"] == "website"
    assert delivery["remote_id"] == live_release(example)
    assert records[2]["exit"] == 0 and records[2]["held"] == 1


def test_quiet_prints_the_summary_line_and_failures_only(example, cli):
    first = cli("-C", example, "publish", "--now", AFTER_ALL, "-q")
    assert first.out.splitlines() == [first.out.strip()] and first.out.startswith("publish: done in ")
    assert "1 created" in first.out
    idle = cli("-C", example, "publish", "--now", AFTER_ALL, "-q")
    assert idle.out.startswith("publish: done in ") and "nothing new" in idle.out  # monitoring sees it


def test_rollback_restores_previous_release_until_content_changes(example, cli):
    cli("-C", example, "publish", "--now", AFTER_ALL)
    first = live_release(example)
    write_update(example, "20191124T1000", "2019-11-24T10:00", NEW_TEXT)
    cli("-C", example, "publish", "--now", "2019-11-24T12:00")
    assert NEW_TEXT in page(example)
    result = cli("-C", example, "rollback")
    assert result.code == 0 and first in result.out
    assert live_release(example) == first and NEW_TEXT not in page(example)
    # The every-minute job must not undo the rollback...
    kept = cli("-C", example, "publish", "--now", "2019-11-24T12:01")
    assert kept.code == 0 and live_release(example) == first
    assert "rolled back" in cli("-C", example, "status", "--now", "2019-11-24T12:01").out
    # ...until the content changes.
    write_update(example, "20191124T1000", "2019-11-24T10:00", NEW_TEXT + " Corrigé.", correction="Précisé")
    fixed = cli("-C", example, "publish", "--now", "2019-11-24T12:02")
    assert fixed.code == 0 and "edited" in fixed.out and "Corrigé" in page(example)
    assert len(releases(example)) == 3


def test_keeps_only_the_last_n_releases(example, cli):
    set_config(example, '[channels.website]\ntype = "directory"\nkeep = 2\n')
    for minute in range(4):
        note = f"Version {minute}" if minute else None  # every rewrite of a published text says so
        write_update(example, "20191124T1000", "2019-11-24T10:00", f"{NEW_TEXT} {minute}", correction=note)
        assert cli("-C", example, "publish", "--now", "2019-11-24T12:00").code == 0
    assert len(releases(example)) == 2


def test_plain_public_directory_from_build_is_adopted_and_kept(example, cli):
    assert cli("-C", example, "build", "--now", AFTER_ALL).code == 0
    assert not (example / "public").is_symlink()
    assert cli("-C", example, "publish", "--now", AFTER_ALL).code == 0
    assert (example / "public").is_symlink()
    assert any(r.endswith("-adopted") for r in releases(example))
    refused = cli("-C", example, "build")
    assert refused.code == 1 and "publisher publish" in refused.err


def test_bad_directory_option_is_a_config_error(example, cli):
    set_config(example, '[channels.website]\ntype = "directory"\nkep = 3\n')
    result = cli("-C", example, "publish")
    assert result.code == 2
    assert "publisher.toml:" in result.err and "did you mean 'keep'" in result.err


def test_ledger_migrations_are_idempotent_and_audit_is_append_only(example, cli):
    from publisher.ledger import MIGRATIONS, Ledger

    cli("-C", example, "publish", "--now", AFTER_ALL)
    path = example / ".publisher" / "ledger.db"
    with Ledger(path) as ledger:
        assert ledger.version == len(MIGRATIONS)
        for sql in MIGRATIONS:  # the DDL itself can run again
            ledger.db.executescript(sql)
        assert ledger.count() == 1
    db = sqlite3.connect(path)
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        db.execute("UPDATE audit SET result = 'x'")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        db.execute("DELETE FROM audit")
    db.close()


def test_ledger_from_a_newer_publisher_is_refused(example, cli):
    cli("-C", example, "publish", "--now", AFTER_ALL)
    db = sqlite3.connect(example / ".publisher" / "ledger.db")
    db.execute("PRAGMA user_version = 99")
    db.commit()
    db.close()
    result = cli("-C", example, "publish", "--now", AFTER_ALL)
    assert result.code == 2 and "newer publisher" in result.err


def test_new_release_shares_unchanged_files_and_leaves_the_old_one_intact(example, cli):
    cli("-C", example, "publish", "--now", AFTER_ALL)
    old = example / "public.releases" / live_release(example)
    old_page = (old / "fr" / "incidents" / INCIDENT / "index.html").read_bytes()
    write_update(example, "20191124T1000", "2019-11-24T10:00", NEW_TEXT)
    cli("-C", example, "publish", "--now", "2019-11-24T12:00")
    new = example / "public.releases" / live_release(example)
    assert new != old
    css_old, css_new = old / "style.css", new / "style.css"
    assert css_old.stat().st_ino == css_new.stat().st_ino  # unchanged: hard link
    page = Path("fr") / "incidents" / INCIDENT / "index.html"
    assert (old / page).stat().st_ino != (new / page).stat().st_ino
    assert (old / page).read_bytes() == old_page and NEW_TEXT in (new / page).read_text("utf-8")
