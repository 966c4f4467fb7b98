"""Helpers for the publishing-job tests: run publisher in a real subprocess, read the ledger."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
INCIDENT = "2019-11-15-cyberattaque"
AFTER_ALL = "2019-11-23T12:00"  # every update of the example is due (and approved)


def run_publisher(
    project: Path, *args: str, env: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """`python -m publisher -C project ARGS` in its own process (needed for SIGKILL tests)."""
    full_env = {k: v for k, v in os.environ.items() if k != "PUBLISHER_TEST_CRASH_AT"}
    full_env.update({"PYTHONPATH": str(REPO), **(env or {})})
    return subprocess.run(
        [sys.executable, "-m", "publisher", "-C", str(project), *args],
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def rows(project: Path, sql: str = "SELECT * FROM deliveries ORDER BY id") -> list[dict[str, Any]]:
    db = sqlite3.connect(project / ".publisher" / "ledger.db")
    db.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in db.execute(sql)]
    finally:
        db.close()


def releases(project: Path, name: str = "public") -> list[str]:
    root = project / f"{name}.releases"
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))


def live_release(project: Path, name: str = "public") -> str:
    return os.readlink(project / name).rsplit("/", 1)[-1]


def write_update(
    project: Path,
    stem: str,
    publish_at: str,
    body: str,
    approved_by: str | None = "hbernard",
    status: str = "monitoring",
    incident: str = INCIDENT,
    correction: str | None = None,
) -> Path:
    """An update written by cmartin; approved (bound to its text) by `approved_by`, if given.
    `correction`: the note a rewrite of a published text needs."""
    lines = ["---", f"status: {status}", f'publish_at: "{publish_at}"', "author: cmartin"]
    lines += [f"correction: {correction}"] if correction else []
    lines += ["---", body, ""]
    path = project / "content" / "incidents" / incident / f"{stem}.md"
    path.write_text("\n".join(lines), encoding="utf-8")
    if approved_by:
        from tests.approvals import approve_file

        approve_file(project, path, approved_by)
    return path


def set_config(project: Path, extra: str) -> None:
    config = project / "publisher.toml"
    config.write_text(config.read_text(encoding="utf-8") + "\n" + extra, encoding="utf-8")


def without_channels(toml: str) -> str:
    """The bundled example's config without its [channels.*] tables: tests configure the
    channels they test (set_config), and the example ships the website plus Facebook and
    Mastodon in outbox mode (tests/test_example_as_shipped.py runs it as it is)."""
    kept, skipping = [], False
    for line in toml.splitlines(keepends=True):
        if line.startswith("["):
            skipping = line.startswith("[channels.")
        if not skipping:
            kept.append(line)
    return "".join(kept)


def copy_example_config(source: Path, dest: Path) -> None:
    dest.write_text(without_channels(source.read_text(encoding="utf-8")), encoding="utf-8")
