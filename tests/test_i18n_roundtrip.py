"""The translator's round trip, end to end through the CLI, as a translator would do it."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import polib
from gettext_tools import msgfmt_check, poedit_save, translations

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
    update_md.write_text(update_md.read_text().replace(OLD_FR, NEW_FR))
    assert cli("-C", example, "i18n", "extract").code == 0
    r = cli("-C", example, "i18n", "update")
    assert r.code == 0, r.err
    assert f"updated {PO}: 0 new, 1 newly fuzzy, 0 obsolete" in r.out
    po = polib.pofile(str(example / PO))
    fuzzy = [e for e in po if e.fuzzy]
    assert [(e.msgid, e.msgstr) for e in fuzzy] == [
        (NEW_FR, "Thank you all for your patience and understanding.")
    ]
    assert len([e for e in po if e.translated()]) == 40
    assert not po.obsolete_entries()  # the old text was taken over by the fuzzy entry
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
