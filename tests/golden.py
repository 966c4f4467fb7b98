"""Golden-file comparison shared by every channel's tests.

Regenerate after an intended change of output with::

    PUBLISHER_UPDATE_GOLDEN=1 python -m pytest tests/

then review the diff (``git diff tests/golden``) before committing it: the golden files are
what the public and each remote API receive.
"""

from __future__ import annotations

import os
from pathlib import Path

GOLDEN = Path(__file__).resolve().parent / "golden"
UPDATING = os.environ.get("PUBLISHER_UPDATE_GOLDEN") == "1"


def compare_tree(actual: dict[str, bytes], name: str) -> None:
    """Compare {relative path: bytes} with tests/golden/<name>/, or rewrite it when updating."""
    root = GOLDEN / name
    if UPDATING:
        if root.exists():
            for old in sorted(root.rglob("*"), reverse=True):
                old.unlink() if old.is_file() else old.rmdir()
        for rel, data in actual.items():
            dest = root / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(data)
        return
    expected = {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}
    assert sorted(actual) == sorted(expected), (
        "the set of files differs from the golden files; if intended, regenerate (see tests/golden.py)"
    )
    for rel in sorted(actual):
        assert actual[rel].decode() == expected[rel].decode(), f"{rel} differs from tests/golden/{name}/{rel}"


def compare_text(actual: str, rel: str) -> None:
    compare_tree_single(actual.encode(), rel)


def compare_tree_single(actual: bytes, rel: str) -> None:
    dest = GOLDEN / rel
    if UPDATING:
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(actual)
        return
    assert dest.exists(), f"no golden file {dest}; regenerate (see tests/golden.py)"
    assert actual.decode() == dest.read_text(), f"output differs from tests/golden/{rel}"
