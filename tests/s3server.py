"""A real S3-compatible server on 127.0.0.1 for the object-storage tests: moto's standalone server.

Why moto (``moto[server]``, from PyPI with the test extras) rather than ``rclone serve s3``:
it installs with pip on every machine the suite runs on, keeps each object's Content-Type and
Cache-Control as sent (so the tests read them back), and, started with
``INITIAL_NO_AUTH_ACTION_COUNT``, checks every request's SigV4 signature against IAM access
keys: a wrong key or secret is refused the way a provider refuses it (InvalidAccessKeyId,
SignatureDoesNotMatch), and an IAM policy can refuse one object to fail a deploy half-way.

One server per test session; each test gets its own bucket.
"""

from __future__ import annotations

import itertools
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import requests

from tests.needs import unavailable

USER = "publisher"
ALLOW_ALL = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
_buckets = itertools.count()


@dataclass
class S3Server:
    url: str
    access_key: str
    secret_key: str
    process: subprocess.Popen[bytes]

    def client(self, access_key: str | None = None, secret_key: str | None = None) -> Any:
        import boto3

        return boto3.session.Session().client(
            "s3",
            endpoint_url=self.url,
            region_name="us-east-1",
            aws_access_key_id=access_key or self.access_key,
            aws_secret_access_key=secret_key or self.secret_key,
        )

    def iam(self) -> Any:
        import boto3

        return boto3.session.Session().client(
            "iam",
            endpoint_url=self.url,
            region_name="us-east-1",
            aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key,
        )

    def new_bucket(self) -> str:
        name = f"statut-{os.getpid()}-{next(_buckets)}"
        self.client().create_bucket(Bucket=name)
        return name

    def deny(self, bucket: str, key: str | None) -> None:
        """Refuse PutObject on one key (None: allow everything again)."""
        statements: list[dict[str, Any]] = list(ALLOW_ALL["Statement"])  # type: ignore[arg-type]
        if key is not None:
            statements.append(
                {"Effect": "Deny", "Action": "s3:PutObject", "Resource": f"arn:aws:s3:::{bucket}/{key}"}
            )
        policy = {"Version": "2012-10-17", "Statement": statements}
        self.iam().put_user_policy(UserName=USER, PolicyName="site", PolicyDocument=json.dumps(policy))

    def env(self) -> dict[str, str]:
        return {"S3_ACCESS_KEY_ID": self.access_key, "S3_SECRET_ACCESS_KEY": self.secret_key}

    def objects(self, bucket: str, prefix: str = "") -> dict[str, str]:
        """key -> ETag of every object in the bucket."""
        found = {}
        for page in self.client().get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
            for obj in page.get("Contents", []):
                found[obj["Key"]] = obj["ETag"]
        return found


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start() -> Iterator[S3Server]:
    try:
        import boto3  # noqa: F401
        import moto.server  # noqa: F401
    except ImportError as exc:
        unavailable(f"moto[server] is not installed ({exc})", "pip install -e '.[test]' installs it")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    # The first three requests (the IAM user, its policy, its key) need no signature;
    # every later one is checked against that key.
    env = {**os.environ, "INITIAL_NO_AUTH_ACTION_COUNT": "3"}
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                requests.get(url + "/moto-api/", timeout=1)
                break
            except requests.RequestException:
                if process.poll() is not None or time.monotonic() > deadline:
                    unavailable(f"moto's S3 server did not start on {url}", "pip install 'moto[server]'")
                time.sleep(0.1)
        import boto3

        iam = boto3.session.Session().client(
            "iam",
            endpoint_url=url,
            region_name="us-east-1",
            aws_access_key_id="setup",
            aws_secret_access_key="setup",
        )
        iam.create_user(UserName=USER)
        iam.put_user_policy(UserName=USER, PolicyName="site", PolicyDocument=json.dumps(ALLOW_ALL))
        key = iam.create_access_key(UserName=USER)["AccessKey"]
        yield S3Server(url, key["AccessKeyId"], key["SecretAccessKey"], process)
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
