"""Translator tools on a synthetic bilingual corpus, as ratios against a same-run baseline.

    python benchmarks/bench_i18n.py [--incidents 1000] [--updates 10]

Baseline: loading the content (load_site: every file read, front matter parsed), the least
work any tool that looks at every update must do. Reported, each as a multiple of the
baseline: extract the first time (every template written), extract again with nothing
changed (the cron/pre-commit case: nothing rewritten), the first update (every catalog
merged and rewritten in the tool's layout), update --check with nothing to do, and stats.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.corpus import generate  # noqa: E402
from publisher.cli import main as cli  # noqa: E402
from publisher.config import load_config  # noqa: E402
from publisher.content import load_site  # noqa: E402
from publisher.i18n import extract, stats  # noqa: E402


def timed(fn):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        result = fn()
    return time.perf_counter() - start, result


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--incidents", type=int, default=1000)
    ap.add_argument("--updates", type=int, default=10)
    args = ap.parse_args()
    root = Path(tempfile.mkdtemp(prefix="publisher-bench-i18n-"))
    try:
        generate(root, args.incidents, args.updates)
        config = load_config(root)
        baseline, result = timed(lambda: load_site(config))
        site = result.site
        runs = [
            ("extract, first time", lambda: extract.run(config)),
            ("extract, nothing changed", lambda: extract.run(config)),
            ("update, first time", lambda: cli(["-C", str(root), "i18n", "update"])),
            ("update --check, up to date", lambda: cli(["-C", str(root), "i18n", "update", "--check"])),
            ("stats", lambda: stats.run(config, site, None, True)),
        ]
        print(f"corpus: {args.incidents} incidents x {args.updates} updates, fr → en")
        print(f"baseline (load_site): {baseline:.2f} s")
        for name, fn in runs:
            secs, code = timed(fn)
            assert code == 0, (name, code)
            print(f"{name:28s} {secs:7.2f} s  = {secs / baseline:5.2f} x baseline")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
