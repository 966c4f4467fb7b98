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
own) is kept in the bucket under ``<prefix>.publisher/`` (``releases/<id>.json``, the ETag
of every object in ``releases/<id>.etags.json``, and ``live.json`` naming the live release)
and cached in the state dir, so a fresh machine takes over from the bucket alone.
``live.json`` is written first with ``pending`` set to the release being uploaded, and last
with it live: a run after a crash mid-upload (SIGKILL) sees every manifest involved and
re-uploads each object that may hold the wrong bytes, in the same order, and deletes what
any of them left. A run interrupted again is remembered too (``pending.interrupted``).

**Rollback from any machine.** Before an object of the live release is replaced or deleted,
its bytes are copied, inside the bucket (a server-side copy: nothing goes through the
machine), to ``.publisher/objects/<sha256>``. The bucket therefore holds every kept
release byte for byte, as it was served: ``publisher rollback`` on any machine with the
keys puts one back with server-side copies in the same reader-safe order, and needs no
laptop, build or checkout to have survived. Blobs no kept release needs are deleted.

**Drift.** ``drift()`` lists the bucket and compares every object with the live release's
manifest and ETags: an object changed, deleted or added by someone else (a console, another
tool, an intruder with the keys) is reported; only ``publish --overwrite-remote`` puts
publisher's version back (re-uploads the changed and missing objects, deletes the added).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import threading
from collections.abc import Callable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

from publisher import urls
from publisher.channels.base import (
    Channel,
    ChannelKind,
    Delivery,
    DeliveryError,
    DriftCheck,
    PublishContext,
    Receipt,
)
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
BLOBS = "objects/"  # under STATE_DIR: the bytes of kept releases, by sha256
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

    def touched(self) -> list[str]:
        return sorted({p for paths in (*self.uploads, *self.deletions) for p in paths})


def plan_changes(
    new: Mapping[str, str],
    live: Mapping[str, str],
    dirty: Sequence[Mapping[str, str]] = (),
    forced: AbstractSet[str] = frozenset(),
    extra: AbstractSet[str] = frozenset(),
) -> Plan:
    """Which objects to upload and delete so that the bucket holds exactly `new`.

    An object may be skipped only when the bucket surely has its bytes: the live release has
    them, no interrupted release (`dirty`: their manifests) replaced or deleted them, and it
    was not found changed by someone else (`forced`). `extra`: objects found in the bucket
    that no release put there.
    """
    changed: list[list[str]] = [[] for _ in range(2 * len(STEPS))]
    for path in sorted(new):
        digest = new[path]
        if path not in forced and live.get(path) == digest and all(m.get(path) == digest for m in dirty):
            continue
        is_new = path not in live
        changed[2 * step(path) + (0 if is_new else 1)].append(path)
    gone = (set(live).union(*dirty) | set(extra)) - set(new)
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


def etag(value: object) -> str:
    return str(value or "").strip('"')


@dataclass(frozen=True)
class Release:
    id: str
    marker: Mapping[str, Any]  # content_hash, idempotency_key, site, files


@dataclass(frozen=True)
class Drift:
    """What drift() found in the bucket, for a repair the person asked for."""

    release: str  # the live release it was compared with
    changed: list[str]
    missing: list[str]
    added: list[str]

    def __bool__(self) -> bool:
        return bool(self.changed or self.missing or self.added)

    def describe(self, where: str) -> str:
        count = len(self.changed) + len(self.missing) + len(self.added)
        parts = []
        for label, paths in (("changed", self.changed), ("missing", self.missing), ("added", self.added)):
            if paths:
                more = f" and {len(paths) - 3} more" if len(paths) > 3 else ""
                parts.append(f"{len(paths)} {label} ({', '.join(paths[:3])}{more})")
        return (
            f"{count} object{'s' if count > 1 else ''} in {where} {'are' if count > 1 else 'is'} not as "
            f"publisher uploaded them (release {self.release}): {'; '.join(parts)}"
        )


