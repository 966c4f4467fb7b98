"""Set or remove front-matter keys of a content file, keeping every other line as written.

The commands that write for the comms officer (approve, correct, retract) change a few keys
and nothing else: comments, key order and the body stay byte for byte, so a diff in version
control shows exactly what the command did.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path

from publisher.fsutil import write_atomic

_KEY = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)\s*:")


_PLAIN = re.compile(r"^[a-z][a-z0-9._-]*$")
_YAML_WORDS = {"y", "n", "yes", "no", "on", "off", "true", "false", "null"}


def yaml_str(value: str) -> str:
    """A YAML scalar that stays text whatever it holds: a handle as is, else a JSON string."""
    if _PLAIN.match(value) and value not in _YAML_WORDS:
        return value
    return json.dumps(value, ensure_ascii=False)


def edit(text: str, values: Mapping[str, str | None]) -> str:
    """`text` with each key set (a new line before the closing ---) or removed (None)."""
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        raise ValueError("no front matter")
    end = next((i for i in range(1, len(lines)) if lines[i].strip() in ("---", "...")), None)
    if end is None:
        raise ValueError("front matter is not closed")
    front = lines[1:end]
    out: list[str] = []
    done: set[str] = set()
    i = 0
    while i < len(front):
        line = front[i]
        m = _KEY.match(line)
        # A key's value may continue on indented lines (a block scalar or a list).
        j = i + 1
        while m and j < len(front) and front[j][:1] in (" ", "\t", "-") and not _KEY.match(front[j]):
            j += 1
        if m and m.group(1) in values:
            key = m.group(1)
            if values[key] is not None and key not in done:
                out.append(f"{key}: {yaml_str(str(values[key]))}")
            done.add(key)
        else:
            out.extend(front[i:j])
        i = j
    for key, value in values.items():
        if key not in done and value is not None:
            out.append(f"{key}: {yaml_str(value)}")
    return "\n".join([lines[0], *out, *lines[end:]])


def edit_file(path: Path, values: Mapping[str, str | None], body: str | None = None) -> None:
    text = path.read_text(encoding="utf-8").removeprefix("\ufeff").replace("\r\n", "\n")
    new = edit(text, values)
    if body is not None:
        head, sep, _rest = _split_body(new)
        new = head + sep + body.strip("\n") + "\n"
    write_atomic(path, new.encode("utf-8"))


def _split_body(text: str) -> tuple[str, str, str]:
    lines = text.split("\n")
    end = next(i for i in range(1, len(lines)) if lines[i].strip() in ("---", "..."))
    return "\n".join(lines[: end + 1]), "\n", "\n".join(lines[end + 1 :])
