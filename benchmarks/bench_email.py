"""E-mail channel cost: planning a pass for a large list, and sending through a local relay.

    python benchmarks/bench_email.py [--recipients 2000] [--send 300]

On the bundled example (6 updates, French and English): the time to plan every message for
N recipients (half French, half English; the parts are rendered once per update and
language, so this grows with N only through the payloads), the same plan again when nothing
is new, and the throughput of `publisher publish` handing `--send` messages to an aiosmtpd
relay on 127.0.0.1 (one SMTP connection, one ledger row and one journal entry per message).
Absolute figures depend on the machine; the ratio plan/recipient is the one to compare.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from publisher.channels.base import PublishContext  # noqa: E402
from publisher.channels.email import EmailChannel  # noqa: E402
from publisher.cli import main as cli  # noqa: E402
from publisher.config import load_config  # noqa: E402
from publisher.content import load_site  # noqa: E402
from publisher.site import localized  # noqa: E402

REPO = Path(__file__).resolve().parent.parent


def project(root: Path, recipients: int, port: int) -> Path:
    shutil.copy(REPO / "publisher.toml", root / "publisher.toml")
    for name in ("content", "locales"):
        shutil.copytree(REPO / name, root / name)
    (root / "lists").mkdir()
    lines = [f"r{i}@liste.example,{'fr' if i % 2 else 'en'}" for i in range(recipients)]
    (root / "lists" / "big.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    with (root / "publisher.toml").open("a", encoding="utf-8") as f:
        f.write(
            '\n[channels.website]\ntype = "directory"\n\n[channels.press]\ntype = "email"\n'
            'lists = ["lists/big.csv"]\nfrom = "communication@chu-rouen.example"\n'
            f'smtp_host = "127.0.0.1"\nsmtp_port = {port}\nsecurity = "none"\n'
            'unsubscribe = "mailto:desabonnement@chu-rouen.example"\nrate_per_minute = 0\n'
            "max_age_hours = 1000000\n"
        )
    return root


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--recipients", type=int, default=2000)
    ap.add_argument("--send", type=int, default=300)
    args = ap.parse_args()
    from tests.emulators.smtp import SmtpServer

    with tempfile.TemporaryDirectory(prefix="publisher-bench-email-") as tmp, SmtpServer() as relay:
        root = project(Path(tmp), args.recipients, relay.port)
        config = load_config(root)
        site = load_site(config).site
        now = datetime(2019, 11, 23, 11, tzinfo=UTC)
        ctx = PublishContext(config, site, now, localized(config, site, now), root / "public", dry_run=True)
        cfg = config.channel("press")
        assert cfg is not None
        start = time.perf_counter()
        planned = EmailChannel(cfg, config).plan(ctx)
        cold = time.perf_counter() - start
        print(
            f"plan: {len(planned)} messages for {args.recipients} recipients in {cold:.2f} s "
            f"({cold / len(planned) * 1e6:.0f} µs a message)"
        )

        send_root = Path(tmp) / "send"
        send_root.mkdir()
        project(send_root, max(args.send // 6, 1), relay.port)
        start = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()):
            code = cli(["-C", str(send_root), "publish", "--now", "2019-11-23T12:00", "--quiet"])
        elapsed = time.perf_counter() - start
        sent = sum(relay.count().values())
        print(
            f"publish: {sent} messages handed to the relay in {elapsed:.2f} s "
            f"({sent / elapsed:.0f} a second, exit {code}; includes the site build)"
        )
        start = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()):
            cli(["-C", str(send_root), "publish", "--now", "2019-11-23T12:00", "--quiet"])
        print(f"publish again (nothing new): {time.perf_counter() - start:.2f} s")


if __name__ == "__main__":
    main()
