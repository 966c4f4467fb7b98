"""`publisher correct` and `publisher retract` through the CLI: the front matter written for
the comms officer, the note translated like the body, a new approval, each post edited once."""

from __future__ import annotations

from pathlib import Path

import polib
import pytest
from gettext_tools import msgfmt_check, poedit_save

from tests.emulators import FacebookEmulator, MastodonEmulator
from tests.publishing import AFTER_ALL, INCIDENT
from tests.socialkit import FB_TOKEN, FIRST, MA_TOKEN, configure, fb_options, masto_options

PO = Path("locales/en/LC_MESSAGES/incidents") / f"{INCIDENT}.po"
NOTE = "Heure de l’attaque corrigée."
NOTE_EN = "Time of the attack corrected."
OLD = "vers 19 h"
NEW = "vers 18 h 45"


def page(project: Path, lang: str, stem: str = "20191115T2130") -> str:
    return (project / f"public/{lang}/incidents/{INCIDENT}/{stem}.html").read_text("utf-8")


def translate(project: Path, cli) -> None:  # type: ignore[no-untyped-def]
    """The translator's turn: new template, merged catalog, then Poedit on the changed entries."""
    assert cli("-C", project, "i18n", "extract").code == 0
    assert cli("-C", project, "i18n", "update").code == 0

    def fill(e: polib.POEntry) -> None:
        if e.msgctxt == "correction" and e.msgid == NOTE:
            e.msgstr = NOTE_EN
        elif e.msgid.startswith("Ce vendredi 15 novembre, vers 18 h 45"):
            e.msgstr = e.msgstr.replace("at around 7 pm", "at around 6:45 pm")
            e.flags = [f for f in e.flags if f != "fuzzy"]

    poedit_save(project / PO, fill)
    msgfmt_check(project / PO)


def test_a_correction_goes_out_with_its_note_in_both_languages(example: Path, cli) -> None:  # type: ignore[no-untyped-def]
    assert cli("-C", example, "publish", "--now", AFTER_ALL).code == 0
    r = cli("-C", example, "correct", FIRST, "--note", NOTE, "--note-only", "--as", "cmartin")
    assert r.code == 0, r.err
    text = (example / f"content/incidents/{FIRST}.md").read_text()
    assert f'correction: "{NOTE}"' in text
    held = cli("-C", example, "publish", "--now", AFTER_ALL)
    assert f"correction note added: '{NOTE}'" in held.out and NOTE not in page(example, "fr")
    assert cli("-C", example, "approve", FIRST, "--as", "jpetit", "--yes").code == 0
    assert cli("-C", example, "publish", "--now", AFTER_ALL).code == 0
    assert NOTE in page(example, "fr")
    # English: the body is translated, the note not yet: the French note, marked lang="fr"
    assert f'<span lang="fr">{NOTE}</span>' in page(example, "en")
    translate(example, cli)
    po = polib.pofile(str(example / PO))
    assert [e.msgid for e in po if e.msgctxt == "correction"] == [NOTE]
    assert cli("-C", example, "publish", "--now", AFTER_ALL).code == 0
    assert f"<span>{NOTE_EN}</span>" in page(example, "en") and NOTE not in page(example, "en")


@pytest.fixture
def social(
    example: Path, fb: FacebookEmulator, masto: MastodonEmulator, monkeypatch: pytest.MonkeyPatch
) -> Path:
    monkeypatch.setenv("TEST_FB_TOKEN", FB_TOKEN)
    monkeypatch.setenv("TEST_MA_TOKEN", MA_TOKEN)
    toml = example / "publisher.toml"
    toml.write_text(toml.read_text() + '\n[channels.website]\ntype = "directory"\n')
    configure(example, facebook=fb_options(fb.base_url), mastodon=masto_options(masto.base_url))
    return example


def test_correct_then_approve_edits_every_channel_post_exactly_once(
    social: Path, cli, fb: FacebookEmulator, masto: MastodonEmulator
) -> None:  # type: ignore[no-untyped-def]
    assert cli("-C", social, "publish", "--now", AFTER_ALL).code == 0
    assert len(fb.posts) == 6 and len(masto.statuses) == 12
    body = (social / f"content/incidents/{FIRST}.md").read_text().split("---\n", 2)[2]
    fixed = social / "fixed.md"
    fixed.write_text(body.replace(OLD, NEW))
    r = cli("-C", social, "correct", FIRST, "--note", NOTE, "--file", fixed, "--as", "cmartin")
    assert r.code == 0, r.err
    assert "publisher approve" in r.out
    # not approved yet: nothing is edited anywhere
    waiting = cli("-C", social, "publish", "--now", AFTER_ALL)
    assert "edited" not in waiting.out and "is void" in waiting.out
    translate(social, cli)
    review = cli("-C", social, "approve", FIRST, "--as", "jpetit", "--yes")
    assert review.code == 0, review.err
    # the approver read every channel's post, in both languages, with the note
    assert "--- facebook (facebook) post" in review.out and "--- mastodon (mastodon) post [en" in review.out
    assert f"Correction : {NOTE}" in review.out and f"Correction: {NOTE_EN}" in review.out
    done = cli("-C", social, "publish", "--now", AFTER_ALL)
    assert done.code == 0, done.out + done.err
    assert done.out.count("edited       facebook") == 1 and done.out.count("edited       mastodon") == 2
    assert len(fb.requests_for("post.edit")) == 1 and len(masto.requests_for("statuses.update")) == 2
    assert len(fb.posts) == 6 and len(masto.statuses) == 12
    message = fb.posts[0].message
    assert NEW in message and NOTE in message and NOTE_EN in message and "6:45 pm" in message
    again = cli("-C", social, "publish", "--now", AFTER_ALL)
    assert "nothing new" in again.out and len(fb.requests_for("post.edit")) == 1


def test_retract_writes_the_retraction_and_needs_an_approval(example: Path, cli) -> None:  # type: ignore[no-untyped-def]
    r = cli(
        "-C", example, "new", "update", INCIDENT, "--text", "Le point de 11 h 30 contenait une erreur.",
        "--status", "identified", "--at", "2019-11-16T13:00", "--as", "cmartin",
    )  # fmt: skip
    assert r.code == 0, r.err
    new = f"{INCIDENT}/20191116T1300"
    r = cli("-C", example, "retract", f"{INCIDENT}/20191116T1130", "--by", new, "--as", "cmartin")
    assert r.code == 0, r.err
    assert 'retracts: "20191116T1130"' in (example / f"content/incidents/{new}.md").read_text()
    assert cli("-C", example, "approve", new, "--as", "hbernard", "--yes").code == 0
    assert cli("-C", example, "publish", "--now", "2019-11-16T13:05").code == 0
    assert "Retiré le" in page(example, "fr", "20191116T1130")
    again = cli("-C", example, "retract", f"{INCIDENT}/20191116T1130", "--by", new, "--as", "cmartin")
    assert again.code == 2 and "was retracted by" in again.err
    unknown = cli("-C", example, "retract", f"{INCIDENT}/20191117T1800", "--by", "nope", "--as", "cmartin")
    assert unknown.code == 2 and "no update 'nope'" in unknown.err
