"""Stakeholder lists for the e-mail channel: files kept in the project, read line by line.

Two formats, told apart line by line so a list can grow from one into the other::

    # lists/presse.csv: address,language[,name]; '#' starts a comment
    address,language,name                      <- an optional header row
    redaction@journal.example,fr,Rédaction
    desk@agency.example,en
    contact@clinique.example                   <- one address alone: the source language

Each bad line is its own error (``path:line``, what is wrong, how to fix it) and is left
out; the other recipients still receive the update. An address listed twice (in one list or
in two lists of the same channel) receives one message, in the language of its first line.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

from publisher.cli_text import Text
from publisher.errors import Diagnostic, display_path

MAX_LIST_BYTES = 8 * 1024 * 1024  # a list is addresses, not a mailbox dump
# What a relay will take as a plain addr-spec: no display names, comments or spaces; a
# domain with at least one dot (a typo like "gmail" is caught here, not by a bounce).
ADDR = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$"
)
HEADER_WORDS = {"address", "email", "e-mail", "adresse", "courriel"}


@dataclass(frozen=True)
class Recipient:
    address: str
    lang: str
    name: str
    source: str  # "lists/presse.csv:3": where to fix it

    @property
    def key(self) -> str:
        """What identifies the recipient: the address, case-folded (mail domains are)."""
        return self.address.lower()


def valid_address(text: str) -> bool:
    # The pattern is a subset of RFC 5322's dot-atom addr-spec (what `email.headerregistry`
    # accepts), checked without it: its parser costs a millisecond an address.
    local = text.partition("@")[0]
    return (
        bool(ADDR.match(text))
        and ".." not in text
        and len(text) <= 254
        and len(local) <= 64
        and not local.startswith(".")
        and not local.endswith(".")
    )


def read_list(
    path: Path, root: Path, languages: tuple[str, ...], default_lang: str
) -> tuple[list[Recipient], list[Diagnostic]]:
    shown = display_path(path, root)
    problems: list[Diagnostic] = []
    try:
        if not path.resolve().is_relative_to(root.resolve()):
            raise OSError("outside the project")
        if not path.is_file():
            raise FileNotFoundError
        data = path.read_bytes()[: MAX_LIST_BYTES + 1]
    except FileNotFoundError:
        return [], [
            Diagnostic(
                shown,
                0,
                Text("recipient list not found"),
                Text("create it (one address per line, or address,language,name) or fix the path in lists"),
            )
        ]
    except OSError as exc:
        return [], [
            Diagnostic(
                shown,
                0,
                Text("recipient list cannot be read ({error})", error=str(exc)),
                Text("keep lists inside the project"),
            )
        ]
    if len(data) > MAX_LIST_BYTES:
        return [], [
            Diagnostic(
                shown, 0, Text("recipient list is larger than 8 MiB"), Text("split it into several lists")
            )
        ]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        bad_line = data[: exc.start].count(b"\n") + 1
        return [], [
            Diagnostic(
                shown,
                bad_line,
                Text("not UTF-8 text"),
                Text("save the list as UTF-8 (CSV UTF-8 in a spreadsheet)"),
            )
        ]
    found: list[Recipient] = []
    first_row = True
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        fields = [f.strip() for f in next(csv.reader([line], skipinitialspace=True))]
        if first_row and fields[0].lower() in HEADER_WORDS:
            first_row = False
            continue  # a spreadsheet's header row
        first_row = False
        address = fields[0]
        lang = fields[1] if len(fields) > 1 and fields[1] else default_lang
        name = fields[2] if len(fields) > 2 else ""
        if len(fields) > 3:
            problems.append(
                Diagnostic(
                    shown,
                    number,
                    Text("{count} fields; expected address,language[,name]", count=len(fields)),
                    Text('quote a name that holds a comma: "Dupont, Marie"'),
                )
            )
            continue
        if not valid_address(address):
            problems.append(
                Diagnostic(
                    shown,
                    number,
                    Text("'{address}' is not an e-mail address", address=address[:80]),
                    Text("write the bare address (name@domain.example), the name in the third field"),
                )
            )
            continue
        if lang not in languages:
            problems.append(
                Diagnostic(
                    shown,
                    number,
                    Text(
                        "language '{lang}' for {address} is not one of the site's languages",
                        lang=lang[:20],
                        address=address,
                    ),
                    Text("use one of: {choices}", choices=", ".join(languages)),
                )
            )
            continue
        if any(c in name for c in "\r\n<>"):
            problems.append(
                Diagnostic(
                    shown,
                    number,
                    Text("the name holds < > or a line break"),
                    Text("write the name as plain text"),
                )
            )
            continue
        found.append(Recipient(address, lang, name, f"{shown}:{number}"))
    return found, problems


def read_lists(
    paths: list[str], root: Path, languages: tuple[str, ...], default_lang: str
) -> tuple[list[Recipient], list[Diagnostic]]:
    """Every recipient of a channel, once each, in the order of the lists."""
    seen: dict[str, Recipient] = {}
    problems: list[Diagnostic] = []
    for rel in paths:
        recipients, found = read_list(root / rel, root, languages, default_lang)
        problems.extend(found)
        for r in recipients:
            first = seen.get(r.key)
            if first is None:
                seen[r.key] = r
            elif first.lang != r.lang:
                path, _, line = r.source.rpartition(":")
                problems.append(
                    Diagnostic(
                        path,
                        int(line),
                        Text(
                            "{address} is already listed at {source} in another language ({lang}); it "
                            "receives one message, in {lang}",
                            address=r.address,
                            source=first.source,
                            lang=first.lang,
                        ),
                        Text("keep one line for each address"),
                        "warning",
                    )
                )
    return list(seen.values()), problems
