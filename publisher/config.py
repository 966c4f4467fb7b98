"""publisher.toml → a typed, validated Config.

Every key is declared once in SCHEMA (type, default, help); unknown keys are errors with a
"did you mean", so a typo never silently falls back to a default. Secrets are never in the
file: a channel names the *environment variable* that holds its token.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from publisher import lintwords
from publisher.errors import ConfigError, Diagnostic, did_you_mean, display_path

CONFIG_NAME = "publisher.toml"

# section -> key -> (type, default, help)
SCHEMA: dict[str, dict[str, tuple[type, Any, str]]] = {
    "site": {
        "title": (str, "Service status", "site title shown on every page"),
        "organisation": (str, "", "who speaks (shown in the footer and social posts)"),
        "base_url": (str, "http://localhost:8000/", "public URL of the status site"),
        "contact": (str, "", "contact line for the accessibility statement and footer"),
        "phone": (str, "", "fallback phone number shown to the public"),
    },
    "languages": {
        "source": (str, "fr", "language updates are written in by default"),
        "targets": (list, ["en"], "languages updates are translated into"),
    },
    "time": {
        "zone": (str, "Europe/Paris", "IANA zone authors write local times in"),
    },
    "paths": {
        "content": (str, "content", "content directory"),
        "locales": (str, "locales", "gettext catalogs directory"),
        "templates": (str, "templates", "template overrides (optional)"),
        "output": (str, "public", "where the static site is built"),
        "state": (str, ".publisher", "ledger, lock and caches"),
    },
    "publish": {
        "require_approval": (bool, True, "hold updates without approved_by"),
        "ledger": (str, ".publisher/ledger.db", "SQLite ledger path"),
        "max_attempts": (int, 10, "give up a delivery after this many failures"),
    },
    "lint": {key: (list, words, "phrases check warns about") for key, words in lintwords.LISTS.items()},
    "print": {
        "phones": (list, [], "extra numbers printed on the A4 notice"),
    },
}


@dataclass(frozen=True)
class ChannelConfig:
    name: str
    type: str
    enabled: bool
    options: Mapping[str, Any]
    line: int


@dataclass(frozen=True)
class Config:
    root: Path
    path: Path
    raw: Mapping[str, Mapping[str, Any]]
    channels: tuple[ChannelConfig, ...] = field(default=())

    def get(self, section: str, key: str) -> Any:
        return self.raw[section][key]

    # The names every stage uses, so no module spells a section/key pair itself.
    @property
    def site_title(self) -> str:
        return str(self.get("site", "title"))

    @property
    def base_url(self) -> str:
        return str(self.get("site", "base_url")).rstrip("/") + "/"

    @property
    def source_lang(self) -> str:
        return str(self.get("languages", "source"))

    @property
    def target_langs(self) -> tuple[str, ...]:
        return tuple(self.get("languages", "targets"))

    @property
    def languages(self) -> tuple[str, ...]:
        return (self.source_lang,) + tuple(
            t for t in self.target_langs if t != self.source_lang
        )

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.get("time", "zone"))

    def dir(self, key: str) -> Path:
        return (self.root / self.get("paths", key)).resolve()

    @property
    def ledger_path(self) -> Path:
        return (self.root / self.get("publish", "ledger")).resolve()

    def channel(self, name: str) -> ChannelConfig | None:
        return next((c for c in self.channels if c.name == name), None)


def line_of(text: str, section: str, key: str | None = None) -> int:
    """Best line for a TOML section/key: tomllib keeps no positions."""
    lines = text.splitlines()
    start = 0
    header = re.compile(r"^\s*\[\s*" + re.escape(section).replace(r"\.", r"\s*\.\s*") + r"\s*\]")
    for i, line in enumerate(lines):
        if header.match(line):
            start = i
            if key is None:
                return i + 1
            break
    if key is not None:
        pattern = re.compile(r"^\s*" + re.escape(key) + r"\s*=")
        for i in range(start, len(lines)):
            if pattern.match(lines[i]):
                return i + 1
    return start + 1 if start else 1


def _check_type(value: Any, expected: type) -> bool:
    if expected is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if expected is list:
        return isinstance(value, list) and all(isinstance(v, str) for v in value)
    return isinstance(value, expected)


def load_config(root: Path, path: Path | None = None) -> Config:
    """Read and validate the project's config; defaults when the file is absent."""
    root = root.resolve()
    path = path or root / CONFIG_NAME
    shown = display_path(path, root)
    text = ""
    data: dict[str, Any] = {}
    if path.exists():
        text = path.read_text(encoding="utf-8")
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            m = re.search(r"line (\d+)", str(exc))
            raise ConfigError(
                [Diagnostic(shown, int(m.group(1)) if m else 1, f"not valid TOML: {exc}",
                            "fix the syntax; strings need quotes, sections look like [site]")]
            ) from exc
    problems: list[Diagnostic] = []
    raw: dict[str, dict[str, Any]] = {}
    sections = tuple(SCHEMA) + ("channels",)
    for section in data:
        if section not in sections:
            problems.append(Diagnostic(
                shown, line_of(text, section), f"unknown section [{section}]",
                f"{did_you_mean(section, sections)}known sections: {', '.join(sections)}"))
    for section, keys in SCHEMA.items():
        given = data.get(section, {})
        if not isinstance(given, dict):
            problems.append(Diagnostic(shown, line_of(text, section),
                                       f"[{section}] must be a table", f"write [{section}]"))
            given = {}
        raw[section] = {}
        for key in given:
            if key not in keys:
                problems.append(Diagnostic(
                    shown, line_of(text, section, key), f"unknown key '{key}' in [{section}]",
                    f"{did_you_mean(key, tuple(keys))}known keys: {', '.join(keys)}"))
        for key, (kind, default, _help) in keys.items():
            value = given.get(key, default)
            if not _check_type(value, kind):
                problems.append(Diagnostic(
                    shown, line_of(text, section, key),
                    f"[{section}] {key} must be a {kind.__name__}, not {type(value).__name__}",
                    f"for example: {key} = {default!r}".replace("'", '"').replace("True", "true")))
                value = default
            raw[section][key] = value
    try:
        ZoneInfo(raw["time"]["zone"])
    except (ZoneInfoNotFoundError, ValueError):
        problems.append(Diagnostic(shown, line_of(text, "time", "zone"),
                                   f"unknown time zone '{raw['time']['zone']}'",
                                   'use an IANA name, e.g. zone = "Europe/Paris"'))
    if not re.match(r"^https?://", raw["site"]["base_url"]):
        problems.append(Diagnostic(shown, line_of(text, "site", "base_url"),
                                   "base_url must start with http:// or https://",
                                   'e.g. base_url = "https://status.example.org/"'))
    channels = _channels(data.get("channels", {}), text, shown, problems)
    if problems:
        raise ConfigError(problems)
    return Config(root=root, path=path, raw=raw, channels=channels)


