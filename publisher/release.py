"""Write a tree of files and make it live in one atomic step, writing only what changed.

Double buffering: the live directory ``<output>`` has a twin ``.<output>.staging`` that
holds the *previous* release. A build brings the twin up to date (writing only files whose
bytes differ, deleting files that are gone), then exchanges the two directories with one
``renameat2(RENAME_EXCHANGE)`` call: readers see the old site or the new one, never a mix,
and the every-minute cron run rewrites a handful of files instead of the whole site.

Each directory carries a manifest (``.publisher-manifest.json``: path → sha256) of what it
holds. The manifest is removed before the twin is touched and written back only when it is
complete, so a crash mid-write leaves a twin without a manifest, which the next build wipes
and rewrites in full. The live directory is never written to.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import hashlib
import json
import os
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from publisher.cli_text import Text

MANIFEST = ".publisher-manifest.json"
# Written once into every directory publisher creates for a site and never removed: only a
# directory carrying it (or a manifest, from older versions) is ever emptied or replaced.
MARKER = ".publisher-site"
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


class File(Protocol):
    @property
    def path(self) -> str: ...

    @property
    def content(self) -> bytes: ...


@dataclass(frozen=True)
class Page:
    """One file of the site: what every page builder yields and publish_tree writes."""

    path: str  # relative to the output root, posix
    content: bytes


def staging_dir(output: Path) -> Path:
    return output.with_name(f".{output.name}.staging")


def read_manifest(directory: Path) -> dict[str, str] | None:
    """path -> sha256 of what `directory` holds, or None (absent, damaged, or naming a path
    outside the directory: a manifest is trusted to delete files, so it must stay inside)."""
    try:
        data = json.loads((directory / MANIFEST).read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or not all(_inside_name(k) for k in data):
        return None
    return data


def _inside_name(name: object) -> bool:
    if not isinstance(name, str) or not name or name.startswith("/") or "\\" in name or "\0" in name:
        return False
    return all(part not in ("", ".", "..") for part in name.split("/"))


def is_own(directory: Path) -> bool:
    """True when `directory` is publisher's to empty or replace: it carries publisher's
    marker or a valid manifest, or it is empty."""
    if (directory / MARKER).is_file() or read_manifest(directory) is not None:
        return True
    try:
        return not any(directory.iterdir())
    except OSError:
        return False


def refuse_foreign(directory: Path, what: str) -> None:
    from publisher.errors import TargetRefused

    if directory.is_dir() and not directory.is_symlink() and not is_own(directory):
        raise TargetRefused(
            str(directory),
            Text(
                "{what} is a directory publisher did not create (no {marker} or {manifest} in it): "
                "nothing was moved or removed",
                what=what,
                marker=MARKER,
                manifest=MANIFEST,
            ),
            Text(
                "point [paths] output (or the channel's path) at a new or empty directory, "
                "or move this one away"
            ),
        )


def unsafe_target(target: Path, root: Path, protected: dict[str, Path], relative: bool) -> Text | None:
    """Why `target` may not be a site directory publisher swaps and prunes, or None.

    Never the project root or a parent of it, never content/locales/templates/state (or a
    directory inside or around them), and a relative path stays inside the project.
    """
    candidates = {Path(os.path.normpath(target))}
    try:
        candidates.add(target.resolve())
    except (OSError, RuntimeError):
        pass
    root = root.resolve()
    for t in candidates:
        if root.is_relative_to(t):
            return Text("is the project directory or a parent of it")
        if relative and not t.is_relative_to(root):
            return Text("is outside the project; write an absolute path to deploy elsewhere")
        for name, d in protected.items():
            if t == d or t.is_relative_to(d) or d.is_relative_to(t):
                return Text(
                    "is, holds or is inside the {name} directory ({name} = {path})", name=name, path=str(d)
                )
    return None


def exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths (Linux renameat2); False when the system cannot."""
    libc_name = ctypes.util.find_library("c")
    if libc_name is None:
        return False
    libc = ctypes.CDLL(libc_name, use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is None:
        return False
    result = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    return bool(result == 0)


def _swap(staging: Path, output: Path) -> None:
    if not output.exists():
        os.rename(staging, output)
    elif not exchange(staging, output):
        # No renameat2 (not Linux, old libc): two renames, a window of microseconds.
        old = output.with_name(f".{output.name}.old")
        shutil.rmtree(old, ignore_errors=True)
        os.rename(output, old)
        os.rename(staging, output)
        os.rename(old, staging)


def publish_tree(files: Iterable[File], output: Path) -> tuple[int, int]:
    """Make `files` the content of `output` atomically; returns (files, files written)."""
    output.parent.mkdir(parents=True, exist_ok=True)
    staging = staging_dir(output)
    refuse_foreign(output, Text("the output directory"))
    refuse_foreign(staging, Text("the staging twin of the output directory"))
    if staging.is_symlink() or (staging.exists() and not staging.is_dir()):
        from publisher.errors import TargetRefused

        raise TargetRefused(
            str(staging),
            Text("the staging twin of the output directory is not a directory"),
            Text("move it away"),
        )
    previous = read_manifest(staging) if staging.is_dir() else None
    if previous is None:
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir()
        previous = {}
    else:
        (staging / MANIFEST).unlink()
    if not (staging / MARKER).is_file():
        (staging / MARKER).write_text("made by publisher: this directory is rebuilt on every build\n")
    manifest: dict[str, str] = {}
    written = 0
    for item in files:
        # A file that knows its digest (a cached page) is not even read when the twin
        # already holds those bytes; otherwise the digest is taken of what is written.
        known = getattr(item, "digest", None)
        if known is not None and previous.get(item.path) == known:
            manifest[item.path] = known
            continue
        content = item.content
        digest = hashlib.sha256(content).hexdigest()
        manifest[item.path] = digest
        if previous.get(item.path) == digest:
            continue
        dest = staging / item.path
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(content)
        written += 1
    for gone in set(previous) - set(manifest):
        (staging / gone).unlink(missing_ok=True)
        _prune_empty_parents(staging / gone, staging)
    (staging / MANIFEST).write_text(json.dumps(manifest, sort_keys=True))
    os.chmod(staging, 0o755)
    _swap(staging, output)
    return len(manifest), written


def _prune_empty_parents(path: Path, root: Path) -> None:
    parent = path.parent
    while parent != root and parent.is_dir() and not any(parent.iterdir()):
        parent.rmdir()
        parent = parent.parent
