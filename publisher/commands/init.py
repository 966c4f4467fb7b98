"""publisher init DIR: scaffold a new organisation's project (config, statements, locales)."""

from __future__ import annotations

import argparse
from pathlib import Path

from publisher.scaffold import Answers, init_project


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("directory", type=Path, help="the new project's directory (absent or empty)")
    parser.add_argument("--organisation", default="Mon établissement", help='who speaks, e.g. "CHU de Rouen"')
    parser.add_argument("--title", default="", help="site title (default: '<organisation> — information')")
    parser.add_argument(
        "--url", default="https://statut.example.org/", help="public address of the status site"
    )
    parser.add_argument("--phone", default="", help="fallback phone number for the public")
    parser.add_argument("--email", default="", help="contact address for the accessibility statement")


def run(args: argparse.Namespace) -> int:
    target = args.directory if args.directory.is_absolute() else args.project / args.directory
    written = init_project(target, Answers(args.organisation, args.title, args.url, args.phone, args.email))
    print(
        f"created {target} ({len(written)} files): publisher.toml, content/statements/ "
        "(5 pre-approved statements, translated in locales/en/), templates/, .gitignore"
    )
    print(
        f"next: cd {args.directory} && edit publisher.toml (base_url, phone), then\n"
        '  publisher new incident "Panne informatique" --title en="IT outage"\n'
        "  publisher new update panne-informatique --from it-outage --set time=… --set service=…\n"
        "  publisher check && publisher preview"
    )
    return 0
