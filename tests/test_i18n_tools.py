"""publisher i18n extract / update / compile / stats, and the translation checker."""

from __future__ import annotations

import gettext
import io
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polib
import pytest
from babel.messages.pofile import read_po
from gettext_tools import msgfmt_check, poedit_save, translations

from publisher.config import load_config
from publisher.i18n import pofiles
from publisher.i18n.catalogs import PACKAGE_LOCALES
from publisher.i18n.stats import ui_status
from tests.approvals import approve_all

REPO = Path(__file__).resolve().parent.parent
INCIDENT = "2019-11-15-cyberattaque"
PO = f"locales/en/LC_MESSAGES/incidents/{INCIDENT}.po"
FR_PO = f"locales/fr/LC_MESSAGES/incidents/{INCIDENT}.po"
POT = f"locales/incidents/{INCIDENT}.pot"
UPDATES = Path("content/incidents") / INCIDENT
PERCENT = (
    "La remise en service se poursuit : environ 80 % des applications utilisées par les "
    "services de soins sont de nouveau accessibles."
)
ENGLISH_FIRST = """---
status: resolved
publish_at: "2019-11-23T10:00"
approved_by: Communications department
lang: en
---
Our [website](https://www.chu-rouen.fr/) now has a page of questions and answers.

- About 95% of postponed appointments have been rescheduled.
"""

Cli = Callable[..., Any]


def run(cli: Cli, project: Path, *args: str) -> Any:
    return cli("-C", project, *args)


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def line_of(path: Path, needle: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if needle in line)


def test_example_catalogs_are_exactly_what_the_tool_writes(example: Path, cli: Cli) -> None:
    before = {p: p.read_bytes() for p in [example / PO, example / POT]}
    r = run(cli, example, "i18n", "extract")
    assert r.code == 0 and f"unchanged {POT} (41 messages)" in r.out
    r = run(cli, example, "i18n", "update", "--check")
    assert r.code == 0, r.out + r.err
    assert {p: p.read_bytes() for p in before} == before
    assert sum(1 for v in translations(example / PO).values() if v) == 41


def test_every_catalog_written_passes_msgfmt_and_round_trips_through_babel(example: Path, cli: Cli) -> None:
    (example / UPDATES / "20191123T1000.md").write_text(ENGLISH_FIRST)
    template = (REPO / "publisher/templates/web/base.html").read_text()
    override = example / "templates/web/base.html"
    override.parent.mkdir(parents=True)
    override.write_text(template.replace("</footer>", '<p>{{ _("Emergency hotline") }}</p>\n</footer>'))
    assert run(cli, example, "i18n", "extract").code == 0
    r = run(cli, example, "i18n", "update")
    assert r.code == 0, r.err
    assert f"created {FR_PO}: 2 new" in r.out
    assert "created locales/fr/LC_MESSAGES/messages.po: 1 new" in r.out
    written = sorted((example / "locales").rglob("*.po")) + sorted((example / "locales").rglob("*.pot"))
    assert len(written) >= 5
    for path in written:
        if pofiles.kind(path) == "statement":
            continue  # written by `publisher new`'s statement library, not by these tools
        msgfmt_check(path)
        lang = None if path.suffix == ".pot" else pofiles.lang_of(path)
        data = path.read_bytes()
        assert pofiles.render(pofiles.read(path, lang, str(path))) == data, path
        # Babel's own read_po + write_po: identical, except that Babel re-adds its python-format
        # guess to content entries that look like one ("80 %", "95% of"): the only reason
        # publisher reads catalogs through pofiles.read (research/i18n-workflow.md addendum).
        raw = pofiles.render(read_po(io.BytesIO(data), locale=lang)).decode().splitlines()
        differing = {(a, b) for a, b in zip(data.decode().splitlines(), raw, strict=True) if a != b}
        if pofiles.kind(path) == "ui":
            assert not differing, path
        else:
            assert differing <= {("#, no-python-format", "#, no-python-format, python-format")}, path


