"""`publisher check` on deliberately bad files: every finding, its line, its severity."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

INC = "content/incidents/2026-11-30-panne"
PO = "locales/en/LC_MESSAGES/incidents/2026-11-30-panne.po"


def write(project: Path, rel: str, text: str) -> None:
    path = project / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


@pytest.fixture
def bad(tmp_path: Path, cli) -> Path:
    project = tmp_path / "p"
    assert (
        cli(
            "init",
            project,
            "--organisation",
            "CH de Test",
            "--phone",
            "02 00 00 00 00",
            "--url",
            "https://statut.ch-test.fr/",
        ).code
        == 0
    )
    write(project, f"{INC}/incident.md", "---\ntitle: Panne du réseau\nimpact: major\n---\n")
    # 1: approved, translated, but promised an update for 11:00 that never came.
    write(
        project,
        f"{INC}/20261130T0900.md",
        """---
status: investigating
publish_at: "2026-11-30T09:00"
approved_by: Direction
next_update: "2026-11-30T11:00"
---
Le réseau est coupé.
""",
    )
    # 2: not approved, a placeholder left, a broken internal link, a date promise, a ransom.
    write(
        project,
        f"{INC}/20261130T1000.md",
        """---
status: identified
publish_at: "2026-11-30T10:00"
next_update: "2026-11-30T09:30"
---
Le service {service} est touché.

