"""The ledger is not the only truth (issue: lost ledger, drift at the remote end, backoff).

Against the WordPress emulator: faults and hand edits the real server will not produce on
demand. The real-WordPress counterparts are in tests/test_wordpress_real.py."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.emulators.wordpress import WordPressEmulator
from tests.publishing import AFTER_ALL, live_release, rows, set_config, write_update

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


def releases(project: Path) -> list[str]:
    return sorted(p.name for p in (project / "public.releases").iterdir() if p.is_dir())


def test_lost_ledger_adopts_the_live_site_and_the_wordpress_posts(example, cli, wp):
    configure(example, wp)
    assert cli("-C", example, "publish", "--now", AFTER_ALL).code == 0
    posts = {i.id: i.slug for i in wp.posts()}
    kept = releases(example)
    shutil.rmtree(example / ".publisher")  # a new laptop, a restored backup, a second checkout
    again = cli("-C", example, "publish", "--now", AFTER_ALL)
    assert again.code == 0, again.out
    assert again.out.count("publish: adopted") == 3 and "created" not in again.out
    assert {i.id: i.slug for i in wp.posts()} == posts  # no "-2" slug: zero new posts
    assert releases(example) == kept  # and no new release
    assert {r["state"] for r in rows(example)} == {"delivered"}
    audit = rows(example, "SELECT event, result FROM audit WHERE event = 'sent'")
    assert [a["result"] for a in audit] == ["adopted"] * 3
    assert "nothing new for website, cms" in cli("-C", example, "publish", "--now", AFTER_ALL).out


def test_lost_ledger_then_a_correction_edits_the_same_post(example, cli, wp):
    configure(example, wp)
    assert cli("-C", example, "publish", "--now", AFTER_ALL).code == 0
    posts = {i.id for i in wp.posts()}
    shutil.rmtree(example / ".publisher")
    write_update(example, "20191124T1000", "2019-11-24T10:00", "Un nouveau point.")
    again = cli("-C", example, "publish", "--now", "2019-11-24T12:00")
    assert again.code == 0, again.out
    assert {i.id for i in wp.posts()} == posts
    assert all("Un nouveau point." in i.content for i in wp.posts() if i.slug.endswith("-fr"))


def test_dangling_live_release_is_reported_and_redeployed(example, cli):
    assert cli("-C", example, "publish", "--now", AFTER_ALL).code == 0
    live = example / "public.releases" / live_release(example)
    shutil.rmtree(live)
    assert not (example / "public" / "index.html").exists()
    check = cli("-C", example, "check", "--now", AFTER_ALL)
    assert "is missing (deleted by hand?)" in check.err + check.out
    status = cli("-C", example, "status", "--now", AFTER_ALL)
    assert status.code == 1 and "is missing (deleted by hand?)" in status.out
    repaired = cli("-C", example, "publish", "--now", AFTER_ALL)
    assert repaired.code == 0, repaired.out
    assert "redeployed" in repaired.out and "is missing" in repaired.out
    assert (example / "public" / "index.html").is_file()
    assert "nothing new" in cli("-C", example, "publish", "--now", AFTER_ALL).out


def test_incomplete_live_release_is_redeployed(example, cli):
    assert cli("-C", example, "publish", "--now", AFTER_ALL).code == 0
    shutil.rmtree(example / "public" / "fr")
    repaired = cli("-C", example, "publish", "--now", AFTER_ALL)
    assert repaired.code == 0 and "redeployed" in repaired.out and "fr missing" in repaired.out
    assert (example / "public" / "fr" / "index.html").is_file()


@pytest.fixture
def full_disk(example: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A 64 KiB tmpfs inside the project (root can mount one), else an injected ENOSPC."""
    import errno
    import os
    import subprocess

    mount = example / "full"
    mount.mkdir()
    mounted = (
        os.geteuid() == 0
        and subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount)], capture_output=True
        ).returncode
        == 0
    )
    if not mounted:
        real_copytree = shutil.copytree

        def copytree(src, dst, **kw):
            def no_space(s, d, **_):
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), d)

            return real_copytree(src, dst, **{**kw, "copy_function": no_space})

        monkeypatch.setattr(shutil, "copytree", copytree)
    try:
        yield mount
    finally:
        if mounted:
            subprocess.run(["umount", "-l", str(mount)], check=False)
        monkeypatch.undo()


def test_disk_full_is_one_line_and_leaves_no_temp_dir(example, cli, full_disk):
    set_config(example, '[channels.website]\ntype = "directory"\npath = "full/site"\n')
    result = cli("-C", example, "publish", "--now", AFTER_ALL)
    assert result.code == 1, result.out
    [line] = [ln for ln in result.out.splitlines() if "no space left" in ln]
    assert len(line) < 400, line
    assert "free " in line and " MB" in line and "[paths] output elsewhere" in line
    assert not [p for p in full_disk.rglob(".tmp-*")]


def by_hand(wp: WordPressEmulator, method: str, post_id: int, **kw) -> None:
    """What a person does in WordPress's admin (same REST calls, same user)."""
    import requests

    r = requests.request(
        method, f"{wp.base_url}/wp-json/wp/v2/posts/{post_id}", auth=("publisher", PASSWORD), timeout=5, **kw
    )
    assert r.status_code == 200, r.text


def correct(example: Path) -> None:
    path = example / "content" / "incidents" / "2019-11-15-cyberattaque" / "20191122T1700.md"
    text = path.read_text(encoding="utf-8").replace("quasi normales", "normales")
    path.write_text(text.replace("---\n", "---\ncorrection: « quasi » retiré.\n", 1), encoding="utf-8")
    from tests.approvals import approve_file

    approve_file(example, path, "jpetit")  # the correction is approved before it goes out


