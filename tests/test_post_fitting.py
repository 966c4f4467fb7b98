"""Post fitting: what every post keeps (status and title, notices, what to do, whom to call,
phone lines, the link) and how much of the body goes in (publisher.socialtext.fit)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from publisher import socialtext
from publisher.config import load_config
from publisher.content import load_site
from publisher.publish import check_channels
from publisher.timeutil import parse_local
from tests.emulators import FacebookEmulator, MastodonEmulator
from tests.publishing import AFTER_ALL
from tests.socialkit import (
    FB_TOKEN,
    FIRST,
    INCIDENT,
    MA_TOKEN,
    Driver,
    channel,
    configure,
    context,
    edit_update,
    fb_options,
    masto_options,
)

TEL_LINE = "Pour un rendez-vous de dialyse, appelez le [02 35 00 00 42](tel:+33235000042)."


def render_plain(head: str, tail: str):  # type: ignore[no-untyped-def]
    def render(blocks: Sequence[str], shortened: bool, compact: bool) -> str:
        parts = [head, *blocks]
        if not compact:
            parts.append("Prochain point : demain 12:00")
        parts.append(("Communiqué complet : " if shortened else "") + tail)
        return "\n\n".join(parts)

    return render


words = st.text(alphabet="abcdefghij klmnopqrstuvwxyz,", min_size=20, max_size=400).map(
    lambda t: re.sub(r"\s+", " ", t).strip() + "."
)


@settings(max_examples=60, deadline=None)
@given(before=st.lists(words, max_size=6), after=st.lists(words, max_size=6))
def test_a_500_character_limit_never_cuts_a_tel_line(before: list[str], after: list[str]) -> None:
    markdown = "\n\n".join([*before, f"- {TEL_LINE}", "- Une autre consigne.", *after])
    units = socialtext.units(markdown)
    render = render_plain("Analyse en cours · Panne informatique", "https://s.example/fr/u.html")
    fitted = socialtext.fit(render, units, 500, socialtext.length, known_numbers=["15"])
    assert fitted.fits
    line = "• Pour un rendez-vous de dialyse, appelez le 02 35 00 00 42."
    assert line in fitted.text.split("\n")  # the whole line, never a cut one
    assert fitted.text.endswith("https://s.example/fr/u.html")


def test_a_number_the_fixed_lines_carry_may_go_with_the_body() -> None:
    """+33 2 32 88 89 90 and 02 32 88 89 90 are one number: the contacts line carries it."""
    unit = socialtext.units("Appelez le standard au [02 32 88 89 90](tel:+33232888990).")[0]
    assert unit.tel == ("+33232888990",)
    assert not socialtext.pinned(unit, ["02 32 88 89 90"])
    assert socialtext.pinned(unit, ["15"])


def test_as_much_body_as_fits_then_sentences_then_words() -> None:
    render = render_plain("Titre", "https://s.example/u")
    text = "Première phrase assez longue pour compter. Deuxième phrase. " + "mot " * 200
    units = socialtext.units(text.strip())
    fitted = socialtext.fit(render, units, 200, socialtext.length)
    assert fitted.fits and fitted.shortened
    assert "Première phrase assez longue pour compter. Deuxième phrase." in fitted.text
    words_only = socialtext.units("un deux trois quatre cinq six sept huit neuf dix " * 30)
    fitted = socialtext.fit(render, words_only, 200, socialtext.length)
    assert fitted.fits and "…" in fitted.text


@pytest.fixture
def masto_project(example: Path, masto: MastodonEmulator, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TEST_MA_TOKEN", MA_TOKEN)
    configure(example, mastodon=masto_options(masto.base_url))
    return example


def test_every_example_post_carries_what_to_do_contacts_and_its_link(
    masto_project: Path, masto: MastodonEmulator
) -> None:
    driver = Driver()
    driver.run(channel(masto_project, "mastodon"), context(masto_project))
    assert driver.errors == [] and len(masto.statuses) == 12
    for s in masto.statuses:
        assert socialtext.length(s.text) <= 500
        assert s.text.split()[-1].startswith("https://status.chu-rouen.example/")
        if s.language == "fr":
            assert "Que faire :\n• Urgences ouvertes" in s.text
            assert "Urgence vitale : 15 · Standard : 02 32 88 89 90" in s.text
        else:
            assert "What to do:\n• A&E stays open" in s.text
            assert "Emergency: 15 · Switchboard: 02 32 88 89 90" in s.text


def test_check_names_the_line_to_shorten_when_even_the_essentials_do_not_fit(
    masto_project: Path,
) -> None:
    toml = masto_project / "publisher.toml"
    toml.write_text(toml.read_text(encoding="utf-8") + "max_characters = 300\n", encoding="utf-8")
    config = load_config(masto_project)
    found = check_channels(config, load_site(config), parse_local("2019-11-23T12:00", config.zone))
    over = [d for d in found if "over the limit of 300" in d.message]
    assert over, [str(d) for d in found]
    assert "shorten " in over[0].hint and "every post keeps it" in over[0].hint
    assert "incident.md" in over[0].hint or "publisher.toml" in over[0].hint


def test_a_withdrawn_post_says_so_first_and_keeps_its_own_link(
    masto_project: Path, masto: MastodonEmulator
) -> None:
    driver = Driver()
    driver.run(channel(masto_project, "mastodon"), context(masto_project))
    (masto_project / "content/incidents" / INCIDENT / "20191122T1800.md").write_text(
        '---\nstatus: resolved\npublish_at: "2019-11-22T18:00"\napproved_by: Direction\n'
        "retracts: 20191115T2130\n---\nLe premier communiqué contenait une erreur.\n",
        encoding="utf-8",
    )
    driver.run(channel(masto_project, "mastodon"), context(masto_project))
    old = masto.get_status(driver.receipts[f"post:{FIRST}:fr"].remote_id)
    assert old is not None
    lines = old.text.split("\n")
    assert lines[0].startswith("RETIRÉ : ce communiqué a été retiré le")
    assert lines[1].endswith(f"/fr/incidents/{INCIDENT}/20191122T1800.html")
    assert old.text.endswith(f"/fr/incidents/{INCIDENT}/20191115T2130.html")  # its own link
    assert "Urgence vitale : 15" in old.text
    assert socialtext.length(old.text) <= 500


def test_a_correction_before_its_translation_edits_every_english_post_on_the_first_run(
    example: Path,
    cli,  # type: ignore[no-untyped-def]
    fb: FacebookEmulator,
    masto: MastodonEmulator,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The French text is corrected; its English translation is now stale. The next run
    edits the English Mastodon status and the English Facebook post at once: the corrected
    French text, the translation notice and the correction note, within the limits."""
    monkeypatch.setenv("TEST_FB_TOKEN", FB_TOKEN)
    monkeypatch.setenv("TEST_MA_TOKEN", MA_TOKEN)
    configure(
        example,
        facebook=fb_options(fb.base_url, mode="per-language"),  # the English post of its own
        mastodon=masto_options(masto.base_url),
    )
    first = cli("-C", example, "publish", "--now", AFTER_ALL)
    assert first.code == 0, first.out + first.err
    edit_update(
        example,
        "20191115T2130",
        "Ce vendredi 15 novembre, vers 19 h",
        "Ce vendredi 15 novembre, vers 18 h 45",
        front="correction: Heure de l’attaque corrigée.",
    )
    fixed = cli("-C", example, "publish", "--now", AFTER_ALL)
    assert fixed.code == 0, fixed.out + fixed.err
    assert "needs a person" not in fixed.out + fixed.err
    assert f"edited       mastodon   post:{FIRST}:en" in fixed.out
    assert f"edited       facebook   post:{FIRST}:en" in fixed.out
    english = [s for s in masto.statuses if s.language == "en" and "20191115T2130" in s.text]
    fb_english = [p for p in fb.posts if "/en/incidents/" in p.message and "20191115T2130" in p.message]
    assert len(english) == 1 and len(fb_english) == 1
    for text in (english[0].text, fb_english[0].message):
        assert "Translation in progress: the original text is shown." in text
        assert "Correction: Heure de l’attaque corrigée." in text
        assert "vers 18 h 45" in text and "vers 19 h" not in text
    assert socialtext.length(english[0].text) <= 500
    again = cli("-C", example, "publish", "--now", AFTER_ALL)
    assert again.code == 0 and "nothing new" in again.out
