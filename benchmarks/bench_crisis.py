"""Cost of the crisis-workflow build hooks on a synthetic bilingual corpus, as ratios.

    python benchmarks/bench_crisis.py [--incidents 1000] [--updates 10]

Baseline (same run): rendering every update body once with markdown-it-py. Reported: the
print notices rendered from nothing and from their cache (what every build after the
first pays), the banner, the CAP 1.2 alert feed (every message and its Atom index, from
nothing and from the render cache), and the correction archive's per-build check.
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
from publisher import banner, cap, corrections, printing  # noqa: E402
from publisher.cache import RenderCache  # noqa: E402
from publisher.config import load_config  # noqa: E402
from publisher.content import load_site  # noqa: E402
from publisher.markup import parser  # noqa: E402
from publisher.pages import localized, visible  # noqa: E402
from publisher.render import Renderer  # noqa: E402
from publisher.timeutil import utc_now  # noqa: E402


def timed(fn):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--incidents", type=int, default=1000)
    ap.add_argument("--updates", type=int, default=10)
    args = ap.parse_args()
    root = Path(tempfile.mkdtemp(prefix="publisher-bench-crisis-"))
    try:
        generate(root, args.incidents, args.updates)
        config = load_config(root)
        bodies = [p.read_text().split("---\n", 2)[2] for p in (root / "content").rglob("2*.md")]
        md = parser()
        baseline, _ = timed(lambda: [md.render(b) for b in bodies])
        site = load_site(config).site
        now = utc_now()
        views = localized(config, site, now)
        due = visible(site, now)
        first, notes = timed(lambda: corrections.prepare(config, due, now, archive=True))
        again, _ = timed(lambda: corrections.prepare(config, due, now, archive=True))
        cold, _ = timed(lambda: list(printing.pages(config, views, Renderer(config, notes))))
        warm, _ = timed(lambda: list(printing.pages(config, views, Renderer(config, notes))))
        flag, _ = timed(lambda: list(banner.pages(config, views, Renderer(config, notes))))
        cached = Renderer(config, notes)
        cached.cache = RenderCache(root / "render-cache", config)
        for iv in views[config.source_lang]:
            for lang in config.languages:
                cached.cache.key(iv.incident, lang)
        alerts, cap_pages = timed(lambda: list(cap.pages(config, views, cached)))
        alerts_warm, _ = timed(lambda: list(cap.pages(config, views, cached)))
        print(f"corpus: {args.incidents} incidents x {args.updates} updates, 2 languages")
        print(f"baseline (markdown-it render of {len(bodies)} bodies, once): {baseline:.2f} s")
        for name, secs in (
            ("archive: first build", first),
            ("archive: next builds", again),
            ("print notices: cold", cold),
            ("print notices: cached", warm),
            ("banner", flag),
            (f"CAP: cold ({len(cap_pages) - 1} alerts)", alerts),
            ("CAP: cached", alerts_warm),
        ):
            print(f"{name:24s} {secs:7.2f} s  = {secs / baseline:6.3f} x baseline")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
