"""Helpers for the social channel tests: a project wired to the emulators, and a small
driver that delivers planned posts the way the publishing job does (send with the receipt of
the last completed delivery of the same key, only when the content changed)."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from publisher.channels.base import Delivery, DeliveryError, PublishContext, Receipt
from publisher.config import load_config
from publisher.content import load_site
from publisher.site import localized

INCIDENT = "2019-11-15-cyberattaque"
FIRST = f"{INCIDENT}/20191115T2130"
END = datetime(2019, 11, 23, tzinfo=UTC)  # every example update is due
FB_TOKEN = "EAAB-fb-secret-Zq8x1"  # unique markers: asserted absent from every output
MA_TOKEN = "masto-secret-Vb72kQ"
BS_PASSWORD = "bsky-secret-7hq2-x9lm"


def bsky_options(service: str, **extra: Any) -> str:
    lines = [
        'handle = "chu-exemple.bsky.social"',
        f'service = "{service}"',
        'password_env = "TEST_BS_PASSWORD"',
    ]
    lines += ["timeout = 2"] + [f"{k} = {v!r}".replace("'", '"') for k, v in extra.items()]
    return "\n".join(lines)


def configure(project: Path, *, facebook: str = "", mastodon: str = "", bluesky: str = "") -> None:
    """Append [channels.*] tables (TOML bodies given) to the project's publisher.toml."""
    text = (project / "publisher.toml").read_text(encoding="utf-8")
    if facebook:
        text += f"\n[channels.facebook]\n{facebook}\n"
    if mastodon:
        text += f"\n[channels.mastodon]\n{mastodon}\n"
    if bluesky:
        text += f"\n[channels.bluesky]\n{bluesky}\n"
    (project / "publisher.toml").write_text(text, encoding="utf-8")


def fb_options(base_url: str, **extra: str) -> str:
    lines = ['page_id = "1647395831"', 'token_env = "TEST_FB_TOKEN"', f'base_url = "{base_url}"']
    lines += [f'{k} = "{v}"' for k, v in extra.items()]
    return "\n".join(lines)


def masto_options(base_url: str, **extra: Any) -> str:
    lines = [f'instance = "{base_url}"', 'token_env = "TEST_MA_TOKEN"', "timeout = 2"]
    lines += [f"{k} = {v!r}".replace("'", '"') for k, v in extra.items()]
    return "\n".join(lines)


def context(project: Path, now: datetime = END) -> PublishContext:
    config = load_config(project)
    site = load_site(config).site
    return PublishContext(config, site, now, localized(config, site, now), project / "public")


def channel(project: Path, name: str) -> Any:
    from publisher.channels import make_channel

    config = load_config(project)
    ch = config.channel(name)
    assert ch is not None
    return make_channel(ch, config)


@dataclass
class Driver:
    """Delivers like the job: new key → create; changed hash → edit with the last receipt."""

    receipts: dict[str, Receipt] = field(default_factory=dict)
    hashes: dict[str, str] = field(default_factory=dict)
    errors: list[DeliveryError] = field(default_factory=list)

    def run(self, ch: Any, ctx: PublishContext) -> list[Delivery]:
        sent = []
        for d in ch.plan(ctx):
            if self.hashes.get(d.key) == d.content_hash:
                continue
            try:
                receipt = ch.send(d, self.receipts.get(d.key), idempotency_key(d))
            except DeliveryError as exc:
                self.errors.append(exc)
                continue
            self.receipts[d.key] = receipt
            self.hashes[d.key] = d.content_hash
            sent.append(d)
        return sent


def idempotency_key(d: Delivery) -> str:
    return f"{d.channel}:{d.key}:{d.content_hash}"


def edit_update(project: Path, stem: str, old: str, new: str, front: str = "", approve: bool = True) -> None:
    """Change an example update's text (and add front-matter lines) in place; the edit is
    approved again (the approval is bound to the text) unless `approve` is false."""
    path = project / "content" / "incidents" / INCIDENT / f"{stem}.md"
    text = path.read_text(encoding="utf-8")
    assert old in text
    text = text.replace(old, new, 1)
    if front:
        text = text.replace("\n---\n", f"\n{front}\n---\n", 1)
    path.write_text(text, encoding="utf-8")
    if approve:
        from tests.approvals import approve_file

        approve_file(project, path, "jpetit")


def drop_translation(project: Path, msgid_start: str) -> None:
    """Empty the English translation of one block (so its update falls back to French)."""
    po = project / "locales" / "en" / "LC_MESSAGES" / "incidents" / f"{INCIDENT}.po"
    lines = po.read_text(encoding="utf-8").split("\n")
    for i, line in enumerate(lines):
        if line.startswith(f'msgid "{msgid_start}'):
            j = i + 1
            while not lines[j].startswith("msgstr"):
                j += 1
            lines[j] = 'msgstr ""'
            k = j + 1
            while k < len(lines) and lines[k].startswith('"'):
                lines.pop(k)
            break
    else:
        raise AssertionError(f"no msgid starting {msgid_start!r}")
    po.write_text("\n".join(lines), encoding="utf-8")


def copy_po(src: Path, dest: Path) -> None:
    shutil.copy(src, dest)
