"""The s3 website channel against a loopback S3 server: cold, one-update and no-op deploys.

    python benchmarks/bench_s3.py [--incidents 1000] [--updates 10] [--workers 8]

Starts moto's S3 server on 127.0.0.1 (tests/s3server.py), generates the realistic corpus
(benchmarks/realistic.py: 150–400 word French bodies, English catalogs), builds its site,
then measures, in the same run, against the same server, with the same number of threads:

* cold deploy: `S3Channel.send` into an empty bucket (every object, in the reader-safe
  order, plus manifest, ETags and pointer), against a plain threaded boto3 upload of the
  same tree in no particular order (what `aws s3 cp --recursive` does);
* one-update deploy: one new update, the site rebuilt, `S3Channel.send` again (the live
  bytes it replaces are first copied inside the bucket for rollback), against
  `aws s3 sync`-like passes with boto3: list the bucket, then upload what differs by MD5
  against the ETag (what checksum-based sync tools do), or by size and mtime (`aws s3
  sync`'s own rule: on a rebuilt tree that is nearly everything, so that upload is
  estimated from the cold one's time per object instead of being run);
* no-op deploy: the same site again (`S3Channel.send`, nothing to upload; the cron job
  itself skips the channel without a request), against the MD5 sync pass;
* the drift check (`S3Channel.drift`: one listing, compared with the manifest and ETags)
  that runs before each new release, a rollback of the one update (server-side copies),
  and the whole `publisher publish` command for one more update, in its own process
  (build, drift check, deploy: what cron pays).

Reported as objects uploaded and wall time, with ratios to the baselines, and the machine's
load average before and after (seconds are machine-dependent: the server is in Python, on
the same cores).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks.realistic import generate  # noqa: E402
from publisher.channels.base import Delivery, PublishContext, Receipt  # noqa: E402
from publisher.channels.s3 import S3Channel, build_manifest  # noqa: E402
from publisher.config import load_config  # noqa: E402
from publisher.content import load_site  # noqa: E402
from publisher.publish import select  # noqa: E402
from publisher.site import build  # noqa: E402
from tests import s3server  # noqa: E402

NOW = datetime(2100, 1, 1, tzinfo=UTC)


def build_site(root: Path) -> tuple[Any, Path]:
    config = load_config(root)
    loaded = load_site(config)
    selection = select(config, loaded.site, NOW)
    site_dir = config.dir("state") / "site"
    build(config, selection.site, NOW, output=site_dir)
    return config, site_dir


def deploy(
    channel: S3Channel, config: Any, site_dir: Path, previous: Receipt | None
) -> tuple[float, int, Receipt]:
    ctx = PublishContext(config, None, NOW, {}, site_dir)  # type: ignore[arg-type]
    channel.client()  # made once per process in real use, as the baselines' client is
    start = time.perf_counter()
    [delivery] = channel.plan(ctx)
    receipt = channel.send(delivery, previous, Delivery.hash_payload({"bench": delivery.content_hash}))
    return time.perf_counter() - start, channel.uploaded, receipt


def plain_upload(client: Any, bucket: str, site_dir: Path, workers: int) -> tuple[float, int]:
    paths = sorted(build_manifest(site_dir))
    start = time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:
        list(
            pool.map(
                lambda p: client.put_object(Bucket=bucket, Key=p, Body=(site_dir / p).read_bytes()), paths
            )
        )
    return time.perf_counter() - start, len(paths)


def listing(client: Any, bucket: str) -> dict[str, dict[str, Any]]:
    remote = {}
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for obj in page.get("Contents", []):
            remote[obj["Key"]] = obj
    return remote


def by_size_and_mtime(site_dir: Path, path: str, remote: dict[str, Any] | None) -> bool:
    """`aws s3 sync`: upload when the sizes differ or the local file is newer."""
    st = (site_dir / path).stat()
    return remote is None or remote["Size"] != st.st_size or st.st_mtime > remote["LastModified"].timestamp()


def by_md5(site_dir: Path, path: str, remote: dict[str, Any] | None) -> bool:
    data = (site_dir / path).read_bytes()
    return remote is None or remote["ETag"].strip('"') != hashlib.md5(data).hexdigest()


def sync_like(
    client: Any, bucket: str, site_dir: Path, workers: int, differs: Callable[..., bool], upload: bool = True
) -> tuple[float, int]:
    """List, compare, upload what differs; without `upload`, only list and compare."""
    start = time.perf_counter()
    remote = listing(client, bucket)
    todo = [p for p in build_manifest(site_dir) if differs(site_dir, p, remote.get(p))]
    if upload:
        with ThreadPoolExecutor(workers) as pool:
            list(
                pool.map(
                    lambda p: client.put_object(Bucket=bucket, Key=p, Body=(site_dir / p).read_bytes()), todo
                )
            )
    return time.perf_counter() - start, len(todo)


def publish(root: Path) -> float:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("PUBLISHER_TEST_CRASH_AT", None)
    start = time.perf_counter()
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "publisher",
            "-C",
            str(root),
            "publish",
            "--now",
            "2100-01-01T00:00",
            "--quiet",
        ],
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise SystemExit(f"publish exited {done.returncode}:\n{done.stdout}{done.stderr}")
    return time.perf_counter() - start


def add_update(root: Path, stem: str, text: str) -> None:
    incident = sorted((root / "content/incidents").iterdir())[-1]
    at = f"{stem[:4]}-{stem[4:6]}-{stem[6:8]}T{stem[9:11]}:{stem[11:13]}"
    (incident / f"{stem}.md").write_text(f'---\nstatus: monitoring\npublish_at: "{at}"\n---\n{text}\n')


class Rows(list[tuple[str, int, float, str]]):
    """The table, printed row by row as it is measured (a long run keeps what it measured)."""

    def __iadd__(self, rows: Any) -> Rows:
        for name, n, seconds, ratio in rows:
            print(f"{name:42s} {n:8d} {seconds:8.2f}  {ratio}", flush=True)
            self.append((name, n, seconds, ratio))
        return self


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"{one:.2f} (1 min), {five:.2f} (5 min) on {os.cpu_count()} cores"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--incidents", type=int, default=1000)
    ap.add_argument("--updates", type=int, default=10)
    ap.add_argument("--workers", type=int, default=8)
    args = ap.parse_args()
    root = Path(tempfile.mkdtemp(prefix="publisher-bench-s3-"))
    server = s3server.start()
    s3 = next(server)
    before = load()
    try:
        generate(root, args.incidents, args.updates)
        ours, theirs = s3.new_bucket(), s3.new_bucket()
        with open(root / "publisher.toml", "a") as f:
            f.write(
                f'[channels.cloud]\ntype = "s3"\nbucket = "{ours}"\nendpoint_url = "{s3.url}"\n'
                f'access_key_env = "S3_ACCESS_KEY_ID"\nsecret_key_env = "S3_SECRET_ACCESS_KEY"\n'
                f"workers = {args.workers}\n"
            )
        os.environ.update(s3.env())
        config, site_dir = build_site(root)
        files = len(build_manifest(site_dir))
        client = s3.client()

        def channel() -> S3Channel:
            c = config.channel("cloud")
            assert c is not None
            return S3Channel(c, config)

        size = sum((site_dir / p).stat().st_size for p in build_manifest(site_dir))
        print(
            f"corpus: benchmarks/realistic.py, {args.incidents} incidents x {args.updates} updates, fr + en"
        )
        print(f"site: {files} files, {size >> 20} MiB")
        print(f"loopback S3 server: moto (Python), {args.workers} upload threads")
        print(f"load average before: {before}")
        print(f"{'':42s} {'objects':>8s} {'seconds':>8s}  ratio", flush=True)
        rows = Rows()
        cold, cold_n, first = deploy(channel(), config, site_dir, None)
        base_cold, base_cold_n = plain_upload(client, theirs, site_dir, args.workers)
        rows += [("cold deploy (s3 channel)", cold_n, cold, f"{cold / base_cold:5.2f} x plain upload")]
        rows += [("baseline: plain threaded boto3 upload", base_cold_n, base_cold, "")]

        add_update(root, "20991231T2359", "Un nouveau point.")
        config, site_dir = build_site(root)
        one, one_n, second = deploy(channel(), config, site_dir, first)
        md5, md5_n = sync_like(client, theirs, site_dir, args.workers, by_md5)
        # The rebuilt tree has new mtimes: aws s3 sync's rule re-uploads (nearly) everything.
        # That upload is not repeated here; its time is the listing and comparison plus the
        # cold upload's time per object (marked "est.").
        scan, mtime_n = sync_like(client, theirs, site_dir, args.workers, by_size_and_mtime, upload=False)
        mtime = scan + base_cold * mtime_n / base_cold_n
        rows += [
            (
                "one-update deploy (s3 channel)",
                one_n,
                one,
                f"{one / md5:5.2f} x sync MD5, {one / mtime:5.2f} x sync size+mtime",
            ),
            ("baseline: sync by MD5 = ETag", md5_n, md5, ""),
            ("baseline: sync by size+mtime (est.)", mtime_n, mtime, "aws s3 sync's rule"),
        ]
        print(
            f"one-update deploy / cold deploy = {one / cold:.4f}; "
            f"objects uploaded: {one_n} of {files} ({100 * one_n / files:.2f}%)",
            flush=True,
        )
        noop, noop_n, _ = deploy(channel(), config, site_dir, second)
        noop_md5, noop_md5_n = sync_like(client, theirs, site_dir, args.workers, by_md5)
        rows += [
            ("no-op deploy (s3 channel)", noop_n, noop, f"{noop / noop_md5:5.2f} x sync MD5"),
            ("baseline: sync by MD5 = ETag", noop_md5_n, noop_md5, ""),
        ]
        checker = channel()
        checker.client()
        start = time.perf_counter()
        problem = checker.drift(second)
        drift = time.perf_counter() - start
        if problem:
            raise SystemExit(f"drift found in a bucket nobody touched: {problem}")
        rows += [("drift check (one listing + compare)", 0, drift, "before each new release")]
        roller = channel()
        roller.client()
        start = time.perf_counter()
        target, _live = roller.rollback_target(None)
        roller.send(roller.delivery_of(target), None, "rollback-bench")
        rollback = time.perf_counter() - start
        rows += [("rollback of the update (server copies)", roller.uploaded, rollback, "")]

        # What cron pays for the next update: a new process, build, drift check and deploy.
        # A first run records the live release in the ledger (adopted, nothing uploaded).
        publish(root)
        add_update(root, "20991231T2358", "Encore un point.")
        command = publish(root)
        rows += [("`publisher publish`, one more update", 0, command, "build + drift check + deploy")]

        print(f"load average after: {load()}")
    finally:
        server.close()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