def test_committed_catalogs_pass_msgfmt() -> None:
    for path in [
        REPO / PO,
        REPO / POT,
        REPO / "locales/messages.pot",
        PACKAGE_LOCALES / "messages.pot",
        *PACKAGE_LOCALES.glob("*/LC_MESSAGES/*.po"),
    ]:
        msgfmt_check(path)


def test_builtin_french_ui_catalog_is_complete() -> None:
    config = load_config(REPO)
    status = ui_status(config, "fr")
    assert status.required >= 30
    assert status.missing == []


def test_french_percent_is_not_a_python_format(example: Path, cli: Cli) -> None:
    pot = polib.pofile(str(example / POT))
    entry = pot.find(PERCENT)
    assert entry is not None and entry.flags == ["no-python-format"]
    po = polib.pofile(str(example / PO))
    assert po.find(PERCENT).flags == ["no-python-format"]
    assert "80%" in po.find(PERCENT).msgstr
    r = run(cli, example, "i18n", "compile")
    assert r.code == 0, r.err
    msgfmt_check(example / PO)


def test_update_check_exits_1_when_a_catalog_would_change(example: Path, cli: Cli) -> None:
    r = run(cli, example, "i18n", "update", "--check")
    assert r.code == 0 and "every catalog is up to date" in r.out
    edit(example / UPDATES / "20191122T1700.md", "Ce point est le dernier", "Ce message est le dernier")
    assert run(cli, example, "i18n", "extract").code == 0
    before = (example / PO).read_bytes()
    r = run(cli, example, "i18n", "update", "--check")
    assert r.code == 1
    assert f"would update {PO}: 0 new, 1 newly fuzzy, 0 obsolete" in r.out
    assert "run `publisher i18n update`" in r.err
    assert (example / PO).read_bytes() == before
    assert run(cli, example, "i18n", "update").code == 0
    assert run(cli, example, "i18n", "update", "--check").code == 0


def test_extract_rewrites_a_template_only_when_its_messages_change(example: Path, cli: Cli) -> None:
    pot = example / POT
    first = pot.read_bytes()
    r = run(cli, example, "i18n", "extract")
    assert f"unchanged {POT}" in r.out and pot.read_bytes() == first
    # Moving a paragraph changes its #: reference: the template is rewritten, dated now.
    md = example / UPDATES / "20191120T1800.md"
    edit(md, "---\nLa remise", "---\n\nLa remise")
    r = run(cli, example, "i18n", "extract")
    assert f"wrote {POT} (41 messages)" in r.out
    text = pot.read_text()
    assert f"#: content/incidents/{INCIDENT}/20191120T1800.md:15\n" in text
    assert re.search(r"POT-Creation-Date: (\S+ \S+)", text).group(1) != re.search(  # type: ignore[union-attr]
        r"POT-Creation-Date: (\S+ \S+)", first.decode()
    ).group(1)  # type: ignore[union-attr]


def test_removed_entry_is_obsolete_and_an_exact_match_revives_it(example: Path, cli: Cli) -> None:
    md = example / UPDATES / "20191122T1700.md"
    original = md.read_text()
    paragraph = (
        "Le CHU de Rouen a déposé plainte contre X auprès du parquet de Paris pour accès "
        "frauduleux à un système de traitement automatisé de données et tentative d’extorsion."
    )
    english = translations(example / PO)[(None, paragraph)]
    md.write_text(original.replace(paragraph + "\n\n", ""))
    assert run(cli, example, "i18n", "extract").code == 0
    r = run(cli, example, "i18n", "update")
    assert f"updated {PO}: 0 new, 0 newly fuzzy, 1 obsolete" in r.out
    text = (example / PO).read_text()
    assert f'#~ msgid "{paragraph}"' in text
    # Another update runs (the entry stays obsolete), then the paragraph comes back.
    assert run(cli, example, "i18n", "update", "--check").code == 0
    md.write_text(original)
    assert run(cli, example, "i18n", "extract").code == 0
    r = run(cli, example, "i18n", "update")
    assert "1 revived" in r.out
    po = polib.pofile(str(example / PO))
    entry = po.find(paragraph)
    assert entry.msgstr == english and not entry.fuzzy
    assert po.obsolete_entries() == []
    assert not [e for e in po if e.fuzzy]


