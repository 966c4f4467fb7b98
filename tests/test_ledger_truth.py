"""The ledger is not the only truth (issue: lost ledger, drift at the remote end, backoff).

Against the WordPress emulator: faults and hand edits the real server will not produce on
demand. The real-WordPress counterparts are in tests/test_wordpress_real.py."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.emulators.wordpress import WordPressEmulator
from tests.publishing import AFTER_ALL, rows, set_config, write_update

PASSWORD = "abcd EFGH 1234 ijkl MNOP 5678"


@pytest.fixture
def wp(monkeypatch: pytest.MonkeyPatch) -> Iterator[WordPressEmulator]:
    monkeypatch.setenv("PUBLISHER_TEST_WP_PASSWORD", PASSWORD)
    with WordPressEmulator(users={"publisher": PASSWORD}) as emu:
        yield emu


def configure(project: Path, wp: WordPressEmulator, extra: str = "") -> None:
    set_config(
        project,
        f"""{extra}
[channels.website]
type = "directory"

[channels.cms]
type = "wordpress"
base_url = "{wp.base_url}"
user = "publisher"
password_env = "PUBLISHER_TEST_WP_PASSWORD"
""",
    )


def cms(project: Path) -> list[dict]:
    return [r for r in rows(project) if r["channel"] == "cms" and r["state"] != "superseded"]


def test_backoff_grows_through_every_failure_path_and_gives_up(example, cli, wp, monkeypatch):
    """A wrong password fails the credential check of reconcile() on every retry: each of
    those failures counts, so the waits are 1, 2, 4 … minutes and the job gives up."""
    monkeypatch.setenv("PUBLISHER_TEST_WP_PASSWORD", "not the right one")
    configure(example, wp, "[publish]\nmax_attempts = 4\n")
    # Local times (Paris, UTC+1 in November); the ledger and the log speak UTC.
    expected = [
        ("12:00", 1, "2019-11-23T11:01:00Z"),
        ("12:01", 2, "2019-11-23T11:03:00Z"),
        ("12:03", 3, "2019-11-23T11:07:00Z"),
    ]
    for now, attempts, next_try in expected:
        result = cli("-C", example, "publish", "--now", f"2019-11-23T{now}")
        assert result.code == 1, result.out
        assert {r["attempts"] for r in cms(example)} == {attempts}
        assert {r["next_attempt_at"] for r in cms(example)} == {next_try}
    waiting = cli("-C", example, "publish", "--now", "2019-11-23T12:05")
    assert waiting.code == 1 and "waiting" in waiting.out
    assert {r["attempts"] for r in cms(example)} == {3}
    last = cli("-C", example, "publish", "--now", "2019-11-23T12:07")
    assert last.code == 1 and "gave-up" in last.out
    assert {(r["state"], r["attempts"]) for r in cms(example)} == {("gave_up", 4)}
    status = cli("-C", example, "status", "--now", "2019-11-23T12:08")
    assert "gave_up after 4 attempt(s)" in status.out
    # Fixed by a person, then retried on request.
    monkeypatch.setenv("PUBLISHER_TEST_WP_PASSWORD", PASSWORD)
    retried = cli("-C", example, "publish", "--now", "2019-11-23T12:09", "--retry")
    assert retried.code == 0, retried.out
    assert {r["state"] for r in cms(example)} == {"delivered"}
    assert len(wp.posts()) == 2


def test_rollback_waits_for_a_running_publish(example, cli):
    import threading
    import time

    from publisher.lock import FileLock

    assert cli("-C", example, "publish", "--now", AFTER_ALL).code == 0
    write_update(example, "20191124T1000", "2019-11-24T10:00", "Un nouveau point.")
    assert cli("-C", example, "publish", "--now", "2019-11-24T12:00").code == 0  # a second release
    lock = FileLock(example / ".publisher" / "publish.lock")
    lock.acquire()
    threading.Timer(1.0, lock.release).start()
    started = time.monotonic()
    refused = cli("-C", example, "rollback", "--wait", "0")
    assert refused.code == 3 and "--wait" in refused.err
    result = cli("-C", example, "rollback", "--wait", "30")
    assert time.monotonic() - started >= 0.9
    assert result.code == 0, result.err  # it waited, then rolled back
    assert "holds" not in result.err
