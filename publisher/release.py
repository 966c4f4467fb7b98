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

MANIFEST = ".publisher-manifest.json"
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
    try:
        data = json.loads((directory / MANIFEST).read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


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
    previous = read_manifest(staging) if staging.is_dir() else None
    if previous is None:
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir()
        previous = {}
    else:
        (staging / MANIFEST).unlink()
    manifest: dict[str, str] = {}
    written = 0
    for item in files:
        digest = hashlib.sha256(item.content).hexdigest()
        manifest[item.path] = digest
        if previous.get(item.path) == digest:
            continue
        dest = staging / item.path
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(item.content)
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
