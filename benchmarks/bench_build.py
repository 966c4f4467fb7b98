"""Build performance on a synthetic bilingual corpus, as ratios against a same-run baseline.

    python benchmarks/bench_build.py [--incidents 1000] [--updates 10]

Baseline: rendering every update body once with markdown-it-py alone (the least work any
Markdown site generator must do). Reported: cold full build (empty cache), warm build
(nothing changed: the every-minute cron case), and a build after one new update, each as a
multiple of the baseline. Absolute seconds are printed too but depend on the machine.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.corpus import generate  # noqa: E402
from publisher.config import load_config  # noqa: E402
from publisher.content import load_site  # noqa: E402
from publisher.markup import parser  # noqa: E402
from publisher.site import build  # noqa: E402


def timed(fn):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--incidents", type=int, default=1000)
    ap.add_argument("--updates", type=int, default=10)
    args = ap.parse_args()
    root = Path(tempfile.mkdtemp(prefix="publisher-bench-"))
    try:
        generate(root, args.incidents, args.updates)
        config = load_config(root)
        bodies = [p.read_text().split("---\n", 2)[2] for p in (root / "content").rglob("2*.md")]
        md = parser()
        baseline, _ = timed(lambda: [md.render(b) for b in bodies])

        def full() -> object:
            return build(config, load_site(config, use_cache=True).site)

        cold, result = timed(full)
        timed(full)  # fills the offline twin (see publisher/release.py); not a steady state
        warm, _ = timed(full)
        incident = sorted((root / "content/incidents").iterdir())[-1]
        last = sorted(incident.glob("2*.md"))[-1]
        (incident / "20991231T2359.md").write_text(
            last.read_text().replace(
                last.read_text().split("publish_at: ")[1].split("\n")[0], '"2020-12-31T23:59"'
            )
        )
        one_new, _ = timed(full)
        pages = result.pages  # type: ignore[attr-defined]
        print(f"corpus: {args.incidents} incidents x {args.updates} updates, 2 languages, {pages} files")
        print(f"baseline (markdown-it render of {len(bodies)} bodies, once): {baseline:.2f} s")
        for name, secs in (
            ("cold full build", cold),
            ("warm build, nothing changed", warm),
            ("build after one new update", one_new),
        ):
            print(f"{name:30s} {secs:7.2f} s  = {secs / baseline:5.2f} x baseline")
        print(f"warm / cold = {warm / cold:.3f}; one new update / cold = {one_new / cold:.3f}")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
