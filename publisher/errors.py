"""Errors and diagnostics.

Exception tree::

    PublisherError              anything the CLI reports without a traceback
    ├── ConfigError             publisher.toml is wrong (exit 2); carries Diagnostics
    ├── ContentError            content files are wrong (exit 2); carries Diagnostics
    ├── LockHeld                another run holds the lock (exit 3)
    ├── ChannelTypeError        a [channels.<name>] type cannot be used (exit 2)
    │   ├── UnknownChannelType  no installed channel declares that name
    │   └── ChannelLoadError    declared, but importing it failed or it breaks the protocol
    └── BuildError              the site could not be built; the previous site stays

A :class:`Diagnostic` is one finding tied to ``path:line``, with what is wrong and how to
fix it. Loaders collect every diagnostic instead of stopping at the first, so `check`
reports all of them at once and valid updates still go out.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Diagnostic:
    path: str
    line: int
    message: str
    hint: str = ""
    severity: str = "error"  # "error" | "warning"

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        text = f"{where}: {self.severity}: {self.message}"
        return f"{text}\n    fix: {self.hint}" if self.hint else text


class PublisherError(Exception):
    exit_code = 1


class DiagnosticsError(PublisherError):
    exit_code = 2

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        self.diagnostics = diagnostics
        super().__init__("\n".join(str(d) for d in diagnostics))


class ConfigError(DiagnosticsError):
    pass


class ContentError(DiagnosticsError):
    pass


class LockHeld(PublisherError):
    exit_code = 3


class BuildError(PublisherError):
    exit_code = 1


class ChannelTypeError(PublisherError):
    """A ``[channels.<name>]`` type that cannot be used (unknown, or fails to load)."""

    exit_code = 2

    def __init__(self, name: str, message: str, hint: str) -> None:
        self.name = name
        self.hint = hint
        super().__init__(message)


class UnknownChannelType(ChannelTypeError):
    def __init__(self, name: str, known: tuple[str, ...]) -> None:
        self.known = known
        if known:
            hint = f"{did_you_mean(name, known)}known types: {', '.join(known)}"
        else:  # channel types come from entry points: no metadata, no types at all
            hint = (
                "no channel type is installed: publisher's package metadata is missing; "
                "run `pip install -e .` in the source tree (or install the package)"
            )
        super().__init__(name, f"unknown channel type '{name}'", hint)


class ChannelLoadError(ChannelTypeError):
    def __init__(self, name: str, origin: str, reason: str) -> None:
        self.origin = origin
        self.reason = reason
        super().__init__(
            name,
            f"channel type '{name}' ({origin}) cannot be loaded: {reason}",
            "fix or reinstall the package that provides it, or remove the channel from publisher.toml",
        )


def display_path(path: Path, root: Path) -> str:
    """The path as a user typed it: relative to the project root when possible."""
    try:
        return str(path.resolve().relative_to(root.resolve()))
    except ValueError:
        return str(path)


def did_you_mean(word: str, choices: list[str] | tuple[str, ...]) -> str:
    import difflib

    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'? " if close else ""
