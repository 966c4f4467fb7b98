"""`new update` without --text or --from opens $EDITOR on the FACET parts (ANSSI fiche 6)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.publishing import INCIDENT

TEXT = "Le standard est de nouveau joignable. Appelez le 02 32 88 89 90 pour vos rendez-vous."


def editor(tmp_path: Path, body: str, code: int = 0) -> str:
    """An $EDITOR that checks it was shown the FACET guide, then writes `body` below it."""
    script = tmp_path / "editor.py"
    seen = tmp_path / "seen.txt"
    script.write_text(
        "import sys, pathlib\n"
        "p = pathlib.Path(sys.argv[1])\n"
        f"pathlib.Path({str(seen)!r}).write_text(p.read_text('utf-8'), 'utf-8')\n"
        f"p.write_text(p.read_text('utf-8') + {body!r}, 'utf-8')\n"
        f"sys.exit({code})\n",
        encoding="utf-8",
    )
    return f"{sys.executable} {script}"


def test_the_author_writes_in_the_editor_guided_by_facet(  # type: ignore[no-untyped-def]
    example: Path, cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EDITOR", editor(tmp_path, TEXT + "\n"))
    monkeypatch.delenv("VISUAL", raising=False)
    r = cli("-C", example, "new", "update", INCIDENT, "--status", "monitoring", "--at", "2019-11-24T10:00",
            "--as", "cmartin")  # fmt: skip
    assert r.code == 0, r.err
    shown = (tmp_path / "seen.txt").read_text("utf-8")
    for part in ("FACET", "Faits :", "Actions :", "Compassion :", "Engagement :", "Transparence :"):
        assert part in shown  # the example is written in French: the guide is French
    written = (example / f"content/incidents/{INCIDENT}/20191124T1000.md").read_text("utf-8")
    assert written.rstrip().endswith(TEXT)
    assert "FACET" not in written and "<!--" not in written  # the guide is not published


def test_an_empty_text_or_a_failed_editor_writes_nothing(  # type: ignore[no-untyped-def]
    example: Path, cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("VISUAL", raising=False)
    before = sorted(p.name for p in (example / f"content/incidents/{INCIDENT}").iterdir())
    args = ("-C", example, "new", "update", INCIDENT, "--at", "2019-11-24T10:00", "--as", "cmartin")
    monkeypatch.setenv("EDITOR", editor(tmp_path, "\n\n"))
    r = cli(*args)
    assert r.code == 2 and "the text is empty; nothing was written" in r.err
    monkeypatch.setenv("EDITOR", editor(tmp_path, TEXT, code=1))
    r = cli(*args)
    assert r.code == 2 and "the editor exited with 1; nothing was written" in r.err
    monkeypatch.delenv("EDITOR")
    r = cli(*args)
    assert r.code == 2 and "or set $EDITOR to write it there" in r.err
    assert sorted(p.name for p in (example / f"content/incidents/{INCIDENT}").iterdir()) == before
