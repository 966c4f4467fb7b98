"""Social channels' planning on a synthetic bilingual corpus, as ratios against a baseline.

    python benchmarks/bench_social.py [--incidents 1000] [--updates 10]

plan() runs whenever content, translations, templates or config changed (the job skips it
otherwise), and renders every due update's post in every language. Baseline, measured in the
same run: rendering every update body once with markdown-it-py alone. Reported: Facebook
(combined: one post per update, both languages) and Mastodon (one post per language, fitted
to 500 characters by dropping trailing paragraphs), each as a multiple of the baseline, and
the seconds per 1000 posts; cold (first pass) and warm (the flattened texts of the previous
pass read back from the state dir: the case of a replan after one new update).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.corpus import generate  # noqa: E402
from publisher import socialtext  # noqa: E402
from publisher.channels.base import PublishContext  # noqa: E402
from publisher.channels.facebook import FacebookChannel  # noqa: E402
from publisher.channels.mastodon import MastodonChannel  # noqa: E402
from publisher.config import load_config  # noqa: E402
from publisher.content import load_site  # noqa: E402
from publisher.markup import parser  # noqa: E402
from publisher.site import localized  # noqa: E402

CHANNELS = """
[channels.facebook]
page_id = "1"

[channels.mastodon]
instance = "https://social.example"
"""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--incidents", type=int, default=1000)
    ap.add_argument("--updates", type=int, default=10)
    args = ap.parse_args()
    root = Path(tempfile.mkdtemp(prefix="publisher-bench-social-"))
    try:
        generate(root, args.incidents, args.updates)
        with open(root / "publisher.toml", "a", encoding="utf-8") as f:
            f.write(CHANNELS)
        config = load_config(root)
        site = load_site(config).site
        now = datetime(2100, 1, 1, tzinfo=UTC)
        views = localized(config, site, now)
        ctx = PublishContext(config, site, now, views, root / "public")
        bodies = [u.body for i in site.incidents for u in i.updates]
        md = parser()
        start = time.perf_counter()
        for b in bodies:
            md.render(b)
        baseline = time.perf_counter() - start
        print(f"{len(bodies)} updates; baseline (markdown-it render of every body): {baseline:.2f}s")
        for run in ("cold", "warm"):  # warm: the texts cache of the previous pass is on disk
            if run == "warm":
                socialtext._cache = None
                socialtext._units.cache_clear()
            for cls, name in ((FacebookChannel, "facebook"), (MastodonChannel, "mastodon")):
                ch = cls(config.channel(name), config)  # type: ignore[arg-type]
                start = time.perf_counter()
                planned = ch.plan(ctx)
                took = time.perf_counter() - start
                print(
                    f"{run} {name:<9} plan: {len(planned)} posts in {took:.2f}s = "
                    f"{took / baseline:.1f}x baseline, {1000 * took / len(planned):.2f}s "
                    "per 1000 posts"
                )
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