Voir [le point précédent](/fr/incidents/2026-11-30-panne/20261130T0800.html) et
[l'accueil](/fr/index.html).

Le service sera rétabli demain. Aucune rançon n’a été payée.
""",
    )
    # 3: the cyber-attack words, and an untranslated update.
    write(
        project,
        f"{INC}/20261130T1030.md",
        """---
status: identified
publish_at: "2026-11-30T10:30"
approved_by: Direction
---
Le piratage a été revendiqué par un groupe de hackers.
""",
    )
    write(
        project,
        PO,
        """msgid ""
msgstr ""
"Language: en\\n"
"Content-Type: text/plain; charset=utf-8\\n"

msgctxt "title"
msgid "Panne du réseau"
msgstr "Network outage"

msgid "Le réseau est coupé."
msgstr "The network is down. It will be restored by tomorrow."

#, fuzzy
msgid "Le service {service} est touché."
msgstr "The {service} service is affected."
""",
    )
    return project


def findings(err: str) -> list[tuple[str, int, str, str]]:
    return [
        (m.group(1), int(m.group(2)), m.group(3), m.group(4))
        for m in re.finditer(r"^(\S+?):(\d+): (error|warning): (.*)$", err, re.M)
    ]


def test_check_reports_each_problem_with_its_line(bad: Path, cli) -> None:
    r = cli("-C", bad, "check", "--now", "2026-11-30T12:00")
    assert r.code == 2
    got = set(findings(r.err))
    u1, u2, u3 = (f"{INC}/20261130T{t}.md" for t in ("0900", "1000", "1030"))
    expected = {
        # stops or spoils publication
        (u2, 3, "error", "not approved: this update is due but will not be published"),
        (u2, 4, "error", "next_update is not after publish_at"),
        (u2, 6, "error", "unfilled placeholder {service}"),
        (
            u2,
            8,
            "error",
            "broken link: '/fr/incidents/2026-11-30-panne/20261130T0800.html' points to "
            "fr/incidents/2026-11-30-panne/20261130T0800.html, which the site does not have",
        ),
        # the latest update (10:30) made no promise: 9:00's promise of 11:00 was superseded
        # readers fall back
        (
            u2,
            6,
            "warning",
            "en: 3 of 3 blocks have no usable translation (fuzzy, missing): "
            "the en pages will show this update in fr",
        ),
        (
            u3,
            6,
            "warning",
            "en: 1 of 1 blocks have no usable translation (missing): "
            "the en pages will show this update in fr",
        ),
        # guidance lints
        (u2, 11, "warning", "'sera rétabli demain' promises a return-to-normal date"),
        (u2, 11, "warning", "'rançon' mentions a ransom"),
        (u3, 6, "warning", "'piratage' is a word to avoid"),
        (u3, 6, "warning", "'revendiqué' attributes the attack"),
        (u3, 6, "warning", "'hackers' attributes the attack"),
        (PO, 11, "warning", "en translation: 'by tomorrow' promises a return-to-normal date"),
        (PO, 11, "warning", "en translation: 'will be restored by' promises a return-to-normal date"),
    }
    assert got == expected, (got - expected, expected - got)
    assert "fix: once the crisis cell has validated the text: publisher approve 2026-11-30-panne/" in r.err
    assert "checked 1 incidents, 3 updates: 4 error(s), 9 warning(s)" in r.out
    assert not any(f[0] == u1 and f[2] == "error" for f in got)


def test_overdue_promise_is_an_error_until_a_new_update_is_published(bad: Path, cli) -> None:
    for stem in ("1000", "1030"):
        (bad / f"{INC}/20261130T{stem}.md").unlink()
    u1 = f"{INC}/20261130T0900.md"
    before = cli("-C", bad, "check", "--now", "2026-11-30T10:59")
    assert before.code == 0, before.err
    late = cli("-C", bad, "check", "--now", "2026-11-30T12:20")
    assert late.code == 2
    assert (
        u1,
        5,
        "error",
        "overdue: readers were promised an update at 2026-11-30 11:00 (1 h 20 min ago)",
    ) in findings(late.err)
    assert "publisher new update 2026-11-30-panne --from <statement>" in late.err
    write(
        bad,
        f"{INC}/20261130T1215.md",
        '---\nstatus: resolved\npublish_at: "2026-11-30T12:15"\n'
        "approved_by: Direction\n---\nLe réseau fonctionne de nouveau.\n",
    )
    after = cli("-C", bad, "check", "--now", "2026-11-30T12:20")
    assert not [f for f in findings(after.err) if f[2] == "error"], after.err


def test_lint_lists_come_from_config(bad: Path, cli) -> None:
    toml = bad / "publisher.toml"
    toml.write_text(
        toml.read_text().replace("[lint]\n", '[lint]\nattribution_fr = []\nforbidden_fr = ["coupé*"]\n', 1)
    )
    r = cli("-C", bad, "check", "--now", "2026-11-30T10:15")
    got = findings(r.err)
    assert not [f for f in got if "attributes the attack" in f[3]]
    assert (f"{INC}/20261130T0900.md", 7, "warning", "'coupé' is a word to avoid") in got
    assert not [f for f in got if "piratage" in f[3]]  # the default list was replaced


def test_statement_translation_with_wrong_placeholder(tmp_path: Path, cli) -> None:
    project = tmp_path / "p"
    cli("init", project)
    po = project / "locales/en/LC_MESSAGES/statements/it-outage.po"
    text = (
        po.read_text()
        .replace("the service. We will", "the service. We will")
        .replace("call {phone}.", "call {telephone}.")
    )
    po.write_text(text)
    r = cli("-C", project, "check")
    line = text[: text.index("{telephone}")].count("\n") + 1
    assert (
        str(po.relative_to(project)),
        line,
        "error",
        "placeholders differ from the source: {telephone}, {phone}",
    ) in findings(r.err)
    assert "fix: use exactly the source's placeholders: {phone}" in r.err
    assert r.code == 2


def test_example_project_checks_clean_but_for_guidance_warnings(example: Path, cli) -> None:
    r = cli("-C", example, "check", "--now", "2019-11-23T12:00")
    assert r.code == 0, r.err
    # The CHU de Rouen's own texts of 2019: a ransom named, and some long or passive sentences
    # and acronyms the plain-language lint points out (tests/test_plain_language.py).
    kinds = ("ransom", "a sentence of", "jargon", "mostly in the passive")
    assert all(f[2] == "warning" and any(k in f[3] for k in kinds) for f in findings(r.err)), r.err


def test_status_flags_an_overdue_promise(bad: Path, cli) -> None:
    for stem in ("1000", "1030"):
        (bad / f"{INC}/20261130T{stem}.md").unlink()
    assert "Overdue" not in cli("-C", bad, "status", "--now", "2026-11-30T10:59").out
    r = cli("-C", bad, "status", "--now", "2026-11-30T12:20")
    assert "Overdue: readers were promised an update:" in r.out and r.code == 1  # for monitoring
    assert (
        f"2026-11-30-panne  promised for 2026-11-30 11:00 (1 h 20 min ago) by {INC}/20261130T0900.md"
    ) in r.out