def test_compile_writes_the_ui_catalog_and_checks_everything(example: Path, cli: Cli) -> None:
    r = run(cli, example, "i18n", "compile")
    assert r.code == 0, r.err
    mo = example / ".publisher/locales/fr/LC_MESSAGES/messages.mo"
    assert "compiled .publisher/locales/fr/LC_MESSAGES/messages.mo" in r.out
    with open(mo, "rb") as f:
        tr = gettext.GNUTranslations(f)
    assert tr.gettext("Skip to content") == "Aller au contenu"
    assert tr.pgettext("status", "Resolved") == "Résolu"


def test_compile_errors_name_path_and_line(example: Path, cli: Cli) -> None:
    po = example / PO
    # A translator "localises" a link target and drops a code span's backticks elsewhere.
    edit(
        po,
        'msgstr "In a life-threatening emergency, call the emergency medical service (SAMU) '
        'on [15](tel:15)."',
        'msgstr "In a life-threatening emergency, call [15](tel:112)."',
    )
    line = line_of(po, 'msgid "En cas d’urgence vitale, appelez le [15](tel:15)."')
    ui = example / "locales/fr/LC_MESSAGES/messages.po"
    ui.parent.mkdir(parents=True, exist_ok=True)
    ui.write_text(
        'msgid ""\nmsgstr ""\n"Language: fr\\n"\n"Content-Type: text/plain; charset=utf-8\\n"\n\n'
        '#, python-format\nmsgid "Times are shown in %(city)s time."\n'
        'msgstr "Heures de %(ville)s."\n\n'
        'msgid "Skip to content"\nmsgstr "Aller au contenu (100 %)"\n'
    )
    r = run(cli, example, "i18n", "compile")
    assert r.code == 2
    assert (
        f'{PO}:{line}: error: msgid "En cas d’urgence vitale, appelez le [15](tel:15).": '
        "link targets differ from the source (the source has: tel:15)" in r.err
    )
    assert "locales/fr/LC_MESSAGES/messages.po:7: error:" in r.err and "ville" in r.err
    assert (
        'locales/fr/LC_MESSAGES/messages.po:10: error: msgid "Skip to content": translation '
        "is not a valid format string"
        in r.err
        and "%%" in r.err
    )
    assert "not compiled: UI catalog for fr" in r.err
    # A syntax error: an unterminated string.
    edit(po, 'msgstr "For Monday 18 November"', 'msgstr "For Monday 18 November\nmsgstr "x"')
    bad = line_of(po, 'msgstr "x"')
    r = run(cli, example, "i18n", "compile")
    assert r.code == 2
    assert re.search(rf"{re.escape(PO)}:{bad - 1}: error: not a valid gettext catalog", r.err), r.err


