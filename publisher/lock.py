"""A file lock that keeps two publishing runs apart (flock on ``<state>/publish.lock``).

The second run exits 3 at once with a message naming the holder (pid, start time), or, with
``--wait``, blocks until the first one finishes. The lock is the kernel's: it disappears when
the holder's process dies, even by SIGKILL, so a crash never leaves a stale lock behind. The
file itself is never deleted (deleting a lock file lets two runs hold two different locks).
"""

from __future__ import annotations

import fcntl
import os
import time
from pathlib import Path

from publisher.cli_text import Text
from publisher.errors import LockHeld
from publisher.timeutil import iso_utc, utc_now


class FileLock:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.fd: int | None = None

    def holder(self) -> str:
        try:
            text = self.path.read_text(encoding="utf-8").strip()
        except OSError:
            return ""
        return text

    def acquire(self, wait: float | None = 0.0) -> None:
        """wait: 0 → fail at once; None → wait forever; N → wait up to N seconds."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        deadline = None if wait is None else time.monotonic() + wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if deadline is not None and time.monotonic() >= deadline:
                    os.close(fd)
                    who = self.holder()
                    raise LockHeld(
                        Text(
                            "another publisher run holds {path} ({who}); it will finish by itself. "
                            "Run again later, or pass --wait to wait for it",
                            path=str(self.path),
                            who=who,
                        )
                        if who
                        else Text(
                            "another publisher run holds {path}; it will finish by itself. "
                            "Run again later, or pass --wait to wait for it",
                            path=str(self.path),
                        )
                    ) from None
                time.sleep(0.05)
        os.ftruncate(fd, 0)
        started = iso_utc(utc_now())
        os.write(fd, f"pid {os.getpid()} since {started}\n".encode())
        self.fd = fd

    def release(self) -> None:
        if self.fd is not None:
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)
            self.fd = None

    def __enter__(self) -> FileLock:
        if self.fd is None:
            self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
