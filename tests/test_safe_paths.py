"""Output and website paths: publisher never moves or removes what it did not create.

`[paths] output = "content"` used to be swapped with the built site and removed by the next
build; a manifest in the staging twin could name files outside it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from publisher.release import MANIFEST, staging_dir

NOW = "2019-11-23T12:00"


def set_output(project: Path, value: str) -> None:
    path = project / "publisher.toml"
    path.write_text(path.read_text().replace('output = "public"', f"output = {json.dumps(value)}"))


def snapshot(directory: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(directory)): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()
    }


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("content", "content directory"),
        ("content/incidents", "content directory"),
        (".", "project directory or a parent"),
        ("..", "project directory or a parent"),
        ("../elsewhere", "outside the project"),
        ("locales", "locales directory"),
        (".publisher", "state directory"),
        (".publisher/site", "state directory"),
        ("", "is empty"),
    ],
)
def test_output_that_would_destroy_data_is_refused(
    example: Path, cli: Callable[..., object], value: str, why: str
) -> None:
    set_output(example, value)
    before = snapshot(example)
    for command in ("check", "build", "publish"):
        r = cli("-C", example, command, "--now", NOW)
        assert r.code == 2, r.err  # type: ignore[attr-defined]
        assert "publisher.toml:16: error: [paths] output" in r.err and why in r.err  # type: ignore[attr-defined]
        assert "Traceback" not in r.err  # type: ignore[attr-defined]
    assert snapshot(example) == before
    assert not (example.parent / "elsewhere").exists()


def test_a_directory_publisher_did_not_make_is_never_replaced(
    example: Path, cli: Callable[..., object]
) -> None:
    site = example / "public"
    site.mkdir()
    (site / "index.html").write_text("the hospital's own page")
    (site / "logo.png").write_bytes(b"\x89PNG")
    for command in ("build", "publish"):
        r = cli("-C", example, command, "--now", NOW)
        said = r.out + r.err  # type: ignore[attr-defined]
        assert r.code in (1, 2), said  # type: ignore[attr-defined]
        assert "did not" in said and "public" in said
    assert (site / "index.html").read_text() == "the hospital's own page"
    assert (site / "logo.png").read_bytes() == b"\x89PNG"
    assert not (example / "public.releases").exists() or not any(
        p.name.endswith("-adopted") for p in (example / "public.releases").iterdir()
    )


def test_an_earlier_build_is_rebuilt_and_adopted(example: Path, cli: Callable[..., object]) -> None:
    assert cli("-C", example, "build", "--now", NOW).code == 0  # type: ignore[attr-defined]
    assert cli("-C", example, "build", "--now", NOW).code == 0  # type: ignore[attr-defined]
    assert cli("-C", example, "publish", "--now", NOW).code == 0  # type: ignore[attr-defined]
    assert (example / "public").is_symlink()


def test_a_foreign_staging_twin_is_left_alone(example: Path, cli: Callable[..., object]) -> None:
    twin = staging_dir(example / "public")
    twin.mkdir()
    (twin / "notes.txt").write_text("someone's notes")
    r = cli("-C", example, "build", "--now", NOW)
    assert r.code == 2 and "did not create" in r.err  # type: ignore[attr-defined]
    assert (twin / "notes.txt").read_text() == "someone's notes"


def test_a_manifest_naming_files_outside_its_directory_deletes_nothing_outside(
    example: Path, cli: Callable[..., object]
) -> None:
    assert cli("-C", example, "build", "--now", NOW).code == 0  # type: ignore[attr-defined]
    assert cli("-C", example, "build", "--now", NOW).code == 0  # type: ignore[attr-defined]
    twin = staging_dir(example / "public")
    victim = example / "content" / "incidents" / "2019-11-15-cyberattaque" / "incident.md"
    manifest = json.loads((twin / MANIFEST).read_text())
    manifest["../content/incidents/2019-11-15-cyberattaque/incident.md"] = "0" * 64
    manifest[str(victim)] = "0" * 64
    (twin / MANIFEST).write_text(json.dumps(manifest))
    assert cli("-C", example, "build", "--now", NOW).code == 0  # type: ignore[attr-defined]
    assert victim.is_file()


def test_website_channel_path_is_checked_too(example: Path, cli: Callable[..., object]) -> None:
    with open(example / "publisher.toml", "a") as f:
        f.write('\n[channels.website]\ntype = "directory"\npath = "locales"\n')
    before = snapshot(example / "locales")
    r = cli("-C", example, "publish", "--now", NOW)
    assert r.code == 2 and "[channels.website] path = 'locales' is, holds or is inside the locales" in r.err  # type: ignore[attr-defined]
    assert snapshot(example / "locales") == before


def test_an_absolute_path_outside_the_project_is_allowed(
    example: Path, tmp_path: Path, cli: Callable[..., object]
) -> None:
    target = tmp_path / "www" / "status"
    set_output(example, str(target))
    assert cli("-C", example, "build", "--now", NOW).code == 0  # type: ignore[attr-defined]
    assert (target / "index.html").is_file()


def test_now_before_the_last_live_pass_is_refused(example: Path, cli: Callable[..., object]) -> None:
    """A drill run in production with an old --now used to unpublish the real site."""
    assert cli("-C", example, "publish", "--now", NOW).code == 0  # type: ignore[attr-defined]
    page = example / "public/fr/incidents/2019-11-15-cyberattaque/20191122T1700.html"
    assert page.is_file()
    r = cli("-C", example, "publish", "--now", "2019-11-16T12:00")
    assert r.code == 2 and "--now is before the last live pass (2019-11-23T12:00+01:00)" in r.err  # type: ignore[attr-defined]
    assert "--dry-run" in r.err and "--rewind" in r.err  # type: ignore[attr-defined]
    assert page.is_file()
    assert cli("-C", example, "publish", "--dry-run", "--now", "2019-11-16T12:00").code == 0  # type: ignore[attr-defined]
    assert page.is_file()
    assert cli("-C", example, "publish", "--rewind", "--now", "2019-11-16T12:00").code == 0  # type: ignore[attr-defined]
    assert not (example / "public/fr/incidents/2019-11-15-cyberattaque/20191122T1700.html").exists()
