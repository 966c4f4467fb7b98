"""One project text file (update, incident, statement, catalog) → checked text, or its errors.

The per-file boundary starts here: only a regular file inside the project is read (never a
FIFO, a device or a link leaving the project), at most ``[limits] file_size`` bytes, and its
text must be UTF-8 with LF or CRLF line endings and free of the characters XML forbids (one
of them in a title makes every feed that carries it non-well-formed). Anything else is that
file's own diagnostic with ``path:line``; the run goes on with the other files.
"""

from __future__ import annotations

from pathlib import Path

from publisher.cli_text import Text
from publisher.errors import Diagnostic, FileRefused
from publisher.fsutil import DEFAULT_READ_LIMIT, read_project_file


def read_bytes(path: Path, root: Path, shown: str, out: list[Diagnostic], limit: int) -> bytes | None:
    try:
        return read_project_file(path, root, limit)
    except FileRefused as exc:
        out.append(Diagnostic(shown, 0, exc.message, exc.hint))
        return None


def decode(data: bytes, shown: str, out: list[Diagnostic], what: str = "the file") -> str | None:
    """UTF-8 text with LF line endings (a BOM and CRLF are accepted), or None and the error."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        out.append(
            Diagnostic(
                shown,
                data[: exc.start].count(b"\n") + 1,
                Text("not UTF-8 text (byte 0x{byte:02x})", byte=data[exc.start]),
                Text("save {what} as UTF-8 (in most editors: File > Save with encoding)", what=what),
            )
        )
        return None
    text = text.removeprefix("\ufeff").replace("\r\n", "\n")
    if "\r" in text:
        out.append(
            Diagnostic(
                shown,
                text.count("\n", 0, text.index("\r")) + 1,
                Text("a line ends with a carriage return alone (CR, old Mac line endings)"),
                Text("save {what} with LF (Unix) or CRLF (Windows) line endings", what=what),
            )
        )
        return None
    # Imported here, where a file is actually read: the every-minute run takes every file
    # from the parse cache and must not pay for markdown-it (python -X importtime).
    from publisher import markup

    bad = markup.xml_forbidden(text)
    if bad is not None:
        out.append(
            Diagnostic(
                shown,
                bad[0],
                Text("contains the control character {bad}, which pages and feeds cannot carry", bad=bad[1]),
                Text("delete it (it is often invisible: retype the line, or paste it as plain text)"),
            )
        )
        return None
    return text


def read_text(
    path: Path, root: Path, shown: str, out: list[Diagnostic], limit: int = DEFAULT_READ_LIMIT
) -> tuple[str, bytes] | None:
    """(text, raw bytes) of one project file, or None with its diagnostic in `out`."""
    data = read_bytes(path, root, shown, out, limit)
    if data is None:
        return None
    text = decode(data, shown, out)
    return None if text is None else (text, data)
