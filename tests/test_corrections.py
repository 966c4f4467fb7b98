"""Visible corrections (dated, with their note, previous text kept) and two-way retractions."""

from __future__ import annotations

import json
import re
from pathlib import Path

INC = "2019-11-15-cyberattaque"
UPDATE = f"content/incidents/{INC}/20191116T1130.md"
OLD = "ont permis de stopper la propagation de l’attaque vers minuit"
NEW = "ont permis de stopper la propagation de l’attaque vers 2 h du matin"


def page(project: Path, lang: str, stem: str = "20191116T1130") -> str:
    return (project / f"public/{lang}/incidents/{INC}/{stem}.html").read_text()


def edit(project: Path, rel: str, old: str, new: str) -> None:
    path = project / rel
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def test_a_corrected_update_says_so_and_keeps_the_previous_text(example: Path, cli) -> None:
    assert cli("-C", example, "build", "--now", "2019-11-16T12:00").code == 0
    assert "Corrigé" not in page(example, "fr")
    edit(example, UPDATE, OLD, NEW)
    # the text changed after publication without a note: check refuses it
    r = cli("-C", example, "check", "--now", "2019-11-16T12:55")
    assert r.code == 2
    assert (
        f"{UPDATE}:2: error: the text of this update changed after it was published "
        "(2019-11-16 12:00) and it has no correction note"
    ) in r.err
    edit(
        example,
        UPDATE,
        "status: identified\n",
        "status: identified\ncorrection: Heure de l’arrêt de la propagation corrigée.\n",
    )
    # the edit voided the approval: the corrected text is approved again before it goes out
    assert "approval void" in cli("-C", example, "check", "--now", "2019-11-16T12:55").err
    assert cli("-C", example, "approve", f"{INC}/20191116T1130", "--as", "jpetit", "--yes").code == 0
    assert cli("-C", example, "check", "--now", "2019-11-16T12:55").code == 0
    assert cli("-C", example, "build", "--now", "2019-11-16T13:00").code == 0

    fr = page(example, "fr")
    assert NEW in fr and OLD not in fr
    assert (
        '<strong>Corrigé le <time datetime="2019-11-16T12:00:00Z">samedi 16 novembre 2019 '
        "à 13:00 (heure de Paris)</time></strong> — <span>Heure de l’arrêt de la propagation "
        "corrigée.</span>"
    ) in fr
    links = re.findall(
        r'href="(20191116T1130/v-[0-9a-f]{16}\.html)">Version précédente, publiée '
        r"le samedi 16 novembre 2019 à 12:00",
        fr,
    )
    assert len(links) == 1
    previous = (example / f"public/fr/incidents/{INC}" / links[0]).read_text()
    assert OLD in previous and NEW not in previous
    assert "Ce texte a été publié le" in previous and 'href="../20191116T1130.html"' in previous
    # English: the note is shown (in French, marked), the old English text stays readable
    en = page(example, "en")
    assert "Corrected on <time" in en and '<span lang="fr">Heure de l’arrêt' in en
    old_en = (example / f"public/en/incidents/{INC}" / links[0]).read_text()
    assert "stopped the attack from spreading at around midnight" in old_en
    # the incident page carries the same note, and a rebuild changes nothing
    assert "Corrigé le" in (example / f"public/fr/incidents/{INC}/index.html").read_text()
    archive = example / f".publisher/archive/{INC}/20191116T1130/versions.json"
    entries = json.loads(archive.read_text())
    assert [e["published"][:16] for e in entries] == ["2019-11-16T11:00", "2019-11-16T12:00"]
    cli("-C", example, "build", "--now", "2019-11-16T14:00")
    assert json.loads(archive.read_text()) == entries


def test_dry_run_and_preview_build_archive_nothing(example: Path, cli) -> None:
    assert cli("-C", example, "build", "--now", "2019-11-16T12:00").code == 0
    archive = example / f".publisher/archive/{INC}/20191116T1130/versions.json"
    before = archive.read_text()
    edit(example, UPDATE, OLD, NEW)
    assert cli("-C", example, "publish", "--dry-run", "--now", "2019-11-16T13:00").code in (0, 2)
    from publisher.preview import Preview

    Preview(example).refresh()
    assert archive.read_text() == before


def test_a_retraction_links_both_ways(example: Path, cli) -> None:
    (example / f"content/incidents/{INC}/20191116T1300.md").write_text(
        '---\nstatus: identified\npublish_at: "2019-11-16T13:00"\n'
        "author: cmartin\nretracts: 20191116T1130\n---\n"
        "Le point de 11 h 30 contenait une erreur : il est retiré.\n"
    )
    assert cli("-C", example, "approve", f"{INC}/20191116T1300", "--as", "hbernard", "--yes").code == 0
    assert cli("-C", example, "build", "--now", "2019-11-16T13:05").code == 0
    withdrawn = page(example, "fr")
    assert (
        '<strong>Retiré le <time datetime="2019-11-16T12:00:00Z">samedi 16 novembre 2019 à '
        '13:00 (heure de Paris)</time>.</strong> <a href="20191116T1300.html">Lire le point '
        "de situation qui le retire</a>"
    ) in withdrawn
    new = page(example, "fr", "20191116T1300")
    assert (
        'Ce point de situation retire celui du <time datetime="2019-11-16T10:30:00Z">samedi '
        '16 novembre 2019 à 11:30 (heure de Paris)</time>. <a href="20191116T1130.html">Lire '
        "le point de situation retiré</a>"
    ) in new
    en = page(example, "en")
    assert "Withdrawn on" in en and 'href="20191116T1300.html">Read the update that withdraws it' in en
    # both ends on the incident page too
    incident = (example / f"public/fr/incidents/{INC}/index.html").read_text()
    assert "Retiré le" in incident and "Ce point de situation retire celui du" in incident
    # before the retraction is due, nothing is said
    assert cli("-C", example, "build", "--now", "2019-11-16T12:30").code == 0
    assert "Retiré le" not in page(example, "fr")


def test_notes_reach_pages_rendered_by_parallel_workers(example: Path, cli, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from publisher import fanout

    monkeypatch.setattr(fanout, "MIN_MISSES", 1)
    monkeypatch.setattr(fanout, "workers", lambda: 2)
    assert cli("-C", example, "build", "--now", "2019-11-16T12:00").code == 0
    edit(example, UPDATE, OLD, NEW)
    edit(example, UPDATE, "status: identified\n", "status: identified\ncorrection: Heure corrigée.\n")
    assert cli("-C", example, "approve", f"{INC}/20191116T1130", "--as", "jpetit", "--yes").code == 0
    assert cli("-C", example, "build", "--now", "2019-11-16T13:00").code == 0
    assert "Corrigé le" in page(example, "fr") and "Version précédente" in page(example, "fr")