def test_stats_counts_fuzzy_apart_and_says_what_blocks_publication(example: Path, cli: Cli) -> None:
    def damage(e: polib.POEntry) -> None:
        if e.msgid.startswith("Merci à tous"):
            e.flags.append("fuzzy")
        if e.msgid == "Pour lundi 18 novembre":
            e.msgstr = ""

    poedit_save(example / PO, damage)
    md = example / UPDATES / "20191122T1700.md"
    edit(md, "\n\nLe CHU de Rouen a déposé plainte", "\n\nLe CHU de Rouen a porté plainte")
    assert run(cli, example, "i18n", "extract").code == 0
    assert run(cli, example, "i18n", "update").code == 0
    r = run(cli, example, "i18n", "stats", "--json")
    assert r.code == 0
    data = json.loads(r.out)
    row = next(c for c in data["catalogs"] if c["path"] == PO)
    # 29 entries: 26 translated, 2 fuzzy (the damaged one + the edited paragraph), 1 empty;
    # the edited paragraph's old text was taken over by its fuzzy successor, not obsoleted.
    assert (row["translated"], row["fuzzy"], row["untranslated"], row["obsolete"]) == (38, 2, 1, 0)
    updates = {(u["id"], u["lang"]): u for u in data["updates"]}
    assert updates[(f"{INCIDENT}/20191116T1130", "en")] | {} == {
        "id": f"{INCIDENT}/20191116T1130",
        "path": str(UPDATES / "20191116T1130.md"),
        "source": "fr",
        "lang": "en",
        "blocks": 6,
        "missing": 1,
        "fuzzy": 1,
        "markup": 0,
        "publishable": False,
    }
    assert updates[(f"{INCIDENT}/20191117T1800", "en")]["missing"] == 1
    assert updates[(f"{INCIDENT}/20191117T1800", "en")]["fuzzy"] == 0
    assert updates[(f"{INCIDENT}/20191115T2130", "en")]["publishable"] is True
    assert sum(not u["publishable"] for u in data["updates"]) == 3
    assert data["ui"] == [
        {"lang": "fr", "required": data["ui"][0]["required"], "complete": True, "missing": []}
    ]
    human = run(cli, example, "i18n", "stats").out
    assert re.search(rf"{re.escape(PO)}\s+38\s+2\s+1\s+0\n", human), human
    assert f"{INCIDENT}/20191117T1800 (fr)  publishable in en: no (1 block missing)" in human
    assert f"{INCIDENT}/20191122T1700 (fr)  publishable in en: no (1 block missing, 1 of them fuzzy)" in human
    assert f"{INCIDENT}/20191120T1800 (fr)  publishable in en: yes" in human


def test_english_first_update_is_translated_to_french(example: Path, cli: Cli) -> None:
    (example / UPDATES / "20191123T1000.md").write_text(ENGLISH_FIRST)
    approve_all(example)
    assert run(cli, example, "i18n", "extract").code == 0
    pot = polib.pofile(str(example / POT))
    english = [e for e in pot if "source language: en" in e.comment]
    assert [e.msgid for e in english] == [
        "Our [website](https://www.chu-rouen.fr/) now has a page of questions and answers.",
        "About 95% of postponed appointments have been rescheduled.",
    ]
    assert english[1].flags == ["no-python-format"]  # "95% of" is not "% o"
    assert run(cli, example, "i18n", "update").code == 0
    fr = polib.pofile(str(example / FR_PO))
    assert [e.msgid for e in fr] == [e.msgid for e in english]  # only what is not French already
    assert fr.metadata["Language"] == "fr"
    assert not polib.pofile(str(example / PO)).find(english[0].msgid)
    stats = run(cli, example, "i18n", "stats", "--lang", "fr").out
    assert f"{INCIDENT}/20191123T1000 (en)  publishable in fr: no (2 blocks missing)" in stats

    assert run(cli, example, "build").code == 0
    page = example / "public/fr/incidents" / INCIDENT / "20191123T1000.html"
    html = page.read_text()
    assert 'class="update" lang="en"' in html and "Traduction en cours" in html

    french = {
        english[0].msgid: "Notre [site](https://www.chu-rouen.fr/) propose désormais une foire "
        "aux questions.",
        english[1].msgid: "Environ 95 % des rendez-vous reportés ont été reprogrammés.",
    }
    poedit_save(example / FR_PO, lambda e: setattr(e, "msgstr", french[e.msgid]))
    assert run(cli, example, "i18n", "compile").code == 0
    msgfmt_check(example / FR_PO)
    assert run(cli, example, "build").code == 0
    html = page.read_text()
    assert "Environ 95 % des rendez-vous" in html and "Traduction en cours" not in html
    assert 'class="update" lang="en"' not in html
    en = (example / "public/en/incidents" / INCIDENT / "20191123T1000.html").read_text()
    assert "About 95% of postponed appointments" in en