def _channels(given: Any, text: str, shown: str,
              problems: list[Diagnostic]) -> tuple[ChannelConfig, ...]:
    from publisher.channels import channel_type, channel_types

    if not isinstance(given, dict):
        problems.append(Diagnostic(shown, line_of(text, "channels"),
                                   "[channels] must hold tables like [channels.website]", ""))
        return ()
    result = []
    for name, table in given.items():
        line = line_of(text, f"channels.{name}")
        if not isinstance(table, dict):
            problems.append(Diagnostic(shown, line, f"channels.{name} must be a table",
                                       f"write [channels.{name}] and its keys below it"))
            continue
        options = dict(table)
        kind = options.pop("type", name)
        enabled = options.pop("enabled", True)
        try:
            cls = channel_type(str(kind))
        except Exception:
            known = channel_types()  # only now import them all, for the hint
            problems.append(Diagnostic(
                shown, line, f"unknown channel type '{kind}' for [channels.{name}]",
                f"{did_you_mean(str(kind), tuple(known))}known types: {', '.join(sorted(known))}"))
            continue
        for key, message, hint in cls.validate_options(options):
            problems.append(Diagnostic(shown, line_of(text, f"channels.{name}", key),
                                       f"[channels.{name}] {message}", hint))
        result.append(ChannelConfig(name, kind, bool(enabled), options, line))
    return tuple(result)
