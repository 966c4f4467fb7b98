"""Errors and diagnostics: every exception publisher raises on purpose, in one tree.

Exception tree (exit code of the CLI in brackets)::

    PublisherError [1]          anything the CLI reports as one line, without a traceback
    ├── UsageError [2]          a command-line value is wrong (--now, --lang)
    ├── Failed [code]           the command already printed its report; exit with `code`
    ├── DiagnosticsError [2]    carries Diagnostics, each tied to path:line
    │   └── ConfigError [2]     publisher.toml is wrong
    ├── CatalogError [2]        a .po/.pot file cannot be parsed; carries one Diagnostic
    ├── AuthoringError [2]      `publisher new` cannot write the incident or update asked for
    ├── InitError [2]           `publisher init` would overwrite a project, or cannot write
    ├── LedgerError [2]         the ledger file is not a ledger, or of a newer version
    ├── FileRefused [2]         a project file publisher will not read: not a regular file,
    │                           a link leaving the project, too large
    ├── TargetRefused [2]       an output or website directory publisher will not replace or
    │                           empty: the project, content, a directory it did not create
    ├── LockHeld [3]            another run holds the lock
    ├── ChannelTypeError [2]    a [channels.<name>] type cannot be used
    │   ├── UnknownChannelType  no installed channel declares that name
    │   └── ChannelLoadError    declared, but importing it failed or it breaks the protocol
    └── DeliveryError [1]       one delivery failed; the job records it and goes on
                                (channel, key; transient = retried by itself, else a person
                                must act). Channels may subclass it (facebook.GraphError).

Content errors are not exceptions: a :class:`Diagnostic` is one finding tied to
``path:line``, with what is wrong and how to fix it. Loaders collect every diagnostic instead
of stopping at the first, so `check` reports all of them at once and valid updates still go
out. Library code raises; only the commands print (publisher/cli.py maps the tree to exit
codes once).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from publisher.cli_text import Text, mark

SEVERITIES = (mark("error"), mark("warning"), mark("note"))  # Diagnostic.severity, said through say()

T = TypeVar("T")


@dataclass(frozen=True)
class Diagnostic:
    path: str
    line: int
    message: str
    hint: str = ""
    severity: str = "error"  # "error" | "warning" | "note" (what will happen; nothing wrong)
    # An exception caught at the per-file boundary (a bug, not the file's fault): never cached,
    # so the next run (or `--debug`) tries the file again.
    internal: bool = False

    def __str__(self) -> str:
        """The finding as a person reads it, in the reader's language (message and hint are
        :class:`~publisher.cli_text.Text`; machine-read output uses the English fields)."""
        from publisher.cli_text import localized, say

        where = f"{self.path}:{self.line}" if self.line else self.path
        text = f"{where}: {say(self.severity)}: {localized(self.message)}"
        return f"{text}\n    {say('fix')}: {localized(self.hint)}" if self.hint else text

    def english(self) -> str:
        """The finding in English whatever the reader's language (machine-read output)."""
        where = f"{self.path}:{self.line}" if self.line else self.path
        text = f"{where}: {self.severity}: {self.message}"
        return f"{text}\n    fix: {self.hint}" if self.hint else text


class PublisherError(Exception):
    exit_code = 1

    def localized(self) -> str:
        """What the CLI prints for this error: in the reader's language (``str()`` of it
        stays English, for logs and the ledger)."""
        from publisher.cli_text import localized

        return localized(self.args[0]) if self.args else ""


class UsageError(PublisherError):
    exit_code = 2


class Failed(PublisherError):
    """The command printed what went wrong already; the CLI only exits with `exit_code`."""

    def __init__(self, exit_code: int) -> None:
        super().__init__("")
        self.exit_code = exit_code


class DiagnosticsError(PublisherError):
    exit_code = 2

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        self.diagnostics = diagnostics
        super().__init__("\n".join(str(d) for d in diagnostics))

    def localized(self) -> str:
        return "\n".join(str(d) for d in self.diagnostics)


class ConfigError(DiagnosticsError):
    pass


class CatalogError(PublisherError):
    exit_code = 2

    def __init__(self, diagnostic: Diagnostic) -> None:
        super().__init__(str(diagnostic))
        self.diagnostic = diagnostic


class AuthoringError(PublisherError):
    exit_code = 2


class InitError(PublisherError):
    exit_code = 2


class PeopleError(PublisherError):
    """Unknown person, or a role they do not have (publisher/people.py): nothing written."""

    exit_code = 2


class ApprovalError(PublisherError):
    """approve/correct/retract refused (publisher/approving.py): nothing written."""

    exit_code = 2


