"""A translator cannot change an emergency link with reference-style links.

The English `[15][std]` pointing at another definition's `tel:` passed the per-block check
(alone, a reference link is only text), and so did dropping a reference link.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from publisher import markup
from tests.approvals import approve_file

BODY = (
    "Pour une urgence vitale, appelez le [15][samu].\n\n"
    "Le standard reste joignable.\n\n"
    "[samu]: tel:15\n"
    "[std]: tel:+33232888990\n"
)
SOURCE = "Pour une urgence vitale, appelez le [15][samu]."


@pytest.mark.parametrize(
    ("translation", "refused"),
    [
        ("For a life-threatening emergency, call [15][samu].", False),
        ("For a life-threatening emergency, call [15](tel:15).", False),
        ("For a life-threatening emergency, call [15][std].", True),  # retargeted
        ("For a life-threatening emergency, call 15.", True),  # dropped
        ("For a life-threatening emergency, call [15][samu] or [us][std].", True),  # added
    ],
)
def test_reference_links_are_resolved_before_comparing(translation: str, refused: bool) -> None:
    table = {SOURCE: translation, "Le standard reste joignable.": "The switchboard can be reached."}
    changes = markup.reference_changes(BODY, table.get)
    assert bool(changes) == refused
    html, _table, missing = markup.to_html_translated(BODY, table.get)
    assert (html is None) == refused and missing == (1 if refused else 0)


def test_check_names_the_catalog_line_and_the_page_falls_back(
    example: Path, cli: Callable[..., object]
) -> None:
    incident = example / "content/incidents/2019-11-15-cyberattaque"
    (incident / "20191123T1000.md").write_text(
        "---\nstatus: monitoring\npublish_at: 2019-11-23T10:00\n---\n" + BODY, encoding="utf-8"
    )
    approve_file(example, incident / "20191123T1000.md")
    po = example / "locales/en/LC_MESSAGES/incidents/2019-11-15-cyberattaque.po"
    with open(po, "a", encoding="utf-8") as f:
        f.write(
            f'\nmsgid "{SOURCE}"\nmsgstr "For a life-threatening emergency, call [15][std]."\n'
            '\nmsgid "Le standard reste joignable."\nmsgstr "The switchboard can be reached."\n'
        )
    line = (
        po.read_text(encoding="utf-8")
        .split("\n")
        .index('msgstr "For a life-threatening emergency, call [15][std]."')
        + 1
    )
    r = cli("-C", example, "check", "--now", "2019-11-24T10:00")
    assert r.code == 2  # type: ignore[attr-defined]
    assert (
        f"locales/en/LC_MESSAGES/incidents/2019-11-15-cyberattaque.po:{line}: error: en translation of "
        "content/incidents/2019-11-15-cyberattaque/20191123T1000.md:7 adds, drops or retargets a link"
    ) in r.err, r.err  # type: ignore[attr-defined]
    cli("-C", example, "build", "--now", "2019-11-24T10:00")
    en = (example / "public/en/incidents/2019-11-15-cyberattaque/20191123T1000.html").read_text()
    assert 'href="tel:+33232888990"' not in en and 'href="tel:15"' in en
    assert "appelez le" in en  # shown in French, never with the retargeted link


def test_a_translation_may_not_add_an_image() -> None:
    from publisher.i18n.catalogs import markup_problems

    assert markup_problems("Le CHU reste ouvert.", "The hospital is open. ![x](https://t.example/p.png)")
    assert not markup_problems("Le CHU reste ouvert.", "The hospital is open.")
