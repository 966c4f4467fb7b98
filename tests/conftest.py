"""Shared fixtures: a copy of the example project per test, a CLI runner, the social emulators."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from publisher.cli import main
from tests.emulators import FacebookEmulator, MastodonEmulator
from tests.publishing import copy_example_config
from tests.socialkit import FB_TOKEN, MA_TOKEN

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def example(tmp_path: Path) -> Path:
    """A throwaway copy of the bundled example project (config, content, locales)."""
    project = tmp_path / "project"
    project.mkdir()
    copy_example_config(REPO / "publisher.toml", project / "publisher.toml")
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


@pytest.fixture
def fb() -> Iterator[FacebookEmulator]:
    """The Facebook Graph API emulator on 127.0.0.1, accepting the test Page token."""
    with FacebookEmulator(page_tokens=(FB_TOKEN,)) as emu:
        yield emu
        assert emu.server_errors == []


@pytest.fixture
def masto() -> Iterator[MastodonEmulator]:
    """The Mastodon emulator on 127.0.0.1, accepting the test token."""
    with MastodonEmulator(token=MA_TOKEN) as emu:
        yield emu
        assert emu.server_errors == []
