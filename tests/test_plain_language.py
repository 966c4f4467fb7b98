"""Plain-language lints (Services Publics+ langage clair, ANSSI fiche 6): long sentences,
jargon, words that alarm without informing, passive-heavy paragraphs; warnings with
path:line in the source and in each translation, lists and limit from publisher.toml."""

from __future__ import annotations

import re
from pathlib import Path

from publisher import plainlang
from tests.test_lints import INC, PO, findings, write

LONG_FR = (
    "Nous vous informons que suite aux difficultés rencontrées depuis plusieurs jours sur "
    "l’ensemble des services de l’établissement les rendez-vous de consultation prévus cette "
    "semaine pourront être décalés à une date ultérieure qui vous sera communiquée."
)


def project(tmp_path: Path, cli, body: str, po: str = "", toml: str = "") -> Path:  # type: ignore[no-untyped-def]
    root = tmp_path / "p"
    args = ["init", root, "--organisation", "CH de Test", "--phone", "02 00 00 00 00"]
    assert cli(*args, "--url", "https://statut.ch-test.fr/").code == 0
    write(root, f"{INC}/incident.md", "---\ntitle: Panne du réseau\nimpact: major\n---\n")
    head = '---\nstatus: identified\npublish_at: "2026-11-30T09:00"\napproved_by: Direction\n---\n'
    write(root, f"{INC}/20261130T0900.md", head + body)
    if po:
        header = 'msgid ""\nmsgstr ""\n"Language: en\\n"\n"Content-Type: text/plain; charset=utf-8\\n"\n\n'
        write(root, PO, header + po)
    if toml:
        path = root / "publisher.toml"
        path.write_text(path.read_text().replace("[lint]\n", "[lint]\n" + toml, 1))
    return root


def plain(err: str) -> list[tuple[str, int, str, str]]:
    kinds = ("a sentence of", "jargon", "alarms", "passive")
    return [f for f in findings(err) if any(k in f[3] for k in kinds)]


def test_each_kind_is_a_warning_on_its_line(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    body = (
        f"{LONG_FR}\n\n"
        "La situation est catastrophique aux urgences.\n\n"
        "Des données ont été exfiltrées.\n\n"
        "Les rendez-vous sont reportés. Les examens sont annulés. Les patients sont transférés.\n"
    )
    r = cli("-C", project(tmp_path, cli, body), "check", "--now", "2026-11-30T09:05")
    assert r.code == 0, r.err  # warnings: a person judges them
    got = plain(r.err)
    path = f"{INC}/20261130T0900.md"
    assert (path, 6, "warning", "a sentence of 35 words ('Nous vous informons que suite aux…')") in got
    assert (path, 8, "warning", "'catastrophique' alarms without informing") in got
    assert (path, 10, "warning", "'exfiltrées' is jargon a patient may not know") in got
    assert (
        path,
        12,
        "warning",
        "a paragraph mostly in the passive (3 passive forms in 3 sentence(s))",
    ) in got
    assert "fix: say who acts: 'nos équipes traitent les prescriptions'" in r.err
    assert len(got) == 4, got


def test_translations_are_checked_in_their_own_language(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    po = (
        'msgctxt "title"\nmsgid "Panne du réseau"\nmsgstr "Network outage"\n\n'
        'msgid "Le réseau est coupé."\nmsgstr "The situation is chaotic: appointments are cancelled, '
        'tests are postponed and patients are moved."\n'
    )
    root = project(tmp_path, cli, "Le réseau est coupé.\n", po)
    r = cli("-C", root, "check", "--now", "2026-11-30T09:05")
    got = plain(r.err)
    line = (root / PO).read_text().split("\n").index(
        next(x for x in (root / PO).read_text().split("\n") if x.startswith('msgstr "The situation'))
    ) + 1
    assert (PO, line, "warning", "en translation: 'chaotic' alarms without informing") in got
    assert (
        PO, line, "warning", "en translation: a paragraph mostly in the passive (3 passive forms in 1 sentence(s))"
    ) in got  # fmt: skip
    assert "'our teams are handling prescriptions'" in r.err


def test_lists_and_limit_come_from_config(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    body = f"{LONG_FR}\n\nLe SIH est arrêté, la DSI est mobilisée.\n"
    root = project(tmp_path, cli, body, toml='max_sentence_words = 0\njargon_fr = ["arrêté"]\n')
    got = plain(cli("-C", root, "check", "--now", "2026-11-30T09:05").err)
    assert [f[3] for f in got] == ["'arrêté' is jargon a patient may not know"]
    toml = root / "publisher.toml"
    toml.write_text(toml.read_text().replace("max_sentence_words = 0", "max_sentence_words = -3"))
    r = cli("-C", root, "check")
    assert r.code == 2 and re.search(
        r"publisher\.toml:\d+: error: \[lint\] max_sentence_words must be at least 0", r.err
    ), r.err


def test_an_adjective_after_etre_is_not_a_passive_paragraph() -> None:
    text = "Les urgences sont ouvertes. Le standard est joignable. Les consultations ont lieu."
    assert list(plainlang.passive_paragraphs(text, "fr")) == []
    assert list(plainlang.passive_paragraphs("The switchboard is open and then closed.", "en")) == []
    assert list(plainlang.long_sentences("Court.\n\nAussi court.", 3)) == []
    lines = "Un.\n\n" + " ".join(["mot"] * 12) + ".\nSuite."
    assert list(plainlang.long_sentences(lines, 10)) == [(2, 12, "mot mot mot mot mot mot")]
