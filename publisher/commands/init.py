"""publisher init DIR: scaffold a new organisation's project (config, statements, locales)."""

from __future__ import annotations

import argparse
from pathlib import Path

from publisher.cli import main
from publisher.cli_text import Text, say
from publisher.scaffold import Answers, Cloud, InitError, init_project


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("directory", type=Path, help="the new project's directory (absent or empty)")
    parser.add_argument("--organisation", default="Mon établissement", help='who speaks, e.g. "CHU de Rouen"')
    parser.add_argument("--title", default="", help="site title (default: '<organisation> — information')")
    parser.add_argument(
        "--url", help="public address of the status site (QR codes and social posts point there)"
    )
    parser.add_argument("--phone", default="", help="fallback phone number for the public")
    parser.add_argument("--email", default="", help="contact address for the accessibility statement")
    cloud = parser.add_argument_group(
        "object storage (docs/hosting.md)",
        "adds [channels.cloud] (type s3) next to the website directory; the key is read from "
        "S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY",
    )
    cloud.add_argument("--bucket", help="the bucket the status site is deployed to")
    cloud.add_argument("--endpoint-url", help="the provider's S3 endpoint (leave out for AWS)")
    cloud.add_argument("--region", help="the bucket's region, e.g. gra")
    parser.add_argument(
        "--standby",
        action="store_true",
        help="deploy the standby site now (organisation, contacts, no incident in progress; "
        "not indexed by search engines until the first update) to every website channel",
    )


def run(args: argparse.Namespace) -> int:
    target = args.directory if args.directory.is_absolute() else args.project / args.directory
    url = args.url or Answers.base_url
    cloud = None
    if args.bucket:
        cloud = Cloud(args.bucket, args.endpoint_url or "", args.region or "")
    elif args.endpoint_url or args.region:
        raise InitError(Text("--endpoint-url and --region describe a bucket: give --bucket too"))
    written = init_project(target, Answers(args.organisation, args.title, url, args.phone, args.email, cloud))
    print(
        say(
            "created {target} ({count} files): publisher.toml, content/statements/ "
            "(5 pre-approved statements, translated in locales/en/), templates/, .gitignore"
        ).format(target=target, count=len(written))
    )
    if args.url is None:
        print(
            say(
                "warning: no --url given: base_url is the placeholder {url}; QR codes, social posts "
                "and feeds would point there. Set [site] base_url in publisher.toml before publishing "
                "(`publisher check` warns until then)."
            ).format(url=url)
        )
    if args.standby:
        # The dark site: the same publishing job, with nothing published yet.
        code = main(["-C", str(target), "publish"])
        if code != 0:
            return code
        print(say("standby site deployed: the first published update switches it to live"))
    print(
        say(
            "next: cd {directory} && edit publisher.toml (base_url, phone), then\n"
            '  publisher new incident "Panne informatique" --title en="IT outage"\n'
            "  publisher new update panne-informatique --from it-outage --set time=… --set service=…\n"
            "  publisher check && publisher preview"
        ).format(directory=args.directory)
    )
    return 0
