"""Website target: a local or mounted directory, deployed by atomic release swap.

Layout (``path`` is what the web server serves; by default ``[paths] output``, ``public``)::

    public -> public.releases/20261129T230102Z-3f2a9c1e     a symlink, swapped atomically
    public.releases/20261129T230102Z-3f2a9c1e/               one complete site per release
    public.releases/20261129T230102Z-3f2a9c1e.json           its marker (content hash, key)

A release is copied complete into a hidden temporary directory, renamed into place, and only
then does the symlink move (``rename`` of a new symlink over the old one: readers see the old
site or the new one, never a mix). The last ``keep`` releases stay for ``publisher rollback``.
The releases live next to ``path`` so that the symlink and its target are on the same file
system, which is what makes a mounted target work too.

A ``path`` that is still a plain directory (an earlier ``publisher build``) is adopted: it is
exchanged with the symlink in one ``renameat2(RENAME_EXCHANGE)`` and kept as a release.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

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
from publisher.options import Option, at_least, validate
from publisher.release import exchange, read_manifest

OPTIONS = (
    Option(
        "path",
        str,
        "",
        "the directory the web server serves; default: [paths] output",
        example="/var/www/status",
    ),
    Option(
        "releases",
        str,
        "",
        "where the releases are kept; default: <path>.releases beside it",
        example="/var/www/status.releases",
    ),
    Option("keep", int, 5, "releases kept: the live one and those to roll back to", check=at_least(2)),
)
SITE_KEY = "site"


@dataclass(frozen=True)
class Release:
    id: str
    path: Path
    marker: Mapping[str, Any]


def tree_hash(root: Path) -> tuple[str, int]:
    """Hash of every file's path and bytes under root, and the number of files.

    The build leaves a manifest (path -> sha256) in the tree: when it is there, hashing it
    is enough, and nothing else is read.
    """

    manifest = read_manifest(root)
    if manifest is not None:
        text = json.dumps(manifest, sort_keys=True).encode()
        return hashlib.sha256(text).hexdigest()[:32], len(manifest)
    digest = hashlib.sha256()
    count = 0
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(filenames):
            full = Path(dirpath) / name
            digest.update(full.relative_to(root).as_posix().encode() + b"\0")
            digest.update(hashlib.sha256(full.read_bytes()).digest())
            count += 1
    return digest.hexdigest()[:32], count


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class DirectoryChannel(Channel):
    kind: ClassVar[ChannelKind] = "website"
    can_edit: ClassVar[bool] = True  # a new release replaces the live one
    can_reply: ClassVar[bool] = False
    # A few stats of a local directory: cheap enough for every pass, and the release is
    # publisher's own, so a damaged one is simply deployed again.
    drift_check: ClassVar[DriftCheck] = "every_pass"
    hosts_site: ClassVar[bool] = True

    def __init__(self, config: ChannelConfig, project: Config) -> None:
        self.name = config.name
        self.project = project
        options = config.options
        # Not resolve(): `path` is the symlink itself, not the release it points at.
        raw_path = options.get("path") or project.get("paths", "output")
        self.path = Path(os.path.normpath(project.root / raw_path))
        raw_releases = options.get("releases")
        self.releases = (
            Path(os.path.normpath(project.root / raw_releases))
            if raw_releases
            else self.path.with_name(self.path.name + ".releases")
        )
        self.keep = int(options.get("keep", 5))
        self.source: Path | None = None

    @classmethod
    def validate_options(cls, options: Mapping[str, Any]) -> list[tuple[str, str, str]]:
        return validate(OPTIONS, options, Text("a {type} channel", type="directory"))

    # -- the protocol ----------------------------------------------------------------------

    def plan(self, ctx: PublishContext) -> list[Delivery]:
        self.source = ctx.site_dir
        site, files = tree_hash(ctx.site_dir)
        payload = {"site": site, "files": files, "target": self.display(self.path)}
        return [
            Delivery(
                self.name,
                SITE_KEY,
                Delivery.hash_payload(payload),
                payload,
                summary=f"site ({files} files) to {self.display(self.path)}",
            )
        ]

    def send(self, delivery: Delivery, previous: Receipt | None, idempotency_key: str) -> Receipt:
        if delivery.payload.get("release"):
            # A rollback (delivery_of): the release is still here, point the site at it.
            target = next((r for r in self.list_releases() if r.id == delivery.payload["release"]), None)
            if target is None:
                raise DeliveryError(
                    f"release {delivery.payload['release']} is gone from {self.display(self.releases)}",
                    transient=False,
                )
            self._point_at(target)
            return self.receipt(target)
        if self.source is None or not self.source.is_dir():
            raise DeliveryError("the site was not built in this pass", transient=True)
        live = self.live()
        if (
            previous is None
            and live is not None
            and live.marker.get("content_hash") == delivery.content_hash
            and self.damage() is None
        ):
            # The ledger does not know this site but it is live already (a lost or restored
            # ledger, a second checkout): take it over instead of deploying it again.
            return replace(self.receipt(live), adopted=True)
        try:
            release = self._make_release(delivery, idempotency_key)
            self._point_at(release)
            self.prune()
        except (OSError, shutil.Error) as exc:
            raise DeliveryError(self._deploy_failure(exc), transient=True) from None
        return self.receipt(release)

    def drift(self, previous: Receipt) -> str | None:
        return self.damage()

    def damage(self) -> str | None:
        """What is wrong with the live site, or None: a dangling link, a release gone or
        incomplete (deleted by hand, a full disk during a copy by someone else...)."""
        if not self.path.is_symlink():
            return None if self.path.is_dir() else f"the live site {self.display(self.path)} is missing"
        target = self.path.parent / os.readlink(self.path)
        if not target.is_dir():
            return f"the live release {self.display(target)} is missing (deleted by hand?)"
        manifest = read_manifest(target)
        if manifest is None:
            return None  # a release adopted from a plain directory: nothing to compare with
        # The top-level entries only: a few stats, every minute.
        missing = sorted({name.split("/", 1)[0] for name in manifest} - set(os.listdir(target)))
        if missing:
            return f"the live release {self.display(target)} is incomplete ({', '.join(missing[:3])} missing)"
        return None

    def _deploy_failure(self, exc: OSError | shutil.Error) -> str:
        """One line, whatever copytree collected (it gathers one error per file)."""
        first: Any = exc.args[0][0] if isinstance(exc, shutil.Error) and exc.args[0] else exc
        text = first[2] if isinstance(first, tuple) and len(first) == 3 else str(first)
        where = first[1] if isinstance(first, tuple) and len(first) == 3 else getattr(exc, "filename", None)
        for tmp in self.releases.glob(".tmp-*") if self.releases.is_dir() else ():
            # A half-copied release is useless: free its space now, not at the next success.
            shutil.rmtree(tmp, ignore_errors=True) if tmp.is_dir() else tmp.unlink(missing_ok=True)
        if (isinstance(exc, OSError) and exc.errno == errno.ENOSPC) or f"[Errno {errno.ENOSPC}]" in text:
            mount = self.releases if self.releases.exists() else self.path.parent
            while not os.path.ismount(mount) and mount != mount.parent:
                mount = mount.parent
            return (
                f"no space left on {mount} while writing {self.display(Path(where or self.releases))}: free "
                f"{self._site_mb()} MB (the size of the site) or point [paths] output elsewhere"
            )
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else text.split(": '", 1)[0]
        return (
            f"could not deploy to {self.display(self.path)}: {reason}"
            + (f" ({where})" if where else "")
            + "; check that the directory exists and is writable"
        )

    def _site_mb(self) -> int:
        """The size of the site to copy, in MB (at least 1)."""
        if self.source is None:
            return 1
        total = sum(f.stat().st_size for f in self.source.rglob("*") if f.is_file())
        return max(total // 1_000_000, 1)

    def reconcile(self, delivery: Delivery, idempotency_key: str) -> Receipt | None:
        live = self.live()
        if live is not None and live.marker.get("idempotency_key") == idempotency_key:
            return self.receipt(live)
        if live is not None and live.id == delivery.payload.get("release"):
            return self.receipt(live)  # a rollback that had switched the link
        return None  # a copied but never switched release is pruned on the next deploy

    def check(self, ctx: PublishContext) -> list[Diagnostic]:
        if self.path.exists() and not self.path.is_dir():
            return [
                Diagnostic(
                    self.display(self.path),
                    0,
                    Text("the website target is a file"),
                    Text("move it away or set [channels.<name>] path to a directory"),
                )
            ]
        damage = self.damage()
        if damage is not None and self.path.is_symlink():
            return [
                Diagnostic(
                    self.display(self.path),
                    0,
                    damage,
                    Text("run `publisher publish`: it deploys the site there again"),
                    severity="warning",
                )
            ]
        return []

    # -- releases --------------------------------------------------------------------------

    @property
    def location(self) -> str:
        """Where the site is served from (for `rollback`)."""
        return self.display(self.path)

    def display(self, path: Path) -> str:
        try:
            return str(path.relative_to(self.project.root))
        except ValueError:
            return str(path)

    def delivery_of(self, release: Release) -> Delivery:
        """The site delivery a release was (for the ledger, when a rollback puts it back)."""
        return Delivery(
            self.name,
            SITE_KEY,
            str(release.marker.get("content_hash", "adopted")),
            {"release": release.id, "site": release.marker.get("site")},
            summary=f"rollback to {release.id}",
        )

    def receipt(self, release: Release) -> Receipt:
        return Receipt(
            release.id,
            self.project.base_url,
            {"path": self.display(self.path), "release": self.display(release.path)},
        )

    def list_releases(self) -> list[Release]:
        if not self.releases.is_dir():
            return []
        found = []
        for marker in sorted(self.releases.glob("*.json")):
            directory = marker.with_suffix("")
            if directory.is_dir():
                try:
                    data = json.loads(marker.read_text(encoding="utf-8"))
                except (OSError, ValueError):
                    data = {}
                # Only what publisher made is a release (and may be pruned): its marker says so.
                if isinstance(data, dict) and ("content_hash" in data or data.get("adopted") is True):
                    found.append(Release(directory.name, directory, data))
        return found

    def live(self) -> Release | None:
        if not self.path.is_symlink():
            return None
        target = (self.path.parent / os.readlink(self.path)).resolve()
        return next((r for r in self.list_releases() if r.path.resolve() == target), None)

    def _new_id(self, content_hash: str) -> str:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        return f"{stamp}-{content_hash[:8]}"

    def _make_release(self, delivery: Delivery, idempotency_key: str) -> Release:
        assert self.source is not None
        self.releases.mkdir(parents=True, exist_ok=True)
        release_id = self._new_id(delivery.content_hash)
        tmp = self.releases / f".tmp-{release_id}"
        self._copy(self.source, tmp)
        os.chmod(tmp, 0o755)
        final = self.releases / release_id
        marker = {
            "content_hash": delivery.content_hash,
            "idempotency_key": idempotency_key,
            "site": delivery.payload.get("site"),
            "created": release_id[:16],
        }
        marker_tmp = self.releases / f".tmp-{release_id}.json"
        marker_tmp.write_text(json.dumps(marker, indent=1) + "\n", encoding="utf-8")
        os.rename(tmp, final)
        os.rename(marker_tmp, final.with_suffix(".json"))
        fsync_dir(self.releases)
        return Release(release_id, final, marker)

    def _copy(self, source: Path, dest: Path) -> None:
        """Copy the built site; a file identical in the live release is hard-linked instead.

        Release files are never written in place (a new release is always a new directory),
        so sharing their inodes is safe, and one new update costs a few new files, not a copy
        of the whole site. Identity comes from the build's manifests (path -> sha256).
        """

        live = self.live()
        new = read_manifest(source)
        old = read_manifest(live.path) if live is not None else None
        if live is None or new is None or old is None:
            shutil.copytree(source, dest)
            return

        def copy(src: str, dst: str) -> object:
            rel = Path(src).relative_to(source).as_posix()
            digest = new.get(rel)
            if digest is not None and old.get(rel) == digest:
                try:
                    os.link(live.path / rel, dst)
                    return dst
                except OSError:
                    pass  # another file system, or no hard links there: copy
            return shutil.copy2(src, dst)

        shutil.copytree(source, dest, copy_function=copy)

    def _point_at(self, release: Release) -> None:
        """Swap the live symlink to `release` (atomic for readers)."""
        link = self.path.with_name(f".{self.path.name}.link-tmp")
        if link.is_symlink() or link.exists():
            link.unlink()
        link.symlink_to(os.path.relpath(release.path, self.path.parent))
        if self.path.is_symlink() or not self.path.exists():
            os.replace(link, self.path)
        elif self.path.is_dir():
            from publisher.release import is_own

            if not is_own(self.path):
                link.unlink()
                raise DeliveryError(
                    f"{self.path} is a directory publisher did not build (no manifest in it): it was "
                    "left as it is; move it away, or set the channel's path to a new directory",
                    transient=False,
                )
            self._adopt(link)
        else:
            link.unlink()
            raise DeliveryError(
                f"{self.path} is a file, not a directory: move it away so the site can be deployed there",
                transient=False,
            )
        fsync_dir(self.path.parent)

    def _adopt(self, link: Path) -> None:
        """Replace a plain directory (an earlier build) by the symlink; keep it as a release."""

        # Named after its own time, so it sorts before the release that replaces it.
        mtime = datetime.fromtimestamp(self.path.stat().st_mtime, UTC)
        kept = self.releases / f"{mtime.strftime('%Y%m%dT%H%M%S%fZ')}-adopted"
        if exchange(link, self.path):
            os.rename(link, kept)  # `link` now names the old directory
        else:
            os.rename(self.path, kept)
            os.replace(link, self.path)
        kept.with_suffix(".json").write_text(json.dumps({"adopted": True}) + "\n", encoding="utf-8")

    def prune(self) -> None:
        live = self.live()
        releases = self.list_releases()
        for stale in self.releases.glob(".tmp-*"):
            if stale.is_dir():
                shutil.rmtree(stale, ignore_errors=True)
            else:
                stale.unlink(missing_ok=True)
        keep = {r.id for r in releases[-self.keep :]}
        if live is not None:
            keep.add(live.id)
        for r in releases:
            if r.id not in keep:
                shutil.rmtree(r.path, ignore_errors=True)
                r.path.with_suffix(".json").unlink(missing_ok=True)

    def rollback_target(self, to: str | None = None) -> tuple[Release, Release | None]:
        """The release a rollback points the site at (the one before the live one, or `to`),
        and the live one."""
        releases = self.list_releases()
        live = self.live()
        if to is not None:
            target = next((r for r in releases if r.id == to), None)
            if target is None:
                known = ", ".join(r.id for r in releases) or "none"
                raise DeliveryError(
                    f"no release '{to}' in {self.display(self.releases)}; releases: {known}", transient=False
                )
        else:
            older = [r for r in releases if live is None or r.id < live.id]
            if not older:
                raise DeliveryError(
                    f"no release older than the live one in {self.display(self.releases)}: "
                    "nothing to roll back to",
                    transient=False,
                )
            target = older[-1]
        return target, live

    def held_back(self, release: Release) -> tuple[Delivery, str]:
        """The delivery (and its idempotency key) a release was when it was published, for a
        ledger that does not know it: a rollback holds it back."""
        payload = {"site": release.marker.get("site"), "target": self.display(self.path)}
        return (
            Delivery(self.name, SITE_KEY, str(release.marker.get("content_hash", "adopted")), payload),
            str(release.marker.get("idempotency_key", "")),
        )