def test_check_refuses_a_language_whose_ui_catalog_is_incomplete(example: Path, cli: Cli) -> None:
    template = (REPO / "publisher/templates/web/base.html").read_text()
    override = example / "templates/web/base.html"
    override.parent.mkdir(parents=True)
    override.write_text(template.replace("</footer>", '<p>{{ _("Emergency hotline") }}</p>\n</footer>'))
    r = run(cli, example, "check")
    assert r.code == 2
    assert (
        "locales/fr/LC_MESSAGES/messages.po: error: language 'fr' is enabled but 1 of " in r.err
    ) and "UI strings have no translation: 'Emergency hotline'" in r.err
    assert run(cli, example, "i18n", "extract").code == 0
    pot = polib.pofile(str(example / "locales/messages.pot"))
    assert pot.find("Emergency hotline").occurrences[0][0] == "templates/web/base.html"
    assert run(cli, example, "i18n", "update").code == 0
    ui = example / "locales/fr/LC_MESSAGES/messages.po"
    stats = run(cli, example, "i18n", "stats").out
    assert "UI strings in fr: 1 of" in stats and "'Emergency hotline'" in stats
    poedit_save(
        ui, lambda e: setattr(e, "msgstr", "Ligne d’urgence") if e.msgid == "Emergency hotline" else None
    )
    r = run(cli, example, "check")
    assert r.code == 0, r.err
    assert run(cli, example, "build").code == 0
    assert "Ligne d’urgence" in (example / "public/fr/index.html").read_text()
    assert "Emergency hotline" in (example / "public/en/index.html").read_text()


def test_check_warns_which_updates_fall_back_in_either_direction(example: Path, cli: Cli) -> None:
    poedit_save(
        example / PO, lambda e: e.flags.append("fuzzy") if e.msgid.startswith("Merci à tous") else None
    )
    (example / UPDATES / "20191123T1000.md").write_text(ENGLISH_FIRST)
    approve_all(example)  # approved_by stays on its line; approved_hash adds one
    r = run(cli, example, "check")
    assert r.code == 0, r.err
    line = line_of(example / UPDATES / "20191116T1130.md", "Merci à tous")
    assert (
        f"{UPDATES}/20191116T1130.md:{line}: warning: en: 1 of 6 blocks have no usable "
        "translation (fuzzy): the en pages will show this update in fr"
    ) in r.err
    # An English-first update without its French catalog is reported for the French pages.
    assert (
        f"{UPDATES}/20191123T1000.md:8: warning: fr: 2 of 2 blocks have no usable "
        "translation (missing): the fr pages will show this update in en"
    ) in r.err
    assert r.err.count("have no usable translation") == 2  # once each, not once per checker


@pytest.mark.parametrize("action", ["update", "stats"])
def test_unknown_language_is_refused(example: Path, cli: Cli, action: str) -> None:
    r = run(cli, example, "i18n", action, "--lang", "de")
    assert r.code == 2 and "--lang de: not an enabled language; enabled: fr, en" in r.err


def test_extract_skips_code_blocks_and_hints_what_to_keep(example: Path, cli: Cli) -> None:
    (example / UPDATES / "20191123T1000.md").write_text("""---
status: resolved
publish_at: "2019-11-23T10:00"
approved_by: Direction
---
## Pour les professionnels

Reconnectez-vous avec `vpn.chu-rouen.fr` puis ouvrez la [procédure](https://intranet.example/vpn).

```
ipconfig /flushdns
```
""")
    r = run(cli, example, "i18n", "extract")
    assert r.code == 0 and f"wrote {POT} (43 messages)" in r.out
    pot = polib.pofile(str(example / POT))
    assert not [e for e in pot if "flushdns" in e.msgid]
    heading = pot.find("Pour les professionnels")
    assert heading.comment == "heading h2\nsource language: fr"
    assert heading.occurrences == [(f"content/incidents/{INCIDENT}/20191123T1000.md", "6")]
    para = pot.find(
        "Reconnectez-vous avec `vpn.chu-rouen.fr` puis ouvrez la [procédure](https://intranet.example/vpn)."
    )
    assert "keep these link targets exactly: https://intranet.example/vpn" in para.comment
    assert "keep these code spans exactly: `vpn.chu-rouen.fr`" in para.comment
    title = pot.find("Cyberattaque contre le système informatique du CHU de Rouen", msgctxt="title")
    assert title is not None and title.occurrences == [(f"content/incidents/{INCIDENT}/incident.md", "2")]
    assert pot.find(pot[1].msgid, msgctxt="summary") is not None


