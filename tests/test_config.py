from __future__ import annotations

from pathlib import Path

import pytest

from publisher.config import load_config
from publisher.errors import ConfigError


def config_errors(tmp_path: Path, text: str) -> list[str]:
    (tmp_path / "publisher.toml").write_text(text)
    with pytest.raises(ConfigError) as exc:
        load_config(tmp_path)
    return [str(d) for d in exc.value.diagnostics]


def test_defaults_without_a_config_file(tmp_path: Path) -> None:
    config = load_config(tmp_path)
    assert config.languages == ("fr", "en")
    assert config.zone.key == "Europe/Paris"
    assert config.dir("output") == (tmp_path / "public").resolve()


def test_unknown_key_names_line_and_suggests(tmp_path: Path) -> None:
    found = config_errors(tmp_path, '[site]\ntitle = "x"\ntitel = "y"\n')
    assert found == [
        "publisher.toml:3: error: unknown key 'titel' in [site]\n"
        "    fix: did you mean 'title'? known keys: title, organisation, base_url, contact, phone"
    ]


def test_unknown_section(tmp_path: Path) -> None:
    found = config_errors(tmp_path, '[site]\ntitle = "x"\n\n[langages]\nsource = "fr"\n')
    assert found[0].startswith("publisher.toml:4: error: unknown section [langages]")
    assert "did you mean 'languages'" in found[0]


def test_wrong_type_and_bad_zone_reported_together(tmp_path: Path) -> None:
    found = config_errors(tmp_path, '[languages]\ntargets = "en"\n[time]\nzone = "Europe/Pariss"\n')
    assert found[0].startswith("publisher.toml:2: error: [languages] targets must be a list")
    assert found[1].startswith("publisher.toml:4: error: unknown time zone 'Europe/Pariss'")


def test_toml_syntax_error_has_a_line(tmp_path: Path) -> None:
    found = config_errors(tmp_path, '[site]\ntitle = "unterminated\n')
    assert found[0].startswith("publisher.toml:2: error: not valid TOML")


def test_cli_reports_config_errors_with_exit_2(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "publisher.toml").write_text('[site]\nbase_url = "status.example.org"\n')
    result = cli("-C", tmp_path, "check")
    assert result.code == 2
    assert "publisher.toml:2: error: base_url must start with http:// or https://" in result.err
