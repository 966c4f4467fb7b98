"""A French comms officer's command line: French help and messages under a French locale,
times and statuses as people write them, echoed back in full; English unchanged for LANG=C."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from publisher import spoken
from tests.publishing import INCIDENT, REPO

PARIS = ZoneInfo("Europe/Paris")


def run(project: Path, *args: str, lang: str = "fr_FR.UTF-8") -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LC_")}
    # The example declares [people]: every draft needs a known author (cmartin writes them).
    env.update(LANG=lang, PYTHONPATH=str(REPO), PUBLISHER_USER="cmartin")
    return subprocess.run(
        [sys.executable, "-m", "publisher", "-C", str(project), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def front(project: Path, stem: str) -> str:
    return (project / "content" / "incidents" / INCIDENT / f"{stem}.md").read_text(encoding="utf-8")


def test_help_speaks_french_under_a_french_locale(example):
    top = run(example, "--help")
    assert top.returncode == 0
    assert top.stdout.startswith("utilisation : publisher")
    assert "diffuser ce qui est dû sur chaque canal" in top.stdout
    assert "Codes de sortie : 0 tout va bien" in top.stdout
    sub = run(example, "new", "update", "--help")
    assert "promesse du prochain point" in sub.stdout and "22h30" in sub.stdout
    assert "afficher cette aide et quitter" in sub.stdout


def test_english_is_unchanged_for_lang_c_and_other_locales(example):
    for lang in ("C", "de_DE.UTF-8"):
        top = run(example, "--help", lang=lang)
        assert top.stdout.startswith("usage: publisher")
        assert "deliver what is due to every channel" in top.stdout


def test_lang_option_wins_over_the_environment(example):
    assert run(example, "--lang", "fr", "check", lang="C").stdout.startswith("vérifié")


def test_argparse_errors_in_french(example):
    bad = run(example, "publish", "--bogus")
    assert bad.returncode == 2 and "arguments non reconnus : --bogus" in bad.stderr


def test_check_on_a_broken_file_speaks_french(example):
    path = example / "content" / "incidents" / INCIDENT / "20191124T1000.md"
    path.write_text('---\nstatus: fixed\npublish_at: "2019-11-24T10:00"\n---\nTexte.\n', encoding="utf-8")
    result = run(example, "check", "--now", "2019-11-24T12:00")
    assert result.returncode == 2
    assert f"content/incidents/{INCIDENT}/20191124T1000.md:2: erreur:" in result.stderr
    assert "\n    solution: " in result.stderr
    assert "vérifié 1 incident(s)" in result.stdout and "erreur(s)" in result.stdout
    english = run(example, "check", "--now", "2019-11-24T12:00", lang="C")
    assert "20191124T1000.md:2: error:" in english.stderr and "\n    fix: " in english.stderr
    assert english.stdout.startswith("checked 1 incidents")


def test_status_speaks_french(example):
    assert run(example, "publish", "--now", "2019-11-23T12:00").returncode == 0
    status = run(example, "status", "--now", "2019-11-23T12:00")
    assert status.returncode == 0 and "Publié:" in status.stdout


@pytest.mark.parametrize(
    "written, expected",
    [
        ("22h30", "2019-11-19T22:30"),
        ("22:30", "2019-11-19T22:30"),
        ("16h", "2019-11-20T16:00"),  # not later today than the update: tomorrow
        ("+2h", "2019-11-19T22:00"),
        ("+30min", "2019-11-19T20:30"),
        ("demain 9h", "2019-11-20T09:00"),
        ("tomorrow 9am", "2019-11-20T09:00"),
    ],
)
def test_next_update_as_people_write_it_is_echoed_in_full(example, written, expected):
    result = run(
        example,
        "new",
        "update",
        "cyberattaque",
        "--text",
        "Les urgences restent ouvertes.",
        "--at",
        "2019-11-19T20:00",
        "--next-update",
        written,
        "--status",
        "en cours",
    )
    assert result.returncode == 0, result.stderr
    text = front(example, "20191119T2000")
    assert f'next_update: "{expected}"' in text and "status: investigating" in text
    day = {"19": "mardi 19", "20": "mercredi 20"}[expected[8:10]]
    assert f"prochain point promis : {day} novembre 2019 à {expected[11:]} (heure de Paris)" in result.stdout
    assert "heure de publication : mardi 19 novembre 2019 à 20:00 (heure de Paris)" in result.stdout


@pytest.mark.parametrize("written", ["résolu", "Resolu", "RÉSOLU", "resolved"])
def test_status_in_either_language_accents_optional(example, written):
    result = run(
        example, "new", "update", INCIDENT, "--text", "Fin.", "--at", "2019-11-19T20:00", "--status", written
    )
    assert result.returncode == 0, result.stderr
    assert "status: resolved" in front(example, "20191119T2000")


def test_unknown_time_and_status_say_what_is_understood(example):
    bad_time = run(example, "new", "update", INCIDENT, "--text", "x", "--next-update", "lundi")
    assert bad_time.returncode == 2 and "22h30" in bad_time.stderr and "demain 9h" in bad_time.stderr
    bad_status = run(example, "new", "update", INCIDENT, "--text", "x", "--status", "fini")
    assert bad_status.returncode == 2 and "resolved" in bad_status.stderr


def test_spoken_times_keep_the_dst_rules():
    ref = datetime(2019, 3, 30, 12, 0, tzinfo=UTC)
    with pytest.raises(spoken.SpokenError, match="DST gap"):
        spoken.parse_when("demain 2h30", ref, PARIS)
    ref = datetime(2019, 10, 26, 12, 0, tzinfo=UTC)
    with pytest.raises(spoken.SpokenError, match="DST overlap"):
        spoken.parse_when("demain 2h30", ref, PARIS)
    assert spoken.parse_when("9pm", ref, PARIS).astimezone(PARIS).hour == 21
    with pytest.raises(spoken.SpokenError, match="00:00 to 23:59"):
        spoken.parse_when("24h", ref, PARIS)
    assert (
        spoken.impact_word("Critique") == "critical"
        and spoken.status_word("sous surveillance") == "monitoring"
    )


def documented_commands() -> list[str]:
    """The publisher command lines docs/scheduling.md gives for cron and monitoring."""
    import re

    text = (REPO / "docs" / "scheduling.md").read_text(encoding="utf-8")
    return re.findall(r"(?:/usr/local/bin/)?publisher (?:-C \S+ )?((?:publish|status)[^>|\n`]*)", text)


def test_the_documented_monitoring_commands_work_as_written(example):
    import json

    commands = documented_commands()
    cron = next(c for c in commands if c.startswith("publish --quiet"))
    assert cron.split() == ["publish", "--quiet", "--log-format", "json"]
    for now in ("2019-11-23T12:00", "2019-11-23T12:01"):  # a delivery, then an idle minute
        out = run(example, *cron.split(), "--now", now, lang="C").stdout.splitlines()
        summary = [json.loads(line) for line in out if '"summary"' in line]
        assert len(summary) == 1 and summary[0]["exit"] == 0  # the line monitoring waits for
    check = next(c for c in commands if c.startswith("status --json"))
    ok = run(example, *check.split(), "--now", "2019-11-23T12:01", lang="C")
    assert ok.returncode == 0 and json.loads(ok.stdout)["failing"] == []
    (example / "content" / "incidents" / INCIDENT / "20191124T1000.md").write_text(
        '---\nstatus: monitoring\npublish_at: "2019-11-24T10:00"\n---\nEn attente.\n', encoding="utf-8"
    )
    held = run(example, *check.split(), "--now", "2019-11-24T12:00", lang="C")
    assert held.returncode == 1 and json.loads(held.stdout)["held"]


@pytest.mark.parametrize("name", ["panne-informatique", "it-outage", "Panne-Informatique"])
def test_statement_names_in_either_language(example, name):
    result = run(
        example,
        "new",
        "update",
        INCIDENT,
        "--from",
        name,
        "--at",
        "2019-11-19T20:00",
        "--set",
        "time=14 h",
        "--set",
        "time@en=2 pm",
        "--set",
        "service=les consultations",
        "--set",
        "service@en=outpatient clinics",
    )
    assert result.returncode == 0, result.stderr
    assert "Depuis 14 h" in front(example, "20191119T2000")


def test_unknown_statement_lists_the_aliases(example):
    result = run(example, "new", "update", INCIDENT, "--from", "panne")
    assert result.returncode == 2 and "it-outage (panne-informatique)" in result.stderr


def test_init_without_url_warns_and_check_keeps_warning(tmp_path):
    made = run(tmp_path, "init", "hopital", "--organisation", "CH de Test", lang="C")
    assert made.returncode == 0 and "warning: no --url given" in made.stdout
    check = run(tmp_path / "hopital", "check", lang="C")
    assert "base_url is still the placeholder https://statut.example.org/" in check.stderr
    assert "publisher.toml:" in check.stderr
    given = run(tmp_path, "init", "autre", "--url", "https://statut.ch-test.fr/", lang="C")
    assert "warning" not in given.stdout
    assert "placeholder" not in run(tmp_path / "autre", "check", lang="C").stderr
