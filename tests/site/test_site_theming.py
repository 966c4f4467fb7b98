"""A project restyles the site with its own CSS file and template overrides (docs/theming.md)."""

from __future__ import annotations

import re
from pathlib import Path

from htmlscan import parse
from sitetools import REPO


def documented_example() -> str:
    """The template override shown in docs/theming.md, so the doc cannot rot."""
    doc = (REPO / "docs" / "theming.md").read_text(encoding="utf-8")
    m = re.search(r"<!-- theming-example: templates/web/base.html -->\n```jinja\n(.*?)```", doc, re.S)
    assert m, "docs/theming.md lost its example"
    return m.group(1)


def test_css_file_and_template_override_restyle_every_page(example: Path, cli) -> None:
    (example / "templates" / "static").mkdir(parents=True)
    css = ":root { --link: #5a2d82; }\n" + (REPO / "publisher" / "static" / "style.css").read_text()
    (example / "templates" / "static" / "style.css").write_text(css, encoding="utf-8")
    (example / "templates" / "web").mkdir()
    (example / "templates" / "web" / "base.html").write_text(documented_example(), encoding="utf-8")
    result = cli("-C", example, "build", "--now", "2026-01-01T00:00")
    assert result.code == 0, result.err
    public = example / "public"
    assert (public / "style.css").read_text(encoding="utf-8") == css
    for page in (
        "fr/index.html",
        "en/accessibility.html",
        "en/incidents/2019-11-15-cyberattaque/20191122T1700.html",
    ):
        doc = parse(public / page)
        header = doc.find("header")
        assert header is not None and header.find("svg") is not None, page
        footer = doc.find("footer")
        assert footer is not None and "Hôpital Exemple" in footer.content(), page
        # Replacing the footer block keeps the statement link the law requires.
        assert any(a.attrs["href"].endswith("accessibility.html") for a in footer.find_all("a")), page
        assert len(doc.find_all("h1")) == 1, page


def test_check_warns_when_the_statement_has_no_contact(tmp_path: Path, cli) -> None:
    (tmp_path / "publisher.toml").write_text('[site]\ntitle = "x"\n', encoding="utf-8")
    result = cli("-C", tmp_path, "check")
    assert result.code == 0
    assert "warning: the accessibility statement gives no way to contact you" in result.err
    assert "add contact_email" in result.err
