"""Website target: an S3-compatible bucket (AWS, OVHcloud, Scaleway, Outscale, MinIO…), via boto3.

The status site must survive the organisation's own IT going down, so it is served from
object storage outside the network, usually with a CDN in front (docs/hosting.md).

Config::

    [channels.cloud]
    type = "s3"
    bucket = "statut-chu"
    prefix = ""                                  # optional: the site under a "folder"
    endpoint_url = "https://s3.gra.io.cloud.ovh.net"   # any S3-compatible service; unset = AWS
    region = "gra"
    access_key_env = "S3_ACCESS_KEY_ID"          # the variables holding the key, never the key
    secret_key_env = "S3_SECRET_ACCESS_KEY"

**Readers never see a broken site.** An object store has no atomic directory swap, so a
release is uploaded in an order where every page a reader can reach links only to objects
already there: (0) new and changed assets and update pages, (1) incident pages, feeds and
JSON, (2) home pages, site feeds, ``status.json``, sitemap and banner; inside each step new
objects before changed ones (a changed page links to the new one); then (3) deletions, in
the reverse order (home-level first, update pages last). Each step waits for the previous
one to finish, however many uploads run in parallel.

**Only changed bytes are uploaded.** Each release's manifest (path → sha256, the build's
own) is kept in the bucket under ``<prefix>.publisher/`` (``releases/<id>.json``, and
``live.json`` naming the live release) and cached in the state dir, so a fresh machine
takes over from the bucket alone. ``live.json`` is written first with ``pending`` set to the
release being uploaded, and last with it live: a run after a crash mid-upload (SIGKILL)
sees both manifests and re-uploads every object that may hold the wrong bytes, in the same
order, and deletes what either release left.

**Rollback** puts the previous release back with the same ordered upload. It needs the
previous release's bytes: every object uploaded from this machine is kept, content
addressed, in the state dir for the last ``keep`` releases.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

from publisher import urls
from publisher.channels.base import Channel, ChannelKind, Delivery, DeliveryError, PublishContext, Receipt
from publisher.cli_text import Text
from publisher.config import ChannelConfig, Config
from publisher.errors import Diagnostic
from publisher.options import Option, at_least, env_name, http_url, validate

SITE_KEY = "site"
ADDRESSING = ("auto", "path", "virtual")
# S3's own rule for new buckets (3–63 characters, lower case, digits, dots, hyphens).
BUCKET_NAME = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")


def bucket_name(value: str) -> str | None:
    if BUCKET_NAME.match(value):
        return None
    return "is not a bucket name: 3 to 63 characters, lower-case letters, digits, dots and hyphens"


OPTIONS = (
    Option(
        "bucket",
        str,
        "",
        "the bucket the site is deployed to",
        required=True,
        check=bucket_name,
        example="statut-chu",
    ),
    Option("prefix", str, "", "the site under this folder of the bucket; default: its root", example="site/"),
    Option(
        "endpoint_url",
        str,
        "",
        "the provider's S3 endpoint; default: AWS",
        check=lambda v: v and http_url(v),
        example="https://s3.gra.io.cloud.ovh.net",
    ),
    Option("region", str, "us-east-1", "the bucket's region", example="gra"),
    Option(
        "access_key_env",
        str,
        "",
        "environment variable holding the access key id",
        required=True,
        check=env_name,
        example="S3_ACCESS_KEY_ID",
    ),
    Option(
        "secret_key_env",
        str,
        "",
        "environment variable holding the secret key",
        required=True,
        check=env_name,
        example="S3_SECRET_ACCESS_KEY",
    ),
    Option("addressing_style", str, "auto", "how bucket names go in URLs", choices=ADDRESSING),
    Option("keep", int, 5, "releases kept: the live one and those to roll back to", check=at_least(2)),
    Option(
        "html_max_age", int, 60, "Cache-Control max-age of pages, feeds and JSON (seconds)", check=at_least(0)
    ),
    Option(
        "asset_max_age",
        int,
        86400,
        "Cache-Control max-age of the stylesheet and images (seconds)",
        check=at_least(0),
    ),
    Option("workers", int, 8, "uploads in parallel", check=at_least(1)),
    Option("timeout", float, 30, "seconds to wait for the bucket to answer"),
)
STATE_DIR = ".publisher/"  # under prefix: the manifests, next to the site they describe
BUILD_MANIFEST = ".publisher-manifest.json"  # publisher.release.MANIFEST: not served

TEXT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".json": "application/json; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".xml": "application/xml; charset=utf-8",
    ".atom": "application/atom+xml; charset=utf-8",
    ".svg": "image/svg+xml; charset=utf-8",
    ".pdf": "application/pdf",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".webp": "image/webp",
    ".ico": "image/x-icon",
    ".woff2": "font/woff2",
}
# What a CDN may keep without asking again: pages, feeds and JSON change with every
# statement and must show it within a minute; the stylesheet and images do not.
SHORT_CACHE = (".html", ".xml", ".atom", ".json", ".txt")
STEPS = ("assets and update pages", "incident pages", "home pages, feeds, JSON, sitemap, banner")


def content_type(path: str) -> str:
    name = path.rsplit("/", 1)[-1]
    if name == "feed.xml":
        return "application/atom+xml; charset=utf-8"
    return TEXT_TYPES.get(os.path.splitext(name)[1].lower(), "application/octet-stream")


def step(path: str) -> int:
    """Upload step of a site path (module docstring): 0 first, 2 last."""
    parts = path.split("/")
    if parts[0] == "banner" or path in (
        "index.html",
        urls.STATUS_JSON,
        urls.SITEMAP,
        urls.ROBOTS,
        "cap/index.atom",
    ):
        return 2
    if len(parts) == 2 and parts[1] in ("index.html", "feed.xml"):
        return 2  # <lang>/index.html, <lang>/feed.xml
    if len(parts) == 4 and parts[1] == "incidents" and parts[3] in ("index.html", "feed.xml"):
        return 1
    if len(parts) == 2 and parts[0] == "incidents":
        return 1  # incidents/<id>.json
    return 0


@dataclass(frozen=True)
class Plan:
    """What one deploy does, in order: upload steps, then deletion steps."""

    uploads: list[list[str]]  # each inner list may run in parallel; the lists one after another
    deletions: list[list[str]]

    @property
    def uploaded(self) -> int:
        return sum(len(s) for s in self.uploads)

    @property
    def deleted(self) -> int:
        return sum(len(s) for s in self.deletions)


def plan_changes(new: Mapping[str, str], live: Mapping[str, str], pending: Mapping[str, str] | None) -> Plan:
    """Which objects to upload and delete so that the bucket holds exactly `new`.

    An object may be skipped only when the bucket surely has its bytes: the live release has
    them and an interrupted release (`pending`) did not replace or delete them.
    """
    changed: list[list[str]] = [[] for _ in range(2 * len(STEPS))]
    for path in sorted(new):
        digest = new[path]
        if live.get(path) == digest and (pending is None or pending.get(path) == digest):
            continue
        is_new = path not in live
        changed[2 * step(path) + (0 if is_new else 1)].append(path)
    gone = (set(live) | set(pending or ())) - set(new)
    deletions: list[list[str]] = [[] for _ in STEPS]
    for path in sorted(gone):
        deletions[step(path)].append(path)
    return Plan([s for s in changed if s], [s for s in reversed(deletions) if s])


def build_manifest(root: Path) -> dict[str, str]:
    """path → sha256 of every file the site serves (the build's manifest when it is there)."""
    from publisher.release import read_manifest

    manifest = read_manifest(root)
    if manifest is None:
        manifest = {}
        for dirpath, _dirs, files in os.walk(root):
            for name in files:
                full = Path(dirpath) / name
                manifest[full.relative_to(root).as_posix()] = hashlib.sha256(full.read_bytes()).hexdigest()
    manifest.pop(BUILD_MANIFEST, None)
    return manifest


def site_hash(manifest: Mapping[str, str]) -> str:
    return hashlib.sha256(json.dumps(dict(manifest), sort_keys=True).encode()).hexdigest()[:32]


@dataclass(frozen=True)
class Release:
    id: str
    marker: Mapping[str, Any]  # content_hash, idempotency_key, site, files


class S3Channel(Channel):
    kind: ClassVar[ChannelKind] = "website"
    can_edit: ClassVar[bool] = True  # a new release replaces the live one
    can_reply: ClassVar[bool] = False
    hosts_site: ClassVar[bool] = True  # posts link to the site: they wait for its deploy

    def __init__(self, config: ChannelConfig, project: Config) -> None:
        o = config.options
        self.name = config.name
        self.line = config.line
        self.project = project
        self.bucket = str(o["bucket"])
        prefix = str(o.get("prefix", "")).strip("/")
        self.prefix = prefix + "/" if prefix else ""
        self.endpoint_url = str(o["endpoint_url"]).rstrip("/") if o.get("endpoint_url") else None
        self.region = str(o.get("region", "us-east-1"))
        self.access_key_env = str(o["access_key_env"])
        self.secret_key_env = str(o["secret_key_env"])
        self.addressing_style = str(o.get("addressing_style", "auto"))
        self.keep = int(o.get("keep", 5))
        self.html_max_age = int(o.get("html_max_age", 60))
        self.asset_max_age = int(o.get("asset_max_age", 86400))
        self.workers = int(o.get("workers", 8))
        self.timeout = float(o.get("timeout", 30))
        self.state = project.dir("state") / "s3" / self.name
        self.source: Path | None = None
        self._client: Any = None
        self.uploaded = 0  # objects written by the last deploy (benchmarks, tests)
        self.deleted = 0

    @classmethod
    def validate_options(cls, options: Mapping[str, Any]) -> list[tuple[str, str, str]]:
        return validate(OPTIONS, options, Text("a {type} channel", type="s3"))

    # -- where things are ------------------------------------------------------------------

    @property
    def location(self) -> str:
        """The bucket URL of the site, for `status`, `rollback` and messages."""
        if self.endpoint_url:
            return f"{self.endpoint_url}/{self.bucket}/{self.prefix}"
        return f"https://{self.bucket}.s3.{self.region}.amazonaws.com/{self.prefix}"

    def _key(self, path: str) -> str:
        return self.prefix + path

    def _meta_key(self, name: str) -> str:
        return self.prefix + STATE_DIR + name

    # -- the protocol ----------------------------------------------------------------------

    def plan(self, ctx: PublishContext) -> list[Delivery]:
        self.source = ctx.site_dir
        manifest = build_manifest(ctx.site_dir)
        payload = {"site": site_hash(manifest), "files": len(manifest), "target": self.location}
        return [
            Delivery(
                self.name,
                SITE_KEY,
                Delivery.hash_payload(payload),
                payload,
                summary=f"site ({len(manifest)} files) to {self.location}",
            )
        ]

    def send(self, delivery: Delivery, previous: Receipt | None, idempotency_key: str) -> Receipt:
        if self.source is None or not self.source.is_dir():
            raise DeliveryError("the site was not built in this pass", transient=True)
        source = self.source
        if previous is None:
            # The ledger does not know this site (lost or restored, a second checkout) but the
            # bucket may serve it already: one GET of live.json tells, instead of a re-upload.
            live = self._pointer().get("live")
            if isinstance(live, dict) and live.get("content_hash") == delivery.content_hash:
                return replace(self.receipt(Release(live["id"], live)), adopted=True)
        manifest = build_manifest(source)
        release_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ") + "-" + delivery.content_hash[:8]
        marker = {
            "content_hash": delivery.content_hash,
            "idempotency_key": idempotency_key,
            "site": delivery.payload.get("site"),
            "files": len(manifest),
        }

        def read(path: str) -> bytes:
            return (source / path).read_bytes()

        self._deploy(Release(release_id, marker), manifest, read)
        receipt = self.receipt(Release(release_id, marker))
        return Receipt(
            receipt.remote_id,
            receipt.url,
            {**receipt.extra, "uploaded": self.uploaded, "deleted": self.deleted},
        )

    def reconcile(self, delivery: Delivery, idempotency_key: str) -> Receipt | None:
        pointer = self._pointer()
        live = pointer.get("live")
        if live and live.get("idempotency_key") == idempotency_key:
            return self.receipt(Release(live["id"], live))
        return None  # not live yet: send() again finishes it (it knows the pending release)

    def check(self, ctx: PublishContext) -> list[Diagnostic]:
        found = []
        for var in (self.access_key_env, self.secret_key_env):
            if not os.environ.get(var):
                found.append(
                    Diagnostic(
                        self.project.path.name,
                        self.line,
                        Text(
                            "[channels.{name}] the environment variable {var} is not set",
                            name=self.name,
                            var=var,
                        ),
                        Text(
                            "set it to the access key id of bucket '{bucket}' where publisher runs (cron, "
                            "CI)",
                            bucket=self.bucket,
                        )
                        if var == self.access_key_env
                        else Text(
                            "set it to the secret key of bucket '{bucket}' where publisher runs (cron, CI)",
                            bucket=self.bucket,
                        ),
                    )
                )
        return found

    # -- releases --------------------------------------------------------------------------

    def receipt(self, release: Release) -> Receipt:
        return Receipt(release.id, self.location, {"bucket": self.bucket, "release": release.id})

    def delivery_of(self, release: Release) -> Delivery:
        """The site delivery a release was (for the ledger, when a rollback puts it back)."""
        return Delivery(
            self.name,
            SITE_KEY,
            str(release.marker.get("content_hash", "")),
            {"release": release.id, "site": release.marker.get("site")},
            summary=f"rollback to {release.id}",
        )

    def list_releases(self) -> list[Release]:
        """The releases that can be put back, oldest first (the live one included)."""
        pointer = self._pointer()
        return [Release(r["id"], r) for r in pointer.get("history", [])]

    def live(self) -> Release | None:
        live = self._pointer().get("live")
        return Release(live["id"], live) if live else None

    def rollback(self, to: str | None = None) -> tuple[Release, Release | None]:
        """Put the release before the live one (or `to`) back in the bucket."""
        releases = self.list_releases()
        live = self.live()
        if to is not None:
            target = next((r for r in releases if r.id == to), None)
            if target is None:
                known = ", ".join(r.id for r in releases) or "none"
                raise DeliveryError(
                    f"no release '{to}' in {self.location}; releases: {known}", transient=False
                )
        else:
            older = [r for r in releases if live is None or r.id < live.id]
            if not older:
                raise DeliveryError(
                    f"no release older than the live one in {self.location}: nothing to roll back to",
                    transient=False,
                )
            target = older[-1]
        manifest = self._manifest(target.id)
        missing = [p for p, digest in manifest.items() if not self._stored(digest).exists()]
        if missing:
            raise DeliveryError(
                f"release {target.id} was not deployed from this machine (its files are not in "
                f"{self.state / 'objects'}, e.g. {missing[0]}): check out that version of the content "
                "and run `publisher publish` instead",
                transient=False,
            )

        def read(path: str) -> bytes:
            return self._stored(manifest[path]).read_bytes()

        self._deploy(target, manifest, read)
        return target, live

    # -- the deploy ------------------------------------------------------------------------

    def _deploy(self, release: Release, manifest: Mapping[str, str], read: Callable[[str], bytes]) -> None:
        from publisher.publish import crash_hook

        pointer = self._pointer()
        live = pointer.get("live")
        live_manifest = self._manifest(live["id"]) if live else {}
        pending = pointer.get("pending")
        # A lost manifest of an interrupted release reads as {}: every object is then uploaded.
        pending_manifest = self._manifest(pending["id"]) if pending and pending["id"] != release.id else None
        plan = plan_changes(manifest, live_manifest, pending_manifest)
        self._save_manifest(release.id, manifest)
        history = [r for r in pointer.get("history", []) if r["id"] != release.id]
        # Announce the release before its first object: a run after a crash knows which
        # objects may hold its bytes.
        self._put_pointer({**pointer, "pending": {"id": release.id, **release.marker}})
        self.uploaded = self.deleted = 0
        lock = threading.Lock()

        def upload(path: str) -> None:
            data = read(path)
            self._call(
                "put_object",
                path,
                Bucket=self.bucket,
                Key=self._key(path),
                Body=data,
                ContentType=content_type(path),
                CacheControl=self.cache_control(path),
            )
            self._store(manifest[path], data)
            with lock:
                self.uploaded += 1
                count = self.uploaded
            crash_hook(f"s3_put_{count}", self.name)

        def delete(path: str) -> None:
            self._call("delete_object", path, Bucket=self.bucket, Key=self._key(path))
            with lock:
                self.deleted += 1

        with ThreadPoolExecutor(max_workers=self.workers) as pool:
            for paths in plan.uploads:
                self._run_step(pool, upload, paths)
            for paths in plan.deletions:
                self._run_step(pool, delete, paths)
        entry = {"id": release.id, **release.marker}
        history = sorted(history + [entry], key=lambda r: str(r["id"]))[-self.keep :]
        if entry not in history:
            history.append(entry)
        self._put_pointer({"live": entry, "pending": None, "history": history})
        self._prune(history)

    def _run_step(self, pool: ThreadPoolExecutor, work: Callable[[str], None], paths: list[str]) -> None:
        """Run one step; the next one starts only when every object of this one is done."""
        futures = [pool.submit(work, p) for p in paths]
        done, not_done = wait(futures, return_when=FIRST_EXCEPTION)
        for f in not_done:
            f.cancel()
        wait(not_done)
        for f in futures:
            error = None if f.cancelled() else f.exception()
            if error is not None:
                raise error

    def cache_control(self, path: str) -> str:
        age = self.html_max_age if path.endswith(SHORT_CACHE) else self.asset_max_age
        return f"public, max-age={age}"

    # -- the bucket's own state ------------------------------------------------------------

    def _pointer(self) -> dict[str, Any]:
        """``live.json``: the live release, the one being uploaded, and the history."""
        data = self._get_json(self._meta_key("live.json"))
        return data if isinstance(data, dict) else {"live": None, "pending": None, "history": []}

    def _put_pointer(self, pointer: Mapping[str, Any]) -> None:
        body = json.dumps(pointer, indent=1, sort_keys=True).encode()
        self._call(
            "put_object",
            "live.json",
            Bucket=self.bucket,
            Key=self._meta_key("live.json"),
            Body=body,
            ContentType="application/json; charset=utf-8",
            CacheControl="no-store",
        )

    def _manifest(self, release_id: str) -> dict[str, str]:
        """A release's manifest: the state dir's copy, else the bucket's (a fresh machine)."""
        cached = self.state / "manifests" / f"{release_id}.json"
        try:
            data = json.loads(cached.read_text(encoding="utf-8"))
            if isinstance(data, dict):
                return data
        except (OSError, ValueError):
            pass
        data = self._get_json(self._meta_key(f"releases/{release_id}.json"))
        if not isinstance(data, dict):
            return {}  # lost: every object of the new release is then uploaded
        from publisher.fsutil import write_atomic

        write_atomic(cached, json.dumps(data).encode())
        return data

    def _save_manifest(self, release_id: str, manifest: Mapping[str, str]) -> None:
        from publisher.fsutil import write_atomic

        body = json.dumps(dict(manifest), sort_keys=True).encode()
        self._call(
            "put_object",
            f"releases/{release_id}.json",
            Bucket=self.bucket,
            Key=self._meta_key(f"releases/{release_id}.json"),
            Body=body,
            ContentType="application/json; charset=utf-8",
            CacheControl="no-store",
        )
        write_atomic(self.state / "manifests" / f"{release_id}.json", body)

    def _get_json(self, key: str) -> Any:
        """A JSON object of the bucket, None when it is not there (or not JSON)."""
        body = self._call("get_object", key, Bucket=self.bucket, Key=key, missing_ok=True)
        if body is None:
            return None
        try:
            return json.loads(body["Body"].read())
        except ValueError:
            return None

    # -- the local copy of uploaded bytes (for rollback) -----------------------------------

    def _stored(self, digest: str) -> Path:
        return self.state / "objects" / digest[:2] / digest

    def _store(self, digest: str, data: bytes) -> None:
        path = self._stored(digest)
        if path.exists():
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{digest}.{threading.get_ident()}")
        tmp.write_bytes(data)
        os.replace(tmp, path)

    def _prune(self, history: list[Mapping[str, Any]]) -> None:
        keep_ids = {r["id"] for r in history}
        manifests = self.state / "manifests"
        wanted: set[str] = set()
        for release_id in keep_ids:
            wanted.update(self._manifest(release_id).values())
        for old in manifests.glob("*.json"):
            if old.stem not in keep_ids:
                old.unlink(missing_ok=True)
        objects = self.state / "objects"
        if not objects.is_dir():
            return
        for shard in os.scandir(objects):
            if not shard.is_dir():
                continue
            for entry in os.scandir(shard.path):
                if entry.name not in wanted:
                    os.unlink(entry.path)

    # -- talking to the bucket -------------------------------------------------------------

    def client(self) -> Any:
        if self._client is None:
            access = os.environ.get(self.access_key_env)
            secret = os.environ.get(self.secret_key_env)
            for var, value in ((self.access_key_env, access), (self.secret_key_env, secret)):
                if not value:
                    raise DeliveryError(
                        f"the environment variable {var} is not set: put the "
                        f"{'access key id' if var == self.access_key_env else 'secret key'} of bucket "
                        f"'{self.bucket}' in it where publisher runs",
                        transient=False,
                    )
            import boto3
            from botocore.config import Config as BotoConfig

            self._client = boto3.session.Session().client(
                "s3",
                endpoint_url=self.endpoint_url,
                region_name=self.region,
                aws_access_key_id=access,
                aws_secret_access_key=secret,
                config=BotoConfig(
                    connect_timeout=5,
                    read_timeout=self.timeout,
                    retries={"max_attempts": 3, "mode": "standard"},
                    max_pool_connections=self.workers + 2,
                    s3={"addressing_style": self.addressing_style},
                ),
            )
        return self._client

    def _call(self, operation: str, what: str, missing_ok: bool = False, **kwargs: Any) -> Any:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return getattr(self.client(), operation)(**kwargs)
        except ClientError as exc:
            code = str(exc.response.get("Error", {}).get("Code", ""))
            if missing_ok and code in ("NoSuchKey", "404"):
                return None
            raise self._explain(exc, code, what) from exc
        except BotoCoreError as exc:
            raise DeliveryError(
                f"could not reach {self.endpoint_url or 'AWS S3'} ({type(exc).__name__}: {exc}); "
                "a later run retries",
                transient=True,
            ) from exc

    def _explain(self, exc: Exception, code: str, what: str) -> DeliveryError:
        status = int(getattr(exc, "response", {}).get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)
        where = f"bucket '{self.bucket}' at {self.endpoint_url or 'AWS S3'}"
        if code == "NoSuchBucket":
            return DeliveryError(
                f"{where} does not exist: create it at the provider (or fix bucket = in "
                f"[channels.{self.name}])",
                transient=False,
            )
        if code in ("InvalidAccessKeyId", "InvalidClientTokenId"):
            return DeliveryError(
                f"{where} does not know the access key in {self.access_key_env} ({code}): it was "
                f"deleted or mistyped; put a valid key in {self.access_key_env} and its secret in "
                f"{self.secret_key_env}",
                transient=False,
            )
        if code == "SignatureDoesNotMatch":
            return DeliveryError(
                f"{where} rejected the secret in {self.secret_key_env} ({code}): it does not belong to "
                f"the access key in {self.access_key_env}; put the matching secret in that variable",
                transient=False,
            )
        if code in ("ExpiredToken", "TokenRefreshRequired", "InvalidToken", "RequestExpired"):
            return DeliveryError(
                f"{where} says the key in {self.access_key_env} has expired ({code}): create a new key "
                f"and put it in {self.access_key_env} and {self.secret_key_env}",
                transient=False,
            )
        if code in ("AccessDenied", "AllAccessDisabled", "403") or status == 403:
            return DeliveryError(
                f"{where} refused {what} (AccessDenied): the key in {self.access_key_env} needs "
                "permission to read, write and delete objects in the bucket",
                transient=False,
            )
        transient = (
            status >= 500 or status in (408, 429) or code in ("SlowDown", "RequestTimeout", "Throttling")
        )
        return DeliveryError(f"{where}: {what} failed ({code or status}: {exc})", transient=transient)