def test_a_malformed_catalog_is_never_guessed_at(example: Path, cli: Cli) -> None:
    # Babel alone would read this file, cutting the string and keeping one of two msgstr.
    po = example / PO
    edit(
        po,
        'msgstr "Thank you all for your patience and understanding."',
        'msgstr "Thank you all for your patience and understanding.\nmsgstr "Thanks."',
    )
    r = run(cli, example, "check")
    assert r.code == 2
    bad = line_of(po, 'msgstr "Thanks."')
    assert (
        f"{PO}:{bad - 1}: error: not a valid gettext catalog: unterminated or badly escaped string" in r.err
    )
    # The build leaves the catalog out, says so (exit 2), and publishes the French text.
    built = run(cli, example, "build")
    assert built.code == 2 and f"{PO}:{bad - 1}: error: not a valid gettext catalog" in built.err
    en = (example / "public/en/incidents" / INCIDENT / "20191116T1130.html").read_text()
    assert "Merci à tous pour votre patience" in en and "Thanks." not in en
    assert "Translation in progress" in en


def test_syntax_check_is_linear_on_a_long_unterminated_string() -> None:
    text = 'msgid "a"\nmsgstr "' + "x" * 200_000 + "\n"
    assert pofiles.syntax_problems(text) == [(2, "unterminated or badly escaped string")]


def test_update_refuses_a_template_older_than_the_content(example: Path, cli: Cli) -> None:
    edit(example / UPDATES / "20191122T1700.md", "Ce point est le dernier", "Ce message est le dernier")
    before = (example / PO).read_bytes()
    r = run(cli, example, "i18n", "update")
    assert r.code == 2
    assert (
        f"{POT}: error: out of date: the content changed since it was extracted (1 new "
        "text(s), 1 gone); its catalogs were not updated"
    ) in r.err
    assert "fix: run `publisher i18n extract`, then `publisher i18n update` again" in r.err
    assert (example / PO).read_bytes() == before


def test_project_ui_catalog_holds_only_overrides_and_additions(tmp_path: Path, cli: Cli) -> None:
    project = tmp_path / "hopital"
    assert cli("init", project).code == 0
    ui = project / "locales/fr/LC_MESSAGES/messages.po"
    scaffold = ui.read_bytes()
    assert run(cli, project, "i18n", "extract").code == 0
    r = run(cli, project, "i18n", "update")
    assert r.code == 0, r.err
    assert ui.read_bytes() == scaffold  # publisher's own catalog answers everything
    # The organisation prefers its own wording for one string (copied as the file says).
    ui.write_text(ui.read_text() + '\nmsgid "Skip to content"\nmsgstr "Aller directement au contenu"\n')
    r = run(cli, project, "i18n", "update")
    assert "updated locales/fr/LC_MESSAGES/messages.po: 0 new, 0 newly fuzzy, 0 obsolete" in r.out
    po = polib.pofile(str(ui))
    assert [(e.msgid, e.msgstr) for e in po] == [("Skip to content", "Aller directement au contenu")]
    assert po[0].occurrences == [("publisher/templates/web/base.html", po[0].occurrences[0][1])]
    msgfmt_check(ui)
    assert run(cli, project, "check").code == 0


def test_adding_a_language_publisher_does_not_ship(example: Path, cli: Cli) -> None:
    edit(example / "publisher.toml", 'targets = ["en"]', 'targets = ["en", "de"]')
    assert run(cli, example, "i18n", "extract").code == 0
    r = run(cli, example, "i18n", "update")
    assert r.code == 0, r.err
    required = ui_status(load_config(example), "de").required
    assert f"created locales/de/LC_MESSAGES/messages.po: {required} new" in r.out
    assert f"created locales/de/LC_MESSAGES/incidents/{INCIDENT}.po: 41 new" in r.out
    r = run(cli, example, "check")
    assert r.code == 2
    assert f"language 'de' is enabled but {required} of {required} UI strings have no translation" in r.err
    assert "language 'fr'" not in r.err
