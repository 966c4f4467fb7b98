"""The publishing job against a real WordPress 6.1 (Debian packages, scripts/wordpress-up).

Skipped locally when WordPress is not running; fails under CI=true (see tests/wordpress_real.py).
Every assertion about "no duplicate, no loss" reads the WordPress posts themselves.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.approvals import approve_file, with_correction
from tests.publishing import (
    AFTER_ALL,
    INCIDENT,
    REPO,
    live_release,
    rows,
    run_publisher,
    set_config,
    write_update,
)

if TYPE_CHECKING:
    from tests.wordpress_real import RealWordPress

pytest_plugins = ["tests.wordpress_real"]

PASSWORD_ENV = "PUBLISHER_TEST_WP_PASSWORD"
NEW_TEXT = "Les consultations reprennent normalement dès lundi."
SLUGS = {f"{INCIDENT}-fr", f"{INCIDENT}-en"}


def configure(
    project: Path, wp: RealWordPress, base_url: str | None = None, extra: str = ""
) -> dict[str, str]:
    set_config(
        project,
        f"""[channels.website]
type = "directory"

[channels.cms]
type = "wordpress"
base_url = "{base_url or wp.base_url}"
user = "{wp.user}"
password_env = "{PASSWORD_ENV}"
{extra}""",
    )
    return {PASSWORD_ENV: wp.app_password}


def posts(wp: RealWordPress, kind: str = "posts") -> dict[str, dict]:
    """Our posts by slug; fails on any duplicate (WordPress would append -2 to its slug)."""
    items = [p for p in wp.list_items(kind) if p["slug"].startswith(INCIDENT)]
    by_slug = {p["slug"]: p for p in items}
    assert len(by_slug) == len(items), [p["slug"] for p in items]
    return by_slug


def publish(project: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return run_publisher(project, "publish", *args, env=env)


@pytest.fixture
def wp(clean_wordpress: RealWordPress) -> RealWordPress:
    return clean_wordpress


def test_first_run_creates_one_post_per_language_second_run_nothing(example, wp):
    env = configure(example, wp)
    first = publish(example, env, "--now", AFTER_ALL)
    assert first.returncode == 0, first.stdout + first.stderr
    found = posts(wp)
    assert set(found) == SLUGS
    fr, en = found[f"{INCIDENT}-fr"], found[f"{INCIDENT}-en"]
    assert fr["status"] == "publish" and fr["title"]["raw"].startswith("Cyberattaque")
    assert "Aucune fuite de données médicales" in fr["content"]["raw"]
    assert en["title"]["raw"].startswith("Cyber attack")
    assert f"/en/incidents/{INCIDENT}/20191115T2130.html" in en["content"]["raw"]
    ledger = {r["key"]: r for r in rows(example) if r["channel"] == "cms"}
    assert ledger[f"{INCIDENT}/fr"]["remote_id"] == str(fr["id"])
    assert ledger[f"{INCIDENT}/fr"]["url"] == fr["link"]

    second = publish(example, env, "--now", AFTER_ALL)
    assert second.returncode == 0 and "created" not in second.stdout
    assert "edited" not in second.stdout
    again = posts(wp)
    assert {s: p["modified_gmt"] for s, p in again.items()} == {
        s: p["modified_gmt"] for s, p in found.items()
    }
    status = run_publisher(example, "status", env=env)
    assert fr["link"] in status.stdout and en["link"] in status.stdout


def test_editing_an_update_edits_the_same_posts(example, wp):
    env = configure(example, wp)
    publish(example, env, "--now", AFTER_ALL)
    ids = {s: p["id"] for s, p in posts(wp).items()}
    path = example / "content" / "incidents" / INCIDENT / "20191120T1800.md"
    path.write_text(with_correction(path.read_text("utf-8") + "\n" + NEW_TEXT + "\n", "Ajout"), "utf-8")
    approve_file(example, path, "jpetit")  # the edit is approved again
    result = publish(example, env, "--now", AFTER_ALL)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("edited") >= 2  # website + cms/fr (+ cms/en: fallback text)
    after = posts(wp)
    assert {s: p["id"] for s, p in after.items()} == ids
    assert NEW_TEXT in after[f"{INCIDENT}-fr"]["content"]["raw"]


def test_future_update_goes_out_only_once_due(example, wp):
    env = configure(example, wp)
    write_update(example, "20191125T0900", "2019-11-25T09:00", NEW_TEXT)
    publish(example, env, "--now", "2019-11-25T08:59")
    assert NEW_TEXT not in posts(wp)[f"{INCIDENT}-fr"]["content"]["raw"]
    due = publish(example, env, "--now", "2019-11-25T09:00")
    assert due.returncode == 0
    assert NEW_TEXT in posts(wp)[f"{INCIDENT}-fr"]["content"]["raw"]


def test_unapproved_update_is_held(example, wp):
    env = configure(example, wp)
    write_update(example, "20191124T1000", "2019-11-24T10:00", NEW_TEXT, approved_by=None)
    result = publish(example, env, "--now", "2019-11-24T12:00")
    assert result.returncode == 0 and "held" in result.stdout
    assert NEW_TEXT not in posts(wp)[f"{INCIDENT}-fr"]["content"]["raw"]


def test_concurrent_runs_never_both_deliver(example, wp):
    env = {**os.environ, "PYTHONPATH": str(REPO), **configure(example, wp)}
    cmd = [sys.executable, "-m", "publisher", "-C", str(example), "publish", "--now", AFTER_ALL]
    procs = [
        subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(4)
    ]
    codes = [p.wait(timeout=120) for p in procs]
    assert set(codes) <= {0, 3} and 0 in codes
    assert set(posts(wp)) == SLUGS  # posts() fails on a duplicate


@pytest.mark.parametrize("point", ["before_send", "after_send"])
def test_sigkill_around_the_remote_call_is_recovered(example, wp, point):
    env = configure(example, wp)
    crashed = publish(example, {**env, "PUBLISHER_TEST_CRASH_AT": f"{point}:cms"}, "--now", AFTER_ALL)
    assert crashed.returncode == -9
    in_flight = [r for r in rows(example) if r["state"] == "sending"]
    assert len(in_flight) == 1 and in_flight[0]["channel"] == "cms"
    assert len(posts(wp)) == (1 if point == "after_send" else 0)

    recovered = publish(example, env, "--now", AFTER_ALL)
    assert recovered.returncode == 0, recovered.stdout + recovered.stderr
    if point == "after_send":
        assert "reconciled" in recovered.stdout
    found = posts(wp)
    assert set(found) == SLUGS  # no duplicate, no loss
    assert "Aucune fuite de données médicales" in found[f"{INCIDENT}-fr"]["content"]["raw"]
    assert "no leak of medical or personal data" in found[f"{INCIDENT}-en"]["content"]["raw"]
    ledger = {r["key"]: r for r in rows(example) if r["channel"] == "cms" and r["state"] == "delivered"}
    assert {ledger[k]["remote_id"] for k in ledger} == {str(p["id"]) for p in found.values()}


@pytest.mark.parametrize("point", ["before_send", "after_send"])
def test_sigkill_during_an_edit_keeps_the_same_post(example, wp, point):
    env = configure(example, wp)
    publish(example, env, "--now", AFTER_ALL)
    ids = {s: p["id"] for s, p in posts(wp).items()}
    path = example / "content" / "incidents" / INCIDENT / "20191120T1800.md"
    path.write_text(with_correction(path.read_text("utf-8") + "\n" + NEW_TEXT + "\n", "Ajout"), "utf-8")
    approve_file(example, path, "jpetit")  # the edit is approved again
    crashed = publish(example, {**env, "PUBLISHER_TEST_CRASH_AT": f"{point}:cms"}, "--now", AFTER_ALL)
    assert crashed.returncode == -9
    recovered = publish(example, env, "--now", AFTER_ALL)
    assert recovered.returncode == 0, recovered.stdout + recovered.stderr
    after = posts(wp)
    assert {s: p["id"] for s, p in after.items()} == ids
    assert NEW_TEXT in after[f"{INCIDENT}-fr"]["content"]["raw"]


def test_wordpress_down_exit_1_retried_next_run_website_still_deployed(example, wp):
    env = configure(example, wp, base_url="http://127.0.0.1:9")  # nothing listens there
    down = publish(example, env, "--now", AFTER_ALL)
    assert down.returncode == 1, down.stdout + down.stderr
    assert "unreachable" in down.stdout and "cms" in down.stdout
    assert "Aucune fuite" in (example / "public" / "fr" / "incidents" / INCIDENT / "index.html").read_text(
        "utf-8"
    )
    assert live_release(example)
    config = example / "publisher.toml"
    config.write_text(config.read_text("utf-8").replace("http://127.0.0.1:9", wp.base_url))
    retried = publish(example, env, "--now", "2019-11-23T12:02")
    assert retried.returncode == 0, retried.stdout + retried.stderr
    assert set(posts(wp)) == SLUGS
    states = {(r["key"], r["state"], r["attempts"]) for r in rows(example) if r["channel"] == "cms"}
    assert states == {(f"{INCIDENT}/fr", "delivered", 2), (f"{INCIDENT}/en", "delivered", 2)}


def test_wrong_password_is_reported_without_leaking_it(example, wp):
    configure(example, wp)
    secret = "WrongSecretMarker1234567"
    result = publish(example, {PASSWORD_ENV: secret}, "--now", AFTER_ALL)
    assert result.returncode == 1
    assert "did not accept the application password" in result.stdout
    assert PASSWORD_ENV in result.stdout
    assert secret not in result.stdout + result.stderr
    ledger = (example / ".publisher" / "ledger.db").read_bytes()
    assert secret.encode() not in ledger
    assert posts(wp) == {}


def test_pages_instead_of_posts(example, wp):
    env = configure(example, wp, extra='post_type = "page"\n')
    assert publish(example, env, "--now", AFTER_ALL).returncode == 0
    assert set(posts(wp, "pages")) == SLUGS and posts(wp) == {}


def test_post_deleted_in_wordpress_is_reported_then_published_again_on_request(example, wp):
    env = configure(example, wp)
    publish(example, env, "--now", AFTER_ALL)
    fr = posts(wp)[f"{INCIDENT}-fr"]
    wp.delete(f"/wp/v2/posts/{fr['id']}", params={"force": "true"}).raise_for_status()
    write_update(example, "20191124T1000", "2019-11-24T10:00", NEW_TEXT)
    reported = publish(example, env, "--now", "2019-11-24T12:00")
    assert reported.returncode == 1, reported.stdout + reported.stderr
    assert "was deleted in WordPress" in reported.stdout and "--overwrite-remote" in reported.stdout
    assert f"{INCIDENT}-fr" not in posts(wp)  # never silently resurrected
    result = publish(example, env, "--now", "2019-11-24T12:00", "--overwrite-remote")
    assert result.returncode == 0, result.stdout + result.stderr
    again = posts(wp)[f"{INCIDENT}-fr"]
    assert again["id"] != fr["id"] and NEW_TEXT in again["content"]["raw"]


def test_post_trashed_in_wordpress_is_reported_and_kept_on_request(example, wp):
    env = configure(example, wp)
    publish(example, env, "--now", AFTER_ALL)
    fr = posts(wp)[f"{INCIDENT}-fr"]
    wp.delete(f"/wp/v2/posts/{fr['id']}").raise_for_status()  # to the trash
    write_update(example, "20191124T1000", "2019-11-24T10:00", NEW_TEXT)
    reported = publish(example, env, "--now", "2019-11-24T12:00")
    assert reported.returncode == 1 and "moved to the trash in WordPress" in reported.stdout
    assert wp.get_item(fr["id"])["status"] == "trash"  # not un-trashed by the correction
    verify = run_publisher(example, "status", "--verify", env=env)
    assert verify.returncode == 1 and "moved to the trash" in verify.stdout
    kept = publish(example, env, "--now", "2019-11-24T12:00", "--adopt-remote")
    assert kept.returncode == 0 and "kept-remote" in kept.stdout
    assert wp.get_item(fr["id"])["status"] == "trash"


def test_lost_ledger_creates_no_second_post(example, wp):
    import shutil

    env = configure(example, wp)
    publish(example, env, "--now", AFTER_ALL)
    ids = {s: p["id"] for s, p in posts(wp).items()}
    shutil.rmtree(example / ".publisher")  # a new laptop on the night of the attack
    again = publish(example, env, "--now", AFTER_ALL)
    assert again.returncode == 0, again.stdout + again.stderr
    assert again.stdout.count("publish: adopted") == 3 and "created" not in again.stdout
    assert {s: p["id"] for s, p in posts(wp).items()} == ids  # no "-2" slug
    write_update(example, "20191124T1000", "2019-11-24T10:00", NEW_TEXT)
    shutil.rmtree(example / ".publisher")  # lost again, and the text changed meanwhile
    edited = publish(example, env, "--now", "2019-11-24T12:00")
    assert edited.returncode == 0, edited.stdout + edited.stderr
    after = posts(wp)
    assert {s: p["id"] for s, p in after.items()} == ids
    assert NEW_TEXT in after[f"{INCIDENT}-fr"]["content"]["raw"]


def test_broken_file_exit_2_while_valid_updates_reach_wordpress(example, wp):
    env = configure(example, wp)
    write_update(example, "20191124T1000", "2019-11-24T10:00", NEW_TEXT, status="fixed")
    result = publish(example, env, "--now", "2019-11-24T12:00")
    assert result.returncode == 2, result.stdout + result.stderr
    assert f"content/incidents/{INCIDENT}/20191124T1000.md:2" in result.stderr
    found = posts(wp)
    assert set(found) == SLUGS and NEW_TEXT not in found[f"{INCIDENT}-fr"]["content"]["raw"]
    assert "Aucune fuite de données médicales" in found[f"{INCIDENT}-fr"]["content"]["raw"]


def test_markup_in_a_title_stays_text(example, wp):
    env = configure(example, wp)
    incident = example / "content" / "incidents" / INCIDENT / "incident.md"
    text = incident.read_text("utf-8")
    incident.write_text(
        text.replace("title: Cyberattaque", "title: <b>A&E</b> Cyberattaque"), encoding="utf-8"
    )
    assert publish(example, env, "--now", AFTER_ALL).returncode == 0
    fr = posts(wp)[f"{INCIDENT}-fr"]
    assert fr["title"]["raw"].startswith("&lt;b&gt;A&amp;E&lt;/b&gt; Cyberattaque")
