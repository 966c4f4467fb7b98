"""What translators' tools do to catalogs, for the i18n tests.

``msgfmt_check`` runs GNU gettext's reference checker (scripts/test installs it; a missing
msgfmt skips locally but fails under CI=true). ``poedit_save`` edits a catalog the way a
translator's editor writes it back: another library (polib), lines wrapped at 78 columns,
header fields updated, fuzzy flags cleared only where the translator says so.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import polib

from tests.needs import unavailable


def msgfmt_check(path: Path) -> None:
    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        unavailable("msgfmt (GNU gettext) is not installed", "scripts/test installs it")
    proc = subprocess.run([msgfmt, "--check", "-o", os.devnull, str(path)], capture_output=True, text=True)
    assert proc.returncode == 0, f"msgfmt --check {path}:\n{proc.stderr}"
    errors = [line for line in proc.stderr.splitlines() if "warning" not in line]
    assert not errors, proc.stderr


def poedit_save(path: Path, edit: Callable[[polib.POEntry], None]) -> None:
    """Open `path`, call edit(entry) on every active entry, save as a PO editor does."""
    po = polib.pofile(str(path), wrapwidth=78)
    for entry in po:
        if not entry.obsolete:
            edit(entry)
    po.metadata["Last-Translator"] = "Jane Translator <jane@example.org>"
    po.metadata["PO-Revision-Date"] = "2019-11-16 13:05+0100"
    po.metadata["X-Generator"] = "Poedit 3.4.2"
    po.save(str(path))


def translations(path: Path) -> dict[tuple[str | None, str], str]:
    """{(msgctxt, msgid): msgstr} of a catalog's active entries."""
    return {(e.msgctxt, e.msgid): e.msgstr for e in polib.pofile(str(path)) if not e.obsolete}
