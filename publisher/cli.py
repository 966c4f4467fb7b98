"""Command line: parse, call, print, exit code. Nothing else lives here.

Each command is a module in :mod:`publisher.commands` with ``register(subparsers)``; the
module is imported only when its command runs, so ``publisher publish`` from cron does not
pay for the preview server or the translator tools.

Exit codes: 0 ok, 1 some delivery failed (will retry), 2 bad content or config,
3 another run holds the lock, 70 internal error (a bug: run with --debug and report it).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from pathlib import Path

import publisher
from publisher import __version__, errors
from publisher.cli_text import install, language, say, translate_parser
from publisher.errors import PublisherError

# sysexits' EX_SOFTWARE: neither "retry" (1) nor "fix your files" (2), but "report this".
INTERNAL_ERROR = 70

# name -> (module, one-line help). Order is the order of `publisher --help`.
COMMANDS: dict[str, tuple[str, str]] = {
    "build": ("publisher.commands.build", "build the static site into the output directory"),
    "check": ("publisher.commands.check", "report every problem in content, translations and config"),
    "init": ("publisher.commands.init", "create a new project: config, statement library, locales"),
    "new": ("publisher.commands.new", "create an incident, or an update from a pre-approved statement"),
    "approve": (
        "publisher.commands.approve",
        "read an update everywhere it goes, then approve that exact text",
    ),
    "correct": (
        "publisher.commands.correct",
        "correct a published update: new text and a visible, dated note",
    ),
    "retract": ("publisher.commands.retract", "withdraw an update by a new one that says why"),
    "log": (
        "publisher.commands.log",
        "the main courante: every draft, approval, publication, with who and when",
    ),
    "preview": ("publisher.commands.preview", "live preview on 127.0.0.1: site, print, social posts, check"),
    "publish": ("publisher.commands.publish", "deliver what is due to every channel, exactly once (cron)"),
    "status": ("publisher.commands.status", "what is published where, pending, failing or held"),
    "rollback": ("publisher.commands.rollback", "put the website back to its previous release"),
    "i18n": ("publisher.commands.i18n", "translators: extract, update, compile catalogs; stats"),
    "drill": ("", "rehearse: `publisher drill publish …` on a separate site, ledger and accounts"),
}
# What a drill can run (the others do not publish anything, or belong to translators).
DRILL_COMMANDS = ("build", "check", "publish", "status", "rollback")


EPILOG = (
    "Exit codes: 0 ok, 1 a delivery failed (retried next run), "
    "2 bad content or config, 3 another run holds the lock."
)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="publisher",
        description=(publisher.__doc__ or "").strip(),
        epilog=EPILOG,
    )
    p.add_argument("--version", action="version", version=f"publisher {__version__}")
    p.add_argument(
        "--debug",
        action="store_true",
        help="print the traceback of an unexpected error (to report a bug)",
    )
    p.add_argument(
        "-C",
        "--project",
        type=Path,
        default=Path("."),
        metavar="DIR",
        help="project directory (holding publisher.toml); default: current directory",
    )
    p.add_argument(
        "--lang",
        metavar="LANG",
        help="language of publisher's own messages: en or fr (default: from LC_ALL, LC_MESSAGES, LANG)",
    )
    p.add_argument(
        "--drill",
        action="store_true",
        help="rehearse: separate site, state, ledger and accounts, every artifact marked EXERCICE",
    )
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    for name, (_module, help_text) in COMMANDS.items():
        sub.add_parser(name, help=help_text, add_help=False)
    translate_parser(p)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    install(language(_lang_option(argv)))
    top = parser()
    args, rest = top.parse_known_args(argv)
    if args.command == "drill":
        args.drill = True
        args.command = rest.pop(0) if rest and not rest[0].startswith("-") else None
    if args.command is None:
        top.print_help()
        return 2
    if args.drill and args.command not in DRILL_COMMANDS:
        print(
            f"publisher: `{args.command}` has no drill mode; a drill runs: {', '.join(DRILL_COMMANDS)}",
            file=sys.stderr,
        )
        return 2
    module = importlib.import_module(COMMANDS[args.command][0])
    cmd = argparse.ArgumentParser(prog=f"publisher {args.command}", description=COMMANDS[args.command][1])
    module.register(cmd)
    translate_parser(cmd)
    options = cmd.parse_args(rest)
    options.project = args.project
    errors.DEBUG = args.debug
    options.drill = args.drill
    try:
        return int(module.run(options))
    except PublisherError as exc:  # the one place an error becomes a line and an exit code
        if str(exc):
            print(say("publisher: %(message)s") % {"message": exc.localized()}, file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        # Not one file's problem (those are caught at the per-file boundary): a bug. Say so in
        # one line; the traceback is for `--debug`.
        if args.debug:
            raise
        print(
            f"publisher: internal error: {type(exc).__name__}: {str(exc)[:300]}\n"
            "    run again with `publisher --debug` for the details, and report them",
            file=sys.stderr,
        )
        return INTERNAL_ERROR


def _lang_option(argv: Sequence[str]) -> str | None:
    """`publisher --lang fr COMMAND ...`: only before the command (`i18n ... --lang` is the
    catalog's language, not publisher's own)."""
    for i, arg in enumerate(argv):
        if arg.startswith("--lang="):
            return arg.split("=", 1)[1]
        if arg == "--lang" and i + 1 < len(argv):
            return argv[i + 1]
        if arg in COMMANDS:
            break
    return None


if __name__ == "__main__":
    raise SystemExit(main())
