"""`publisher preview` as a comms officer uses it: a real server process, pages over HTTP,
a file saved, the page reloaded."""

from __future__ import annotations

import os
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
INC = "2026-11-30-panne-informatique"


@pytest.fixture
def project(tmp_path: Path, cli) -> Path:
    root = tmp_path / "hopital"
    assert (
        cli(
            "init",
            root,
            "--organisation",
            "CH de Test",
            "--phone",
            "02 00 00 00 00",
            "--url",
            "https://statut.ch-test.example/",
        ).code
        == 0
    )
    with open(root / "publisher.toml", "a", encoding="utf-8") as f:
        f.write(
            '\n[channels.facebook]\ntype = "facebook"\n\n[channels.mastodon]\n'
            'type = "mastodon"\ninstance = "https://social.example"\n'
        )
    assert (
        cli(
            "-C",
            root,
            "new",
            "incident",
            "Panne informatique",
            "--title",
            "en=IT outage",
            "--now",
            "2026-11-30T14:00",
        ).code
        == 0
    )
    r = cli(
        "-C",
        root,
        "new",
        "update",
        "panne",
        "--from",
        "it-outage",
        "--set",
        "time=14 h",
        "--set",
        "time@en=2 pm",
        "--set",
        "service=les consultations",
        "--set",
        "service@en=outpatient clinics",
        "--now",
        "2026-11-30T14:05",
    )
    assert r.code == 0, r.err
    return root


@pytest.fixture
def server(project: Path) -> Iterator[str]:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "publisher",
            "-C",
            str(project),
            "preview",
            "--port",
            "0",
            "--now",
            "2026-11-30T14:30",
        ],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.startswith("preview: http://127.0.0.1:"), (
            line,
            proc.stderr.read() if proc.poll() is not None else "",
        )
        yield line.split()[1].rstrip("/")
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=20) as response:
        assert response.status == 200
        assert response.headers["Cache-Control"] == "no-store"
        return str(response.read().decode())


def test_preview_serves_site_print_posts_and_findings(server: str) -> None:
    fr = get(f"{server}/fr/incidents/{INC}/")
    assert "Depuis 14 h, une panne informatique perturbe le fonctionnement de CH de Test." in fr
    en = get(f"{server}/en/incidents/{INC}/")
    assert "Since 2 pm, an IT outage has been disrupting CH de Test." in en
    assert "Translation in progress" not in en
    notice = get(f"{server}/print/{INC}.html")
    assert "Information des patients et du public" in notice and "IT outage" in notice
    assert "1 incident en cours" in get(f"{server}/banner/fr.html")
    dashboard = get(f"{server}/_preview/")
    # each social post as its channel's plan() composes it
    assert "facebook (facebook)" in dashboard and "mastodon (mastodon)" in dashboard
    assert "Depuis 14 h, une panne informatique" in dashboard
    assert f"https://statut.ch-test.example/fr/incidents/{INC}/20261130T1405.html" in dashboard
    assert "/ 500 caractères" in dashboard  # Mastodon's length, measured as the channel does
    assert "0 erreur(s)" in dashboard


def test_preview_rebuilds_when_a_file_changes(server: str, project: Path) -> None:
    update = project / f"content/incidents/{INC}/20261130T1405.md"
    assert "Nos équipes sont mobilisées" in get(f"{server}/fr/index.html")
    text = update.read_text().replace("Nos équipes sont mobilisées", "Nos équipes restent mobilisées")
    update.write_text(text)
    page = get(f"{server}/fr/index.html")
    assert "Nos équipes restent mobilisées" in page and "Nos équipes sont mobilisées" not in page
    # the changed paragraph has no translation any more: English falls back, and check says so
    assert "Translation in progress" in get(f"{server}/en/incidents/{INC}/")
    dashboard = get(f"{server}/_preview/")
    assert f"content/incidents/{INC}/20261130T1405.md:15</code> warning: en: 1 of 6 blocks" in dashboard
    # a broken file is reported on the dashboard; the rest of the site keeps working
    update.write_text(text.replace("status: investigating", "status: investigatin"))
    dashboard = get(f"{server}/_preview/")
    assert (
        f"content/incidents/{INC}/20261130T1405.md:2</code> error: &#39;investigatin&#39; is not "
        "a valid status" in dashboard
    )
    assert "did you mean &#39;investigating&#39;?" in dashboard
    assert get(f"{server}/fr/index.html")
