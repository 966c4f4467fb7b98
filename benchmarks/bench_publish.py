"""The every-minute cron path of `publisher publish` against a full first publish.

    python benchmarks/bench_publish.py [--incidents 200] [--updates 10] [--runs 7]

Each run is what cron pays: a new `python -m publisher publish` process (interpreter start,
imports, config, content, lock, ledger). Measured in the same run, on the same corpus:

* full first publish: empty state (no ledger, no build cache), website delivered to public/;
* cron path, nothing new: the same command again (median of --runs), which must not
  rebuild the site nor ask any channel to plan;
* one new update: what the next minute pays when a statement goes out;
* baseline: `python -c "import publisher.cli"` (the interpreter and the first import), the
  floor any run pays.

Reported as ratios (cron / full, cron / baseline), seconds printed too but machine-dependent.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks.corpus import generate  # noqa: E402

ENV = {**os.environ, "PYTHONPATH": str(REPO)}
ENV.pop("PUBLISHER_TEST_CRASH_AT", None)


def run(*args: str) -> float:
    start = time.perf_counter()
    done = subprocess.run([sys.executable, *args], env=ENV, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{args} exited {done.returncode}:\n{done.stdout}{done.stderr}")
    return elapsed


def publish(root: Path, now: str) -> float:
    return run("-m", "publisher", "-C", str(root), "publish", "--now", now, "--quiet")


def add_update(root: Path) -> None:
    incident = sorted((root / "content/incidents").iterdir())[-1]
    (incident / "20991231T2359.md").write_text(
        '---\nstatus: monitoring\npublish_at: "2099-12-31T23:59"\n---\nUn nouveau point.\n'
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--incidents", type=int, default=200)
    ap.add_argument("--updates", type=int, default=10)
    ap.add_argument("--runs", type=int, default=7)
    args = ap.parse_args()
    root = Path(tempfile.mkdtemp(prefix="publisher-bench-publish-"))
    try:
        generate(root, args.incidents, args.updates)
        now = "2100-01-01T00:00"
        baseline = statistics.median(run("-c", "import publisher.cli") for _ in range(args.runs))
        full = publish(root, now)
        cron = statistics.median(publish(root, now) for _ in range(args.runs))
        add_update(root)
        one_new = publish(root, now)
        cron_after = statistics.median(publish(root, now) for _ in range(args.runs))
        releases = len([p for p in (root / "public.releases").iterdir() if p.is_dir()])
        print(
            f"corpus: {args.incidents} incidents x {args.updates} updates, 2 languages; "
            f"{releases} releases deployed (expected 2)"
        )
        rows = (
            ("baseline: python -c 'import publisher.cli'", baseline),
            ("full first publish (empty state)", full),
            ("cron path, nothing new (median)", cron),
            ("one new update", one_new),
            ("cron path after it (median)", cron_after),
        )
        for name, secs in rows:
            print(f"{name:44s} {secs:7.3f} s  = {secs / baseline:6.2f} x baseline")
        print(
            f"cron path / full first publish = {cron / full:.4f} "
            f"(the every-minute run costs {100 * cron / full:.1f}% of a full publish)"
        )
        print(f"one new update / full first publish = {one_new / full:.3f}")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
