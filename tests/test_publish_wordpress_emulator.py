"""The WordPress channel against the emulator: faults the real server will not produce on
demand (500, an HTML 503 with Retry-After, a dropped connection after the post was created,
a timeout), and the golden file of what WordPress receives."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.emulators.base import Delay, Drop
from tests.emulators.wordpress import WordPressEmulator, html_fault, wp_error
from tests.golden import compare_tree
from tests.publishing import AFTER_ALL, INCIDENT, live_release, rows, set_config

PASSWORD = "abcd EFGH 1234 ijkl MNOP 5678"
SLUGS = [f"{INCIDENT}-en", f"{INCIDENT}-fr"]


@pytest.fixture
def wp(monkeypatch: pytest.MonkeyPatch) -> Iterator[WordPressEmulator]:
    monkeypatch.setenv("PUBLISHER_TEST_WP_PASSWORD", PASSWORD)
    with WordPressEmulator(users={"publisher": PASSWORD}) as emu:
        yield emu
        assert emu.server_errors == []


def configure(project: Path, wp: WordPressEmulator, extra: str = "") -> None:
    set_config(
        project,
        f"""[channels.website]
type = "directory"

[channels.cms]
type = "wordpress"
base_url = "{wp.base_url}"
user = "publisher"
password_env = "PUBLISHER_TEST_WP_PASSWORD"
{extra}""",
    )


def slugs(wp: WordPressEmulator) -> list[str]:
    return sorted(i.slug for i in wp.posts())


def cms_rows(project: Path) -> dict[str, dict]:
    return {r["key"]: r for r in rows(project) if r["channel"] == "cms"}


def test_golden_what_wordpress_receives(example, cli, wp):
    configure(example, wp)
    assert cli("-C", example, "publish", "--now", AFTER_ALL).code == 0
    bodies = {}
    for req in wp.requests_for("posts.create"):
        body = dict(req.body)
        assert body["content"].rstrip().endswith("-->")  # the delivery marker, then:
        body["content"] = body["content"].rsplit("<!-- publisher:", 1)[0]
        bodies[f"{body['slug']}.json"] = (
            json.dumps(body, indent=1, ensure_ascii=False, sort_keys=True) + "\n"
        ).encode()
    assert sorted(bodies) == [f"{s}.json" for s in SLUGS]
    compare_tree(bodies, "wordpress")


def test_500_exit_1_website_still_deployed_then_retried(example, cli, wp):
    configure(example, wp)
    wp.inject("posts.create", wp_error("internal_server_error"), times=2)
    first = cli("-C", example, "publish", "--now", AFTER_ALL)
    assert first.code == 1
    assert "answered 500 internal_server_error" in first.out and "[temporary]" in first.out
    assert live_release(example) and (example / "public" / "index.html").is_file()
    assert slugs(wp) == []
    assert {r["state"] for r in cms_rows(example).values()} == {"failed"}
    waiting = cli("-C", example, "publish", "--now", AFTER_ALL)
    assert waiting.code == 1 and "waiting" in waiting.out
    retried = cli("-C", example, "publish", "--now", "2019-11-23T12:01")
    assert retried.code == 0, retried.out
    assert slugs(wp) == SLUGS


def test_html_503_with_retry_after_is_honoured(example, cli, wp):
    configure(example, wp)
    wp.inject("users.me", html_fault(503, headers={"Retry-After": "600"}))
    first = cli("-C", example, "publish", "--now", AFTER_ALL)
    assert first.code == 1 and "503 non-JSON answer" in first.out
    assert {r["next_attempt_at"] for r in cms_rows(example).values()} == {"2019-11-23T11:10:00Z"}
    assert len(wp.requests_for("users.me")) == 1  # the second delivery did not ask again
    assert cli("-C", example, "publish", "--now", "2019-11-23T12:05").code == 1
    assert cli("-C", example, "publish", "--now", "2019-11-23T12:10").code == 0
    assert slugs(wp) == SLUGS


@pytest.mark.parametrize("fault", [Drop(commit=True), Delay(3, commit=True)], ids=["dropped", "timeout"])
def test_answer_lost_after_create_is_reconciled_not_duplicated(example, cli, wp, fault):
    configure(example, wp, extra="timeout = 1\n")
    wp.inject("posts.create", fault)
    first = cli("-C", example, "publish", "--now", AFTER_ALL)
    assert first.code == 1
    assert len(wp.posts()) == 2  # one arrived though the answer was lost, one went normally
    retried = cli("-C", example, "publish", "--now", "2019-11-23T12:01")
    assert retried.code == 0, retried.out
    assert "reconciled" in retried.out
    assert slugs(wp) == SLUGS  # still two: the lost answer did not make a duplicate
    assert {r["state"] for r in cms_rows(example).values()} == {"delivered"}


def test_wrong_password_fails_once_per_pass_and_names_the_variable(example, cli, wp, monkeypatch):
    monkeypatch.setenv("PUBLISHER_TEST_WP_PASSWORD", "not the right one")
    configure(example, wp)
    result = cli("-C", example, "publish", "--now", AFTER_ALL)
    assert result.code == 1
    assert "PUBLISHER_TEST_WP_PASSWORD" in result.out and "[needs a person]" in result.out
    assert "not the right one" not in result.out + result.err
    assert len(wp.requests_for("users.me")) == 1 and wp.posts() == []


def test_missing_password_variable(example, cli, wp, monkeypatch):
    monkeypatch.delenv("PUBLISHER_TEST_WP_PASSWORD")
    configure(example, wp)
    result = cli("-C", example, "publish", "--now", AFTER_ALL)
    assert result.code == 1 and "PUBLISHER_TEST_WP_PASSWORD is not set" in result.out


def test_bad_wordpress_options_are_config_errors(example, cli, wp):
    set_config(
        example,
        '[channels.cms]\ntype = "wordpress"\nbase_url = "ftp://x"\n'
        'user = "u"\npassword_env = "my secret pw"\npost_typ = "page"\n',
    )
    result = cli("-C", example, "publish")
    assert result.code == 2
    assert "base_url must start with http" in result.err
    assert "password_env is the *name* of an environment variable" in result.err
    assert "did you mean 'post_type'" in result.err


def test_check_reports_an_unset_password_variable(example, cli, wp, monkeypatch):
    monkeypatch.delenv("PUBLISHER_TEST_WP_PASSWORD")
    configure(example, wp)
    result = cli("-C", example, "check", "--now", AFTER_ALL)
    assert result.code == 2
    assert "PUBLISHER_TEST_WP_PASSWORD is not set" in result.err
    assert "publisher.toml:" in result.err


def test_removed_incident_is_reported_not_deleted(example, cli, wp):
    import shutil

    configure(example, wp)
    assert cli("-C", example, "publish", "--now", AFTER_ALL).code == 0
    shutil.rmtree(example / "content" / "incidents" / INCIDENT)
    result = cli("-C", example, "publish", "--now", AFTER_ALL)
    assert result.code == 0
    assert result.out.count("removed") >= 2 and "left in place" in result.out
    assert slugs(wp) == SLUGS and wp.requests_for("posts.delete") == []
    status = cli("-C", example, "status", "--now", AFTER_ALL)
    assert "Removed from content but still published" in status.out
    assert f"{INCIDENT}/fr" in status.out and f"{INCIDENT}/en" in status.out


def test_a_post_shows_corrections_and_withdrawals_as_the_site_does(example, cli, wp):
    """A corrected update gets its dated change note and the link to its previous text on
    the status site; a withdrawn one says so first, links the replacing statement and keeps
    its text in a marked block; the wrapper says which language the post is in."""
    configure(example, wp)
    assert cli("-C", example, "publish", "--now", AFTER_ALL).code == 0
    folder = example / "content" / "incidents" / INCIDENT
    path = folder / "20191116T1130.md"
    path.write_text(
        path.read_text(encoding="utf-8")
        .replace("vers minuit", "vers 23 h 30")
        .replace("\n---\n", "\ncorrection: Heure corrigée.\n---\n", 1),
        encoding="utf-8",
    )
    (folder / "20191122T1800.md").write_text(
        '---\nstatus: resolved\npublish_at: "2019-11-22T18:00"\nauthor: cmartin\n'
        "retracts: 20191115T2130\n---\nLe premier communiqué contenait une erreur.\n",
        encoding="utf-8",
    )
    # [people] is declared: the correction and the retraction go out once approved
    assert cli("-C", example, "approve", f"{INCIDENT}/20191116T1130", "--as", "jpetit", "--yes").code == 0
    assert cli("-C", example, "approve", f"{INCIDENT}/20191122T1800", "--as", "hbernard", "--yes").code == 0
    result = cli("-C", example, "publish", "--now", AFTER_ALL)
    assert result.code == 0, result.out + result.err
    fr = next(i for i in wp.posts() if i.slug == f"{INCIDENT}-fr").content
    en = next(i for i in wp.posts() if i.slug == f"{INCIDENT}-en").content
    assert fr.startswith('<div class="publisher-incident" lang="fr">')
    assert en.startswith('<div class="publisher-incident" lang="en">')
    assert "Corrigé le" in fr and "Heure corrigée." in fr
    assert f"https://status.chu-rouen.example/fr/incidents/{INCIDENT}/20191116T1130/v-" in fr
    withdrawn = fr[fr.index("<strong>Retiré le") :]
    replacing = f"https://status.chu-rouen.example/fr/incidents/{INCIDENT}/20191122T1800.html"
    assert replacing in withdrawn[:400]
    marked = withdrawn.index("Texte retiré (n’est plus valable)")
    assert withdrawn.index("Ce vendredi 15 novembre") > marked  # the old text after the notice
    assert "Que faire, qui appeler" in fr and 'href="tel:15"' in fr
