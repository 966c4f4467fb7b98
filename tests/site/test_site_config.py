"""[site] title per language and the [accessibility] statement settings in publisher.toml."""

from __future__ import annotations

from pathlib import Path

import pytest
from htmlscan import parse

from publisher.config import load_config
from publisher.errors import ConfigError


def write(project: Path, text: str) -> None:
    (project / "publisher.toml").write_text(text, encoding="utf-8")


def errors(project: Path) -> list[str]:
    with pytest.raises(ConfigError) as exc:
        load_config(project)
    return [str(d) for d in exc.value.diagnostics]


def test_title_as_a_string_is_the_source_language_everywhere(tmp_path: Path) -> None:
    write(tmp_path, '[site]\ntitle = "CHU de Rouen"\n')
    config = load_config(tmp_path)
    assert config.site_title == "CHU de Rouen"
    assert config.site_title_for("en") == ("CHU de Rouen", "fr")


def test_title_per_language_falls_back_to_the_source_language(tmp_path: Path) -> None:
    write(
        tmp_path,
        '[languages]\nsource = "fr"\ntargets = ["en", "de"]\n'
        '[site.title]\nfr = "CHU"\nen = "University Hospital"\n',
    )
    config = load_config(tmp_path)
    assert config.site_title_for("en") == ("University Hospital", "en")
    assert config.site_title_for("de") == ("CHU", "fr")
    assert config.site_title == "CHU"


def test_default_title_is_in_the_page_language(tmp_path: Path) -> None:
    config = load_config(tmp_path)
    assert config.site_title_for("fr") == ("État du service", "fr")
    assert config.site_title_for("en") == ("Service status", "en")


def test_title_table_errors_name_the_line_and_the_fix(tmp_path: Path) -> None:
    write(tmp_path, '[site]\norganisation = "CHU"\ntitle = { en = "Hospital", es = "Hospital" }\n')
    found = errors(tmp_path)
    assert any(
        e.startswith("publisher.toml:3: error: [site] title has an entry for 'es'")
        and "configured languages: fr, en" in e
        for e in found
    ), found
    assert any(
        e.startswith("publisher.toml:3: error: [site] title has no entry for the source language 'fr'")
        and 'add fr = "..."' in e
        for e in found
    )
    write(tmp_path, "[site]\ntitle = 3\n")
    assert errors(tmp_path) == [
        "publisher.toml:2: error: [site] title must be a string, or a table of language = "
        'string, not int\n    fix: for example: title = "Service status"'
    ]


def test_accessibility_settings_are_checked(tmp_path: Path) -> None:
    write(
        tmp_path,
        "\n".join(
            [
                "[accessibility]",
                'conformity = "partiel"',
                'audit_date = "15/11/2019"',
                'contact_url = "www.example.org/contact"',
                'non_accessibl = ["x"]',
            ]
        )
        + "\n",
    )
    found = errors(tmp_path)
    assert any(
        e.startswith("publisher.toml:2: error: [accessibility] conformity must be one of full, partial, none")
        and "did you mean 'partial'?" in e
        for e in found
    ), found
    assert any(
        e.startswith("publisher.toml:3: error: [accessibility] audit_date must be a date written YYYY-MM-DD")
        for e in found
    ), found
    assert any(
        e.startswith("publisher.toml:4: error: [accessibility] contact_url must start with http")
        for e in found
    ), found
    assert any(
        e.startswith("publisher.toml:5: error: unknown key 'non_accessibl'")
        and "did you mean 'non_accessible'?" in e
        for e in found
    ), found


def test_claiming_conformity_needs_an_audit(tmp_path: Path) -> None:
    write(tmp_path, '[accessibility]\nconformity = "partial"\n')
    found = errors(tmp_path)
    assert len(found) == 1 and "needs the audit that established it" in found[0]
    write(tmp_path, '[accessibility]\nconformity = "partial"\naudit_date = "2026-10-01"\n')
    assert load_config(tmp_path).get("accessibility", "conformity") == "partial"


def test_statement_shows_the_configured_audit_and_translated_lists(example: Path, cli) -> None:
    text = (example / "publisher.toml").read_text(encoding="utf-8")
    head = text[: text.index("[accessibility]")]
    write(
        example,
        head
        + "\n".join(
            [
                "[accessibility]",
                'conformity = "partial"',
                'audit_date = "2026-10-01"',
                'auditor = "Access42"',
                'compliance_rate = "87 %"',
                'statement_date = "2026-10-15"',
                'contact_url = "https://www.chu-rouen.example/contact"',
                'plan_url = "https://www.chu-rouen.example/schema-pluriannuel"',
                'non_accessible = { fr = ["Les PDF ne sont pas balisés."] }',
                'derogations = { fr = ["Cartes interactives."], en = ["Interactive maps."] }',
            ]
        )
        + "\n",
    )
    result = cli("-C", example, "build", "--now", "2026-01-01T00:00")
    assert result.code == 0, result.err
    fr = parse(example / "public" / "fr" / "accessibility.html")
    main = " ".join(fr.find("main").content().split())  # type: ignore[union-attr]
    assert "Ce site est partiellement conforme au référentiel RGAA 4.1." in main
    assert (
        "L’audit réalisé le 1 octobre 2026 par Access42 révèle que 87 % des critères du "
        "référentiel RGAA 4.1 sont respectés."
    ) in main
    assert "Cette déclaration a été établie le 15 octobre 2026." in main
    assert "Les PDF ne sont pas balisés." in main and "Cartes interactives." in main
    en = parse(example / "public" / "en" / "accessibility.html")
    # The list written only in French is shown as such, marked lang="fr"; the translated
    # one is in English.
    lists = {li.content(): li.lang() for li in en.find("main").find_all("li")}  # type: ignore[union-attr]
    assert lists["Les PDF ne sont pas balisés."] == "fr"
    assert lists["Interactive maps."] == "en"
    footer = " ".join(
        parse(example / "public" / "en" / "index.html")
        .find("footer")  # type: ignore[union-attr]
        .content()
        .split()
    )
    assert "Accessibility: partially compliant" in footer