class LedgerError(PublisherError):
    exit_code = 2


class FileRefused(PublisherError):
    """A file that is not read at all: its own error, never the run's."""

    exit_code = 2

    def __init__(self, path: str, message: str, hint: str) -> None:
        self.path = path
        self.message = message
        self.hint = hint
        super().__init__(Text("{path}: {message}; {hint}", path=path, message=message, hint=hint))

    def diagnostic(self) -> Diagnostic:
        return Diagnostic(self.path, 0, self.message, self.hint)


class TargetRefused(PublisherError):
    """An output directory that is not publisher's to replace: nothing is moved or removed."""

    exit_code = 2

    def __init__(self, path: str, message: str, hint: str) -> None:
        self.path = path
        self.message = message
        self.hint = hint
        super().__init__(Text("{path}: {message}\n    fix: {hint}", path=path, message=message, hint=hint))


class LockHeld(PublisherError):
    exit_code = 3


class DeliveryError(PublisherError):
    """One delivery failed. ``transient``: a later run may succeed by itself (rate limit, 5xx,
    timeout); otherwise the message says what a person must do ("renew the Page token").
    A channel raises it without ``channel``/``key``; the job fills them in (:meth:`at`)."""

    exit_code = 1

    def __init__(
        self,
        message: str,
        transient: bool,
        retry_after: float | None = None,
        *,
        channel: str | None = None,
        key: str | None = None,
    ) -> None:
        super().__init__(message)
        self.transient = transient
        self.retry_after = retry_after  # seconds, when the remote said how long to wait
        self.channel = channel
        self.key = key

    @property
    def needs_person(self) -> bool:
        return not self.transient

    def at(self, channel: str, key: str | None) -> DeliveryError:
        """This error, located: which channel's delivery of which remote object failed."""
        self.channel, self.key = channel, key
        return self


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
            hint = Text(
                "{did_you_mean}known types: {known}",
                did_you_mean=did_you_mean(name, known),
                known=", ".join(known),
            )
        else:  # channel types come from entry points: no metadata, no types at all
            hint = Text(
                "no channel type is installed: publisher's package metadata is missing; "
                "run `pip install -e .` in the source tree (or install the package)"
            )
        super().__init__(name, Text("unknown channel type '{name}'", name=name), hint)


class ChannelLoadError(ChannelTypeError):
    def __init__(self, name: str, origin: str, reason: str) -> None:
        self.origin = origin
        self.reason = reason
        super().__init__(
            name,
            Text(
                "channel type '{name}' ({origin}) cannot be loaded: {reason}",
                name=name,
                origin=origin,
                reason=reason,
            ),
            Text("fix or reinstall the package that provides it, or remove the channel from publisher.toml"),
        )


# Set by `publisher --debug`: an unexpected error inside one file's work then also prints
# its traceback (never by default: a comms officer needs the file name, not a stack).
DEBUG = False


def unexpected(path: str, exc: BaseException) -> Diagnostic:
    """An exception no check foresaw, caught at the per-file boundary, as that file's error."""
    if DEBUG:
        import sys
        import traceback

        traceback.print_exception(exc, file=sys.stderr)
    return Diagnostic(
        path,
        0,
        Text(
            "this file could not be processed ({error}); it was left out",
            error=f"{type(exc).__name__}: {str(exc)[:200]}",
        ),
        Text(
            "check the file for anything unusual; run `publisher --debug …` for the details "
            "and report them: this is a bug in publisher"
        ),
        internal=True,
    )


def guarded(shown: str, out: list[Diagnostic], work: Callable[[], T]) -> T | None:
    """The per-file error boundary: `work` on one file or incident, or None and its error.

    Whatever goes wrong inside one file's work (a bug, a case no check foresaw) becomes that
    file's own diagnostic, so every other file still loads and is delivered.
    """
    try:
        return work()
    except Exception as exc:
        out.append(unexpected(shown, exc))
        return None


def display_path(path: Path, root: Path) -> str:
    """The path as a user typed it: relative to the project root when possible."""
    try:
        # The parent resolved, not the file itself: a symbolic link is named as it is in the
        # project, not by what it points to.
        return str((path.parent.resolve() / path.name).relative_to(root.resolve()))
    except (ValueError, OSError, RuntimeError):  # outside the root, or a symbolic link loop
        try:
            return str(path.absolute().relative_to(root.absolute()))
        except ValueError:
            return str(path)


def did_you_mean(word: str, choices: list[str] | tuple[str, ...]) -> str:
    # Imported here: only when a typo is reported, never on the every-minute path.
    import difflib

    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return Text("did you mean '{word}'? ", word=close[0]) if close else ""
