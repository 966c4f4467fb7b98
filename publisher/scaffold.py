"""`publisher init DIR`: a new organisation's project, ready to check, preview and publish.

The files come from ``publisher/scaffold/`` (shipped in the package): a commented
publisher.toml, the statement library with its English catalogs, empty template and
locale overrides, and a .gitignore (stored as ``gitignore``: packaging drops dotfiles).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from publisher.errors import InitError

SCAFFOLD = Path(__file__).resolve().parent / "scaffold"
RENAMES = {"gitignore": ".gitignore"}
EMPTY_DIRS = ("locales/en/LC_MESSAGES/incidents", "templates/web", "templates/print")


@dataclass(frozen=True)
class Cloud:
    """An object-storage channel to add (`publisher init --bucket`)."""

    bucket: str
    endpoint_url: str = ""
    region: str = ""


@dataclass(frozen=True)
class Answers:
    organisation: str = "Mon établissement"
    title: str = ""
    base_url: str = "https://statut.example.org/"
    phone: str = ""
    email: str = ""
    cloud: Cloud | None = None


def _channels(cloud: Cloud) -> str:
    """The website directory and the bucket (once a channel is listed, the website must be)."""
    lines = ["", "[channels.website]", 'type = "directory"', "", "[channels.cloud]", 'type = "s3"']
    lines.append(f'bucket = "{_toml_text(cloud.bucket)}"')
    if cloud.endpoint_url:
        lines.append(f'endpoint_url = "{_toml_text(cloud.endpoint_url)}"')
    if cloud.region:
        lines.append(f'region = "{_toml_text(cloud.region)}"')
    lines += ['access_key_env = "S3_ACCESS_KEY_ID"', 'secret_key_env = "S3_SECRET_ACCESS_KEY"', ""]
    return "\n".join(lines)


def _toml_text(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"')


def init_project(target: Path, answers: Answers) -> list[Path]:
    """Copy the scaffold into `target` (which must be absent or empty); the files written."""
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise InitError(
            f"{target} exists and is not empty; publisher init only creates new "
            "projects (choose a new directory)"
        )
    if not answers.base_url.startswith(("http://", "https://")):
        raise InitError(f"--url '{answers.base_url}' must start with https:// (or http://)")
    for option, value in (
        ("--organisation", answers.organisation),
        ("--title", answers.title),
        ("--url", answers.base_url),
        ("--phone", answers.phone),
        ("--email", answers.email),
    ):
        # Each goes into one TOML string: a line break would end it and break publisher.toml.
        if any(ord(c) < 32 or 0x7F <= ord(c) < 0xA0 or c in "\u2028\u2029" for c in value):
            shown = value.splitlines()[0] if value.splitlines() else ""
            raise InitError(
                f"{option} '{shown}…' must be one line of text (no line break or control character); "
                "nothing was written"
            )
    if any(c.isspace() for c in answers.base_url):
        raise InitError(f"--url '{answers.base_url}' must be one address, without spaces")
    written: list[Path] = []
    for source in sorted(SCAFFOLD.rglob("*")):
        if source.is_dir() or "__pycache__" in source.parts:
            continue
        rel = source.relative_to(SCAFFOLD)
        dest = target / rel.with_name(RENAMES.get(rel.name, rel.name))
        dest.parent.mkdir(parents=True, exist_ok=True)
        if rel.name == "publisher.toml":
            title = answers.title or f"{answers.organisation} — information"
            text = source.read_text(encoding="utf-8")
            for marker, value in (
                ("@ORGANISATION@", answers.organisation),
                ("@TITLE@", title),
                ("@BASE_URL@", answers.base_url),
                ("@PHONE@", answers.phone),
                ("@EMAIL@", answers.email),
            ):
                text = text.replace(marker, _toml_text(value))
            if answers.cloud is not None:
                text += _channels(answers.cloud)
            dest.write_text(text, encoding="utf-8")
        else:
            shutil.copyfile(source, dest)
        written.append(dest)
    for name in EMPTY_DIRS:
        (target / name).mkdir(parents=True, exist_ok=True)
    return written
