"""publisher correct <update> --note "…": a visible, dated correction, approved again."""

from __future__ import annotations

import argparse
from pathlib import Path

from publisher.commands.common import edit_text, project


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("update", help="incident/stem or the update's file")
    parser.add_argument(
        "--note", required=True, help='the change note readers see, e.g. "Phone number corrected"'
    )
    text = parser.add_mutually_exclusive_group()
    text.add_argument("--file", type=Path, help="the corrected text (Markdown) from this file")
    text.add_argument("--text", help="the corrected text itself")
    text.add_argument(
        "--edit", action="store_true", help="open the text in $EDITOR (default when no --file or --text)"
    )
    text.add_argument("--note-only", action="store_true", help="keep the text: only add the note")
    parser.add_argument("--as", dest="as_person", metavar="NAME", help="who corrects (an author in [people])")


def run(args: argparse.Namespace) -> int:
    from publisher.approving import ApprovalError, correct, target

    config = project(args)
    t = target(config, args.update)
    if args.note_only:
        body = None
    elif args.file is not None:
        try:
            body = args.file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ApprovalError(f"--file {args.file}: cannot read it as UTF-8 text ({exc})") from exc
    elif args.text is not None:
        body = args.text
    else:
        body = _edit(t.update.body)
    update_id = correct(t, args.as_person, args.note, body)
    print(f"corrected {update_id}: note {args.note!r}; its approval is void until renewed")
    print(
        "next: publisher i18n update (translators: the note and changed text), "
        f"then publisher approve {update_id}"
    )
    return 0


def _edit(text: str) -> str:
    from publisher.approving import ApprovalError

    edited = edit_text(text + "\n")
    if edited is None:
        raise ApprovalError("give the corrected text with --file or --text, or set $EDITOR (or --note-only)")
    return edited
