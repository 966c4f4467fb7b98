"""publisher preview: a local server (127.0.0.1) that rebuilds on every change; nothing is sent."""

from __future__ import annotations

import argparse

from publisher.cli_text import say
from publisher.commands.common import now_option, resolve_now
from publisher.config import load_config
from publisher.preview import DASHBOARD, serve, stop


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--port", type=int, default=8000, help="port on 127.0.0.1 (0: any free port)")
    now_option(parser)


def run(args: argparse.Namespace) -> int:
    config = load_config(args.project)
    now = resolve_now(config, args.now) if args.now else None
    server, _preview = serve(args.project, args.port, now)
    host, port = str(server.server_address[0]), int(server.server_address[1])
    print(
        say("preview: {url}  (dashboard with social posts and check: {dashboard})").format(
            url=f"http://{host}:{port}/",
            dashboard=f"http://{host}:{port}/{DASHBOARD.removesuffix('index.html')}",
        ),
        flush=True,
    )
    print(say("rebuilds when a file changes; Ctrl-C to stop"), flush=True)
    try:
        server.serve_forever()
    finally:
        stop(server)
    return 0
