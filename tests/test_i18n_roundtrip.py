"""The translator's round trip, end to end through the CLI, as a translator would do it."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import polib
from gettext_tools import msgfmt_check, poedit_save, translations

from tests.approvals import with_correction

INCIDENT = "2019-11-15-cyberattaque"
PO = f"locales/en/LC_MESSAGES/incidents/{INCIDENT}.po"
POT = f"locales/incidents/{INCIDENT}.pot"
OLD_FR = "Merci à tous pour votre patience et votre compréhension."
NEW_FR = "Merci à tous pour votre patience et votre grande compréhension."
NOTICE = "Translation in progress: the original text is shown."


def page(project: Path, lang: str, stem: str) -> str:
    return (project / "public" / lang / "incidents" / INCIDENT / f"{stem}.html").read_text()


def test_translator_round_trip(example: Path, cli: Callable[..., object]) -> None:
    # The committed English catalog is the translator's memory; start from nothing.
    memory = translations(example / PO)
    (example / PO).unlink()
    shutil.rmtree(example / "locales" / "incidents")

    r = cli("-C", example, "i18n", "extract")
    assert r.code == 0, r.err
    assert f"wrote {POT} (41 messages)" in r.out
    r = cli("-C", example, "i18n", "update")
    assert r.code == 0, r.err
    assert f"created {PO}: 41 new" in r.out
    fresh = polib.pofile(str(example / PO))
    assert len(fresh) == 41 and not any(e.msgstr for e in fresh)
    msgfmt_check(example / PO)

    # Nothing translated: the English page shows every update in French, with the notice.
    assert cli("-C", example, "build").code == 0
    en = page(example, "en", "20191116T1130")
    assert OLD_FR in en and NOTICE in en and 'class="update" lang="fr"' in en

    # The translator fills the catalog in Poedit.
    poedit_save(example / PO, lambda e: setattr(e, "msgstr", memory[(e.msgctxt, e.msgid)]))
    msgfmt_check(example / PO)
    assert cli("-C", example, "build").code == 0
    en = page(example, "en", "20191116T1130")
    assert "Thank you all for your patience and understanding." in en
    assert OLD_FR not in en and NOTICE not in en

    # The comms officer corrects one French paragraph.
    update_md = example / "content" / "incidents" / INCIDENT / "20191116T1130.md"
    update_md.write_text(with_correction(update_md.read_text().replace(OLD_FR, NEW_FR), "Paragraphe précisé"))
    assert cli("-C", example, "approve", f"{INCIDENT}/20191116T1130", "--as", "jpetit", "--yes").code == 0
    assert cli("-C", example, "i18n", "extract").code == 0
    r = cli("-C", example, "i18n", "update")
    assert r.code == 0, r.err
    assert f"updated {PO}: 1 new, 1 newly fuzzy, 0 obsolete" in r.out  # new: the correction note
    po = polib.pofile(str(example / PO))
    fuzzy = [e for e in po if e.fuzzy]
    assert [(e.msgid, e.msgstr) for e in fuzzy] == [
        (NEW_FR, "Thank you all for your patience and understanding.")
    ]
    assert len([e for e in po if e.translated()]) == 40
    assert not po.obsolete_entries()  # the old text was taken over by the fuzzy entry
    msgfmt_check(example / PO)
    # The previous msgid is kept (`#|`, as msgmerge --previous writes it): Poedit and Weblate
    # show the translator what changed in the source.
    assert f'#, fuzzy\n#| msgid "{OLD_FR}"\nmsgid "{NEW_FR}"' in (example / PO).read_text()
    assert [e.previous_msgid for e in fuzzy] == [OLD_FR]
    # It survives a Poedit save (polib) and a second update, like msgmerge's.
    poedit_save(example / PO, lambda e: None)
    msgfmt_check(example / PO)
    assert cli("-C", example, "i18n", "update").code == 0
    assert [e.previous_msgid for e in polib.pofile(str(example / PO)) if e.fuzzy] == [OLD_FR]
    msgfmt_check(example / PO)

    # Fuzzy is never published: that update is French on the English page, the others English.
    assert cli("-C", example, "build").code == 0
    en = page(example, "en", "20191116T1130")
    assert NEW_FR in en and NOTICE in en and 'class="update" lang="fr"' in en
    assert "Thank you all" not in en
    other = page(example, "en", "20191115T2130")
    assert NOTICE not in other and "Rouen University Hospital was the target" in other
    stats = cli("-C", example, "i18n", "stats", "--lang", "en")
    assert (
        f"{INCIDENT}/20191116T1130 (fr)  publishable in en: no (1 block missing, 1 of them fuzzy)"
        in stats.out
    )

    # The translator fixes the suggestion and clears the fuzzy flag.
    def fix(e: polib.POEntry) -> None:
        if e.msgid == NEW_FR:
            e.msgstr = "Thank you all for your patience and your great understanding."
            e.flags.remove("fuzzy")

    poedit_save(example / PO, fix)
    assert cli("-C", example, "build").code == 0
    en = page(example, "en", "20191116T1130")
    assert "Thank you all for your patience and your great understanding." in en
    assert NOTICE not in en and NEW_FR not in en

    # A later update normalises the editor's wrapping and keeps every translation.
    r = cli("-C", example, "i18n", "update")
    assert r.code == 0 and f"updated {PO}: 0 new, 0 newly fuzzy, 0 obsolete" in r.out
    assert cli("-C", example, "i18n", "update", "--check").code == 0
    after = translations(example / PO)
    assert after[(None, NEW_FR)] == "Thank you all for your patience and your great understanding."
    assert sum(1 for v in after.values() if v) == 41
    msgfmt_check(example / PO)
    assert "#| msgid" not in (example / PO).read_text()  # reviewed: the previous text goes


def test_stats_names_who_translated_what(example: Path, cli: Callable[..., object]) -> None:
    r = cli("-C", example, "i18n", "stats", "--lang", "en")
    assert f"  {PO}: Sarah Lefèvre (slefevre), last revised 2019-11-22 17:00+0100" in r.out  # type: ignore[attr-defined]
    # Poedit writes the translator it is set up with into the header: stats follows it,
    # naming the person from [people] when they are listed, the catalog's text otherwise.
    po = polib.pofile(str(example / PO))
    po.metadata["Last-Translator"] = "Tom Baker <tom@agency.example>"
    po.metadata["PO-Revision-Date"] = "2019-11-23 09:15+0100"
    po.header = po.header + "\nTom Baker <tom@agency.example>, 2019."
    po.save()
    msgfmt_check(example / PO)
    import json

    data = json.loads(cli("-C", example, "i18n", "stats", "--json").out)  # type: ignore[attr-defined]
    [row] = [r for r in data["catalogs"] if r["path"] == PO]
    assert row["last_translator"] == "Tom Baker <tom@agency.example>"
    assert row["revised"] == "2019-11-23 09:15+0100"
    assert row["credits"] == ["Sarah Lefèvre (slefevre)", "Tom Baker <tom@agency.example>"]
