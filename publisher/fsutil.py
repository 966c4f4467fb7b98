"""Files written so that a reader (or a crash) never sees half of them.

Every state file publisher keeps (caches, archives, outbox posts, catalogs) is written to a
temporary name in the same directory and renamed over the target: rename is atomic on
POSIX, so a file is either the old version or the new one.
"""

from __future__ import annotations

import os
import pickle
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

Stamp = tuple[str, int, int]  # (path, mtime_ns, size): "did this file change", without reading it


def stat_tree(root: Path, ignore: Callable[[str], bool] = lambda name: False) -> list[Stamp]:
    """The stamp of every file below `root` whose name (and directories' names) `ignore`
    does not reject, in a stable order; nothing when `root` is not a directory. Stat only:
    cheap enough for the every-minute fingerprint and the preview's polling. A file removed
    during the walk is left out (the next look sees it gone)."""
    found: list[Stamp] = []
    if not root.is_dir():
        return found
    for directory, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not ignore(d))
        for name in sorted(files):
            if ignore(name):
                continue
            path = os.path.join(directory, name)
            try:
                st = os.stat(path)
            except OSError:
                continue
            found.append((path, st.st_mtime_ns, st.st_size))
    return found


def write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def write_if_changed(path: Path, data: bytes) -> bool:
    """Write atomically when the bytes differ; True when the file changed."""
    if path.exists() and path.read_bytes() == data:
        return False
    write_atomic(path, data)
    return True


def write_pickle(path: Path, value: Any) -> None:
    write_atomic(path, pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))


def read_pickle(path: Path) -> Any | None:
    """The pickled value, or None when absent or damaged: a cache miss, never an error."""
    try:
        with open(path, "rb") as f:
            return pickle.load(f)
    except Exception:
        return None


class PickledTable:
    """A dict kept across runs in one pickle: entries stored under `version` (another version,
    an absent or a damaged file all read as empty); save() drops the entries this run did not
    use, and writes only when something changed."""

    def __init__(self, path: Path, version: str) -> None:
        from publisher import __version__

        # A table written by another publisher version is never used (the state dir is
        # trusted, docs/reliability.md, but a stale shape must not be read as current).
        self.path = path
        self.version = f"{__version__}\0{version}"
        self.entries: dict[str, Any] = {}
        self.used: set[str] = set()
        self.dirty = False
        stored = read_pickle(path)
        if isinstance(stored, tuple) and len(stored) == 2 and stored[0] == self.version:
            self.entries = stored[1]

    def get(self, key: str) -> Any | None:
        self.used.add(key)
        return self.entries.get(key)

    def put(self, key: str, value: Any) -> None:
        self.used.add(key)
        self.entries[key] = value
        self.dirty = True

    def save(self) -> None:
        stale = set(self.entries) - self.used
        if not self.dirty and not stale:
            return
        for key in stale:
            del self.entries[key]
        write_pickle(self.path, (self.version, self.entries))
        self.dirty = False


# Bigger than any statement or catalog a hospital writes (the whole CHU Rouen example is
# 60 kB); small enough that a link to /dev/zero or a runaway file cannot exhaust memory.
DEFAULT_READ_LIMIT = 4 * 1024 * 1024


def read_project_file(path: Path, root: Path, limit: int = DEFAULT_READ_LIMIT) -> bytes:
    """The bytes of one project file, or FileRefused naming it.

    Only regular files are read (a FIFO would block forever, a device never ends), a symbolic
    link must stay inside the project (a template or statement linked to a system file would
    be published), and at most `limit` bytes are read, so one bad file cannot hang the run.
    """
    from publisher.errors import FileRefused, display_path

    shown = display_path(path, root) if not path.is_symlink() else _shown_link(path, root)
    try:
        target = path.resolve(strict=True)
    except (OSError, RuntimeError):
        raise FileRefused(
            shown,
            "is a broken symbolic link (its target is missing or it points to itself)",
            "replace the link by the file itself, or remove it",
        ) from None
    if not _inside(target, root.resolve()):
        raise FileRefused(
            shown,
            f"is a symbolic link to {target}, outside the project",
            "copy the file into the project instead of linking to it",
        )
    try:
        fd = os.open(target, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    except OSError as exc:
        raise FileRefused(shown, f"cannot be read ({exc.strerror})", "check its permissions") from None
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        os.close(fd)  # a directory cannot even be wrapped in a file object
        raise FileRefused(
            shown,
            f"is not a regular file (a {_kind(st.st_mode)})",
            "publisher reads only ordinary files: remove it or replace it by a file",
        )
    with os.fdopen(fd, "rb") as f:
        if st.st_size > limit:
            raise FileRefused(
                shown,
                f"is {st.st_size} bytes, more than the {limit} bytes publisher reads",
                "split it, or raise [limits] file_size in publisher.toml",
            )
        data = f.read(limit + 1)
    if len(data) > limit:  # grew while being read
        raise FileRefused(
            shown,
            f"is more than the {limit} bytes publisher reads",
            "split it, or raise [limits] file_size in publisher.toml",
        )
    return data


def is_regular_inside(path: Path, root: Path) -> bool:
    """True when read_project_file would read `path` (cheap, for directory listings)."""
    try:
        target = path.resolve(strict=True)
        return stat.S_ISREG(os.stat(target).st_mode) and _inside(target, root.resolve())
    except (OSError, RuntimeError):
        return False


def _inside(path: Path, root: Path) -> bool:
    try:
        path.relative_to(root)
    except ValueError:
        return False
    return True


def _shown_link(path: Path, root: Path) -> str:
    try:
        return str(path.absolute().relative_to(root.resolve()))
    except ValueError:
        return str(path)


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "named pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "device"
    if stat.S_ISDIR(mode):
        return "directory"
    if stat.S_ISSOCK(mode):
        return "socket"
    return "special file"