class S3Channel(Channel):
    kind: ClassVar[ChannelKind] = "website"
    can_edit: ClassVar[bool] = True  # a new release replaces the live one
    can_reply: ClassVar[bool] = False
    hosts_site: ClassVar[bool] = True  # posts link to the site: they wait for its deploy
    # One listing of the bucket (a request per 1000 objects): before a new release goes up
    # over it, and in `status --verify`; a difference needs a person (--overwrite-remote).
    drift_check: ClassVar[DriftCheck] = "before_edit"

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
        self._found: Drift | None = None  # what the last drift() found, for a repair
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
        if delivery.payload.get("release"):
            return self._restore(str(delivery.payload["release"]))  # a rollback (delivery_of)
        if self.source is None or not self.source.is_dir():
            raise DeliveryError("the site was not built in this pass", transient=True)
        source = self.source
        pointer = self._pointer()
        live = pointer.get("live")
        found, self._found = self._found, None
        repair = found if found and live and found.release == live["id"] else None
        if isinstance(live, dict) and live.get("content_hash") == delivery.content_hash:
            if not pointer.get("pending") and repair is None:
                # The bucket serves this very content already: a ledger lost or restored (one
                # GET of live.json instead of a re-upload), or a deploy from another machine.
                return replace(self.receipt(Release(live["id"], live)), adopted=previous is None)
        manifest = build_manifest(source)
        release_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ") + "-" + delivery.content_hash[:8]
        marker = {
            "content_hash": delivery.content_hash,
            "idempotency_key": idempotency_key,
            "site": delivery.payload.get("site"),
            "files": len(manifest),
        }

        def put(path: str) -> str:
            response = self._call(
                "put_object",
                path,
                Bucket=self.bucket,
                Key=self._key(path),
                Body=(source / path).read_bytes(),
                ContentType=content_type(path),
                CacheControl=self.cache_control(path),
            )
            return etag(response.get("ETag"))

        self._deploy(Release(release_id, marker), manifest, put, pointer, repair)
        return self.receipt(Release(release_id, marker), uploaded=self.uploaded, deleted=self.deleted)

    def reconcile(self, delivery: Delivery, idempotency_key: str) -> Receipt | None:
        pointer = self._pointer()
        live = pointer.get("live")
        if not isinstance(live, dict):
            return None
        if live.get("idempotency_key") == idempotency_key:
            return self.receipt(Release(live["id"], live))
        if live["id"] == delivery.payload.get("release") and not pointer.get("pending"):
            return self.receipt(Release(live["id"], live))  # a rollback that had finished
        return None  # not live yet: send() again finishes it (it knows the pending release)

    def drift(self, previous: Receipt) -> str | None:
        """The bucket against the live release's manifest and ETags (one listing)."""
        where = f"bucket '{self.bucket}' at {self.endpoint_url or 'AWS S3'}"
        pointer = self._pointer()
        live = pointer.get("live")
        if not isinstance(live, dict):
            return (
                f"{where} holds no live release of publisher any more ({self._meta_key('live.json')} is gone)"
            )
        if pointer.get("pending"):
            return None  # a deploy was interrupted: the next publish finishes it first
        manifest = self._manifest(live["id"])
        etags = self._etags(live["id"])
        listed = self._list(self.prefix)
        site = {path: tag for path, tag in listed.items() if not path.startswith(STATE_DIR)}
        found = Drift(
            live["id"],
            changed=sorted(p for p in manifest if p in site and p in etags and site[p] != etags[p]),
            missing=sorted(set(manifest) - set(site)),
            added=sorted(set(site) - set(manifest)),
        )
        self._found = found if found else None
        problems = []
        if live["id"] != previous.remote_id:
            problems.append(
                f"{where} serves release {live['id']}, not {previous.remote_id} that publisher deployed "
                "from here (published or rolled back from another machine?)"
            )
        if found:
            problems.append(found.describe(where))
        return "; ".join(problems) or None

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

    def receipt(self, release: Release, **extra: Any) -> Receipt:
        return Receipt(release.id, self.location, {"bucket": self.bucket, "release": release.id, **extra})

    def delivery_of(self, release: Release) -> Delivery:
        """The site delivery a release was: with ``release`` in its payload, send() puts that
        release back (a rollback, recorded in the ledger before it starts)."""
        return Delivery(
            self.name,
            SITE_KEY,
            str(release.marker.get("content_hash", "")),
            {"release": release.id, "site": release.marker.get("site")},
            summary=f"rollback to {release.id}",
        )

    def held_back(self, release: Release) -> tuple[Delivery, str]:
        """The delivery (and its idempotency key) a release was when it was published, for a
        ledger that does not know it (another machine): a rollback holds it back."""
        payload = {
            "site": release.marker.get("site"),
            "files": release.marker.get("files"),
            "target": self.location,
        }
        return (
            Delivery(self.name, SITE_KEY, str(release.marker.get("content_hash", "")), payload),
            str(release.marker.get("idempotency_key", "")),
        )

    def list_releases(self) -> list[Release]:
        """The releases that can be put back, oldest first (the live one included)."""
        pointer = self._pointer()
        return [Release(r["id"], r) for r in pointer.get("history", [])]

    def live(self) -> Release | None:
        live = self._pointer().get("live")
        return Release(live["id"], live) if live else None

    def rollback_target(self, to: str | None = None) -> tuple[Release, Release | None]:
        """The release a rollback puts back (the one before the live one, or `to`), and the
        live one; refused before anything is written when the bucket lacks its bytes."""
        pointer = self._pointer()
        releases = [Release(r["id"], r) for r in pointer.get("history", [])]
        live = Release(pointer["live"]["id"], pointer["live"]) if pointer.get("live") else None
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
        missing = self._unrestorable(target.id, pointer)
        if missing:
            raise DeliveryError(
                f"the bucket does not hold the files of release {target.id} any more (e.g. {missing[0]}; "
                f"they are kept under {self._meta_key(BLOBS)} from this version of publisher on): check "
                "out that version of the content and run `publisher publish` instead",
                transient=False,
            )
        return target, live

    def _unrestorable(self, release_id: str, pointer: Mapping[str, Any]) -> list[str]:
        """Paths of a release whose bytes a restore would need and the bucket lacks."""
        manifest = self._manifest(release_id)
        if not manifest:
            return [f"{self._meta_key('releases/' + release_id + '.json')}"]
        live = pointer.get("live")
        plan = plan_changes(manifest, self._manifest(live["id"]) if live else {}, self._dirty(pointer))
        blobs = self._blobs()
        return [p for paths in plan.uploads for p in paths if manifest[p] not in blobs]

    def _restore(self, release_id: str) -> Receipt:
        """Put a kept release back: server-side copies of its preserved bytes, in order."""
        pointer = self._pointer()
        live = pointer.get("live")
        if live and live["id"] == release_id and not pointer.get("pending"):
            return self.receipt(Release(release_id, live), uploaded=0, deleted=0)  # done already
        entries = [*pointer.get("history", []), pointer.get("pending") or {}]
        entry = next((r for r in entries if r.get("id") == release_id), None)
        if entry is None:
            raise DeliveryError(f"no release '{release_id}' in {self.location} any more", transient=False)
        marker = {k: v for k, v in entry.items() if k not in ("id", "interrupted", "uploading")}
        manifest = self._manifest(release_id)
        if not manifest:
            raise DeliveryError(
                f"the manifest of release {release_id} is gone from the bucket", transient=False
            )

        def put(path: str) -> str:
            response = self._call(
                "copy_object",
                path,
                Bucket=self.bucket,
                Key=self._key(path),
                CopySource={"Bucket": self.bucket, "Key": self._blob_key(manifest[path])},
                MetadataDirective="REPLACE",
                ContentType=content_type(path),
                CacheControl=self.cache_control(path),
            )
            return etag(response.get("CopyObjectResult", {}).get("ETag"))

        release = Release(release_id, marker)
        self._deploy(release, manifest, put, pointer)
        return self.receipt(release, uploaded=self.uploaded, deleted=self.deleted)

    # -- the deploy ------------------------------------------------------------------------

    def _dirty(self, pointer: Mapping[str, Any]) -> list[dict[str, str]]:
        """Manifests of the interrupted releases that may have written objects."""
        return [self._manifest(i) for i in self._chain(pointer)]

    @staticmethod
    def _chain(pointer: Mapping[str, Any]) -> list[str]:
        pending = pointer.get("pending")
        if not isinstance(pending, dict):
            return []
        ids = list(pending.get("interrupted", []))
        if pending.get("uploading", True):
            ids.insert(0, pending["id"])
        return list(dict.fromkeys(ids))

    def _deploy(
        self,
        release: Release,
        manifest: Mapping[str, str],
        put: Callable[[str], str],
        pointer: Mapping[str, Any],
        repair: Drift | None = None,
    ) -> None:
        """Make the bucket serve `release`: preserve, upload in steps, delete, switch."""
        from publisher.publish import crash_hook

        live = pointer.get("live")
        live_manifest = self._manifest(live["id"]) if live else {}
        live_etags = self._etags(live["id"]) if live else {}
        chain = self._chain(pointer)
        # A lost manifest of an interrupted release reads as {}: every object is then uploaded.
        dirty = [self._manifest(i) for i in chain]
        forced = set(repair.changed + repair.missing) if repair else set()
        plan = plan_changes(manifest, live_manifest, dirty, forced, set(repair.added) if repair else set())
        # The live bytes about to be replaced or deleted, kept for a rollback. Only objects that
        # surely still hold them: an interrupted release that started uploading preserved its
        # own before its first upload; an object someone changed is not the live release's.
        blobs = self._blobs()
        keep: dict[str, str] = {}
        for path in plan.touched():
            digest = live_manifest.get(path)
            if digest is None or digest in blobs or digest in keep or manifest.get(path) == digest:
                continue
            if path in forced or any(m.get(path) != digest for m in dirty):
                continue
            keep[digest] = path
        self._save_manifest(release.id, manifest)
        interrupted = [i for i in chain if i != release.id]
        pending = {"id": release.id, **release.marker, "interrupted": interrupted, "uploading": not keep}
        # Announce the release before its first object: a run after a crash knows which
        # objects may hold its bytes.
        self._put_pointer({**pointer, "pending": pending})
        self.uploaded = self.deleted = 0
        etags: dict[str, str] = {}
        lock = threading.Lock()

        def preserve(digest: str) -> None:
            self._call(
                "copy_object",
                keep[digest],
                Bucket=self.bucket,
                Key=self._blob_key(digest),
                CopySource={"Bucket": self.bucket, "Key": self._key(keep[digest])},
            )

        def upload(path: str) -> None:
            tag = put(path)
            with lock:
                etags[path] = tag
                self.uploaded += 1
                count = self.uploaded
            crash_hook(f"s3_put_{count}", self.name)

        def delete(path: str) -> None:
            self._call("delete_object", path, Bucket=self.bucket, Key=self._key(path))
            with lock:
                self.deleted += 1

        with ThreadPoolExecutor(max_workers=self.workers) as pool:
            if keep:
                self._run_step(pool, preserve, sorted(keep))
                self._put_pointer({**pointer, "pending": {**pending, "uploading": True}})
            for paths in plan.uploads:
                self._run_step(pool, upload, paths)
            for paths in plan.deletions:
                self._run_step(pool, delete, paths)
        for path, digest in manifest.items():
            if path not in etags and live_manifest.get(path) == digest and path in live_etags:
                etags[path] = live_etags[path]
        self._save_json(f"releases/{release.id}.etags.json", etags, cache=self._etags_path(release.id))
        entry = {"id": release.id, **release.marker}
        old_history = [r for r in pointer.get("history", []) if r["id"] != release.id]
        history = sorted(old_history + [entry], key=lambda r: str(r["id"]))[-self.keep :]
        if entry not in history:
            history.append(entry)
        self._put_pointer({"live": entry, "pending": None, "history": history})
        kept_ids = {r["id"] for r in history}
        dropped = {r["id"] for r in old_history} | set(chain)
        self._prune(kept_ids, dropped - kept_ids, blobs | set(keep))

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
        self._save_json("live.json", pointer)

    def _manifest(self, release_id: str) -> dict[str, str]:
        """A release's manifest: the state dir's copy, else the bucket's (a fresh machine)."""
        return self._load_json(f"releases/{release_id}.json", self.state / "manifests" / f"{release_id}.json")

    def _etags_path(self, release_id: str) -> Path:
        return self.state / "manifests" / f"{release_id}.etags.json"

    def _etags(self, release_id: str) -> dict[str, str]:
        """path → ETag of a release's objects as publisher left them ({} when unknown)."""
        return self._load_json(f"releases/{release_id}.etags.json", self._etags_path(release_id))

    def _load_json(self, name: str, cached: Path) -> dict[str, str]:
        try:
            data = json.loads(cached.read_text(encoding="utf-8"))
            if isinstance(data, dict):
                return data
        except (OSError, ValueError):
            pass
        data = self._get_json(self._meta_key(name))
        if not isinstance(data, dict):
            return {}  # lost: every object of the new release is then uploaded
        from publisher.fsutil import write_atomic

        write_atomic(cached, json.dumps(data).encode())
        return data

    def _save_manifest(self, release_id: str, manifest: Mapping[str, str]) -> None:
        self._save_json(
            f"releases/{release_id}.json", manifest, cache=self.state / "manifests" / f"{release_id}.json"
        )

    def _save_json(self, name: str, data: Mapping[str, Any], cache: Path | None = None) -> None:
        from publisher.fsutil import write_atomic

        body = json.dumps(dict(data), indent=None if cache else 1, sort_keys=True).encode()
        self._call(
            "put_object",
            name,
            Bucket=self.bucket,
            Key=self._meta_key(name),
            Body=body,
            ContentType="application/json; charset=utf-8",
            CacheControl="no-store",
        )
        if cache is not None:
            write_atomic(cache, body)

    def _get_json(self, key: str) -> Any:
        """A JSON object of the bucket, None when it is not there (or not JSON)."""
        body = self._call("get_object", key, Bucket=self.bucket, Key=key, missing_ok=True)
        if body is None:
            return None
        try:
            return json.loads(body["Body"].read())
        except ValueError:
            return None

    def _list(self, prefix: str) -> dict[str, str]:
        """path (under the channel's prefix) → ETag of every object whose key starts with prefix."""
        found: dict[str, str] = {}
        token: str | None = None
        while True:
            args: dict[str, Any] = {"Bucket": self.bucket, "Prefix": prefix}
            if token:
                args["ContinuationToken"] = token
            page = self._call("list_objects_v2", f"the listing of {prefix or 'the bucket'}", **args)
            for obj in page.get("Contents", []):
                found[obj["Key"][len(self.prefix) :]] = etag(obj.get("ETag"))
            token = page.get("NextContinuationToken")
            if not page.get("IsTruncated") or not token:
                return found

    # -- the preserved bytes of earlier releases (for rollback) ----------------------------

    def _blob_key(self, digest: str) -> str:
        return self._meta_key(BLOBS + digest)

    def _blobs(self) -> set[str]:
        # Listed by "<prefix>.publisher" and filtered, not by ".publisher/objects/": the test
        # suite's S3 server (moto 5.2) refuses the signature of a listing whose prefix holds
        # a "/". The manifests come along: two keys per kept release.
        skip = len(STATE_DIR + BLOBS)
        found = self._list(self._meta_key("")[:-1])
        return {path[skip:] for path in found if path.startswith(STATE_DIR + BLOBS)}

    def _prune(self, kept: set[str], dropped: set[str], blobs: set[str]) -> None:
        """Forget releases out of the history, and the bytes only they needed."""
        wanted: set[str] = set()
        for release_id in kept:
            wanted.update(self._manifest(release_id).values())
        gone = [self._blob_key(d) for d in sorted(blobs - wanted)]
        for release_id in sorted(dropped):
            gone += [
                self._meta_key(f"releases/{release_id}.json"),
                self._meta_key(f"releases/{release_id}.etags.json"),
            ]
        for start in range(0, len(gone), 1000):  # DeleteObjects takes 1000 keys a call
            batch = [{"Key": key} for key in gone[start : start + 1000]]
            self._call(
                "delete_objects", "old releases", Bucket=self.bucket, Delete={"Objects": batch, "Quiet": True}
            )
        manifests = self.state / "manifests"
        for old in manifests.glob("*.json") if manifests.is_dir() else ():
            if old.name.split(".", 1)[0] not in kept:
                old.unlink(missing_ok=True)

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