@pytest.mark.parametrize(
    "change, said",
    [
        ("trash", "was moved to the trash in WordPress"),
        ("edit", "was edited in WordPress by someone"),
        ("delete", "was deleted in WordPress"),
    ],
)
@pytest.mark.parametrize("decision", ["--overwrite-remote", "--adopt-remote"])
def test_drift_is_reported_never_silently_overwritten_then_resolved(example, cli, wp, change, said, decision):
    configure(example, wp)
    assert cli("-C", example, "publish", "--now", AFTER_ALL).code == 0
    [(fr_id, fr_slug)] = [(i.id, i.slug) for i in wp.posts() if i.slug.endswith("-fr")]
    if change == "trash":
        by_hand(wp, "DELETE", fr_id)
    elif change == "edit":
        by_hand(wp, "POST", fr_id, json={"content": "Texte réécrit à la main."})
    else:
        by_hand(wp, "DELETE", fr_id, params={"force": "true"})
    verify = cli("-C", example, "status", "--now", AFTER_ALL, "--verify")
    assert verify.code == 1 and said in verify.out and "--overwrite-remote" in verify.out
    correct(example)
    before = {i.id: (i.status, i.content) for i in wp.items}
    reported = cli("-C", example, "publish", "--now", AFTER_ALL)
    assert reported.code == 1
    assert "publish: drift" in reported.out and said in reported.out and "[needs a person]" in reported.out
    after = {i.id: (i.status, i.content) for i in wp.items}
    assert after[fr_id] == before[fr_id] if fr_id in before else fr_id not in after  # untouched
    assert len(after) == len(before)  # nothing resurrected, nothing recreated
    resolved = cli("-C", example, "publish", "--now", AFTER_ALL, decision)
    assert resolved.code == 0, resolved.out
    posts = {i.id: i for i in wp.items}
    if decision == "--overwrite-remote":
        [now_fr] = [i for i in posts.values() if i.slug.startswith(fr_slug) and i.status == "publish"]
        assert "conditions normales" in now_fr.content
        assert (now_fr.id == fr_id) == (change != "delete")
    else:
        assert "kept-remote" in resolved.out
        assert {i: (p.status, p.content) for i, p in posts.items()} == after
    decisions = rows(example, "SELECT result FROM audit WHERE event = 'drift'")
    assert [d["result"] for d in decisions] == [
        "reported",
        "overwritten" if decision == "--overwrite-remote" else "kept remote",
    ]
    assert "nothing new" in cli("-C", example, "publish", "--now", AFTER_ALL).out


def test_posts_wait_for_the_site_deploy_of_the_same_pass(example, cli, wp):
    (example / "blocked").write_text("a file where the site should go\n")
    set_config(
        example,
        f"""[channels.website]
type = "directory"
path = "blocked/site"

[channels.cms]
type = "wordpress"
base_url = "{wp.base_url}"
user = "publisher"
password_env = "PUBLISHER_TEST_WP_PASSWORD"
""",
    )
    failed = cli("-C", example, "publish", "--now", "2019-11-23T12:00")
    assert failed.code == 1
    assert "cms" in failed.out and "waits for website" in failed.out
    assert wp.posts() == [] and wp.requests == []  # not even asked: nothing links to a missing page
    (example / "blocked").unlink()
    done = cli("-C", example, "publish", "--now", "2019-11-23T12:02")
    assert done.code == 0, done.out
    assert len(wp.posts()) == 2


def test_after_can_be_set_per_channel_and_is_validated(example, cli, wp):
    (example / "blocked").write_text("x\n")
    configure(example, wp)
    text = (example / "publisher.toml").read_text(encoding="utf-8")
    text = text.replace('type = "directory"\n', 'type = "directory"\npath = "blocked/site"\n')
    (example / "publisher.toml").write_text(
        text.replace('type = "wordpress"\n', 'type = "wordpress"\nafter = []\n')
    )
    result = cli("-C", example, "publish", "--now", AFTER_ALL)
    assert result.code == 1 and len(wp.posts()) == 2  # sent without waiting, as configured
    (example / "publisher.toml").write_text(
        text.replace('type = "wordpress"\n', 'type = "wordpress"\nafter = ["webiste"]\n')
    )
    bad = cli("-C", example, "publish", "--now", AFTER_ALL)
    assert bad.code == 2 and "after names 'webiste'" in bad.err and "did you mean 'website'" in bad.err


def test_lost_ledger_duplicates_nothing_on_facebook_and_mastodon(example, cli, fb, masto, monkeypatch):
    from tests.socialkit import FB_TOKEN, MA_TOKEN, fb_options, masto_options
    from tests.socialkit import configure as configure_social

    monkeypatch.setenv("TEST_FB_TOKEN", FB_TOKEN)
    monkeypatch.setenv("TEST_MA_TOKEN", MA_TOKEN)
    set_config(example, '[channels.website]\ntype = "directory"\n')
    configure_social(example, facebook=fb_options(fb.base_url), mastodon=masto_options(masto.base_url))
    assert cli("-C", example, "publish", "--now", AFTER_ALL).code == 0
    posts, statuses = len(fb.posts), len(masto.statuses)
    shutil.rmtree(example / ".publisher")
    again = cli("-C", example, "publish", "--now", AFTER_ALL)
    assert again.code == 0, again.out
    assert (len(fb.posts), len(masto.statuses)) == (posts, statuses)
    assert again.out.count("publish: adopted") == 1 + posts + statuses and "created" not in again.out
    assert {r["state"] for r in rows(example)} == {"delivered"}
