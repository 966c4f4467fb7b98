"""The s3 website channel: a cold deploy and a one-update deploy against a loopback S3 server.

    python benchmarks/bench_s3.py [--incidents 1000] [--updates 10] [--workers 8]

Starts moto's S3 server on 127.0.0.1 (tests/s3server.py), builds the corpus's site once,
then measures, in the same run and against the same server:

* cold deploy: `S3Channel.send` into an empty bucket (every object, in the reader-safe
  order, plus manifest and pointer);
* baseline (cold): a plain boto3 upload of the same tree with the same number of threads,
  in no particular order (what `aws s3 cp --recursive` does);
* one-update deploy: one new update added, the site rebuilt, `S3Channel.send` again (only
  the changed objects);
* baseline (one update): an `aws s3 sync`-like pass with boto3: list the bucket, MD5 every
  local file, upload those whose ETag differs;
* the whole `publisher publish` command for that one update (what cron pays: build and
  deploy), in its own process.

Reported as objects uploaded and wall time, with ratios to the baselines; seconds are
machine-dependent (the server is in Python, on the same two cores).
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
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchmarks.corpus import generate  # noqa: E402
from publisher.channels.base import Delivery, PublishContext  # noqa: E402
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


def deploy(channel: S3Channel, config: Any, site_dir: Path) -> tuple[float, int]:
    ctx = PublishContext(config, None, NOW, {}, site_dir)  # type: ignore[arg-type]
    start = time.perf_counter()
    [delivery] = channel.plan(ctx)
    channel.send(delivery, None, Delivery.hash_payload({"bench": delivery.content_hash}))
    return time.perf_counter() - start, channel.uploaded


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


def sync_like(client: Any, bucket: str, site_dir: Path, workers: int) -> tuple[float, int]:
    start = time.perf_counter()
    remote = {}
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for obj in page.get("Contents", []):
            remote[obj["Key"]] = obj["ETag"].strip('"')
    todo = []
    for path in build_manifest(site_dir):
        data = (site_dir / path).read_bytes()
        if remote.get(path) != hashlib.md5(data).hexdigest():
            todo.append((path, data))
    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(lambda item: client.put_object(Bucket=bucket, Key=item[0], Body=item[1]), todo))
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


def add_update(root: Path) -> None:
    incident = sorted((root / "content/incidents").iterdir())[-1]
    (incident / "20991231T2359.md").write_text(
        '---\nstatus: monitoring\npublish_at: "2099-12-31T23:59"\n---\nUn nouveau point.\n'
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--incidents", type=int, default=1000)
    ap.add_argument("--updates", type=int, default=10)
    ap.add_argument("--workers", type=int, default=8)
    args = ap.parse_args()
    root = Path(tempfile.mkdtemp(prefix="publisher-bench-s3-"))
    server = s3server.start()
    s3 = next(server)
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

        cold, cold_n = deploy(channel(), config, site_dir)
        base_cold, base_cold_n = plain_upload(client, theirs, site_dir, args.workers)
        add_update(root)
        config, site_dir = build_site(root)
        one, one_n = deploy(channel(), config, site_dir)
        base_one, base_one_n = sync_like(client, theirs, site_dir, args.workers)

        # What cron pays for the next update: a new process, build and deploy. A first run
        # records the live release in the ledger (nothing to upload), then one more update.
        publish(root)
        incident = sorted((root / "content/incidents").iterdir())[-2]
        (incident / "20991231T2358.md").write_text(
            '---\nstatus: monitoring\npublish_at: "2099-12-31T23:58"\n---\nEncore un point.\n'
        )
        command = publish(root)

        print(f"corpus: {args.incidents} incidents x {args.updates} updates, 2 languages: {files} files")
        print(f"loopback S3 server: moto, {args.workers} upload threads")
        print(f"{'':36s} {'objects':>8s} {'seconds':>8s}  ratio")
        print(f"{'cold deploy (s3 channel)':36s} {cold_n:8d} {cold:8.2f}  {cold / base_cold:5.2f} x baseline")
        print(f"{'baseline: plain boto3 upload':36s} {base_cold_n:8d} {base_cold:8.2f}")
        print(
            f"{'one-update deploy (s3 channel)':36s} {one_n:8d} {one:8.2f}  {one / base_one:5.2f} x baseline"
        )
        print(f"{'baseline: sync-like (list + MD5)':36s} {base_one_n:8d} {base_one:8.2f}")
        print(
            f"{'`publisher publish`, one update':36s} {'':8s} {command:8.2f}  (build + deploy, new process)"
        )
        print(
            f"one-update deploy / cold deploy = {one / cold:.4f}; "
            f"objects uploaded: {one_n} of {files} ({100 * one_n / files:.2f}%)"
        )
    finally:
        server.close()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
