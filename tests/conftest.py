"""Shared fixtures: a copy of the example project per test, and a CLI runner."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from publisher.cli import main

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def example(tmp_path: Path) -> Path:
    """A throwaway copy of the bundled example project (config, content, locales)."""
    project = tmp_path / "project"
    project.mkdir()
    shutil.copy(REPO / "publisher.toml", project / "publisher.toml")
    for name in ("content", "locales", "templates"):
        if (REPO / name).exists():
            shutil.copytree(REPO / name, project / name)
    return project


@dataclass
class Result:
    code: int
    out: str
    err: str


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., Result]:
    """Run `publisher ARGS` in-process and capture its output."""

    def run(*args: str | Path) -> Result:
        code = main([str(a) for a in args])
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run
