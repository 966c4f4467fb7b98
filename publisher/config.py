"""publisher.toml → a typed, validated Config.

Every key is declared once in SCHEMA as an :class:`publisher.options.Option` (type, default,
help), the same schema type every channel declares its options with; unknown keys are errors with a
"did you mean", so a typo never silently falls back to a default. Secrets are never in the
file: a channel names the *environment variable* that holds its token.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from publisher import drill as drills
from publisher import lintwords
from publisher.channels import channel_type
from publisher.cli_text import Text
from publisher.errors import (
    ChannelLoadError,
    ChannelTypeError,
    ConfigError,
    Diagnostic,
    did_you_mean,
    display_path,
)
from publisher.options import LocalizedList, LocalizedText, Option, accepts, at_least, by_name
from publisher.people import People, parse_people

CONFIG_NAME = "publisher.toml"


CONFORMITY = ("full", "partial", "none")
# CAP 1.2 <category> values ([cap] categories; publisher/cap.py writes them).
CAP_CATEGORIES: tuple[str, ...] = (
    "Geo",
    "Met",
    "Safety",
    "Security",
    "Rescue",
    "Fire",
    "Health",
    "Env",
    "Transport",
    "Infra",
    "CBRNE",
    "Other",
)

# section -> key -> Option (type, default, help): the one place a config key is declared.
SCHEMA: dict[str, dict[str, Option]] = {
    "site": by_name(
        Option(
            "title",
            LocalizedText,
            {"en": "Service status", "fr": "État du service"},
            "site title shown on every page; a string or a table per language",
        ),
        Option("organisation", str, "", "who speaks (shown in the footer and social posts)"),
        Option("base_url", str, "http://localhost:8000/", "public URL of the status site"),
        Option("contact", str, "", "contact line for the accessibility statement and footer"),
        Option("phone", str, "", "fallback phone number shown to the public"),
    ),
    "languages": by_name(
        Option("source", str, "fr", "language updates are written in by default"),
        Option("targets", list, ["en"], "languages updates are translated into"),
    ),
    "time": by_name(
        Option("zone", str, "Europe/Paris", "IANA zone authors write local times in"),
    ),
    "paths": by_name(
        Option("content", str, "content", "content directory"),
        Option("locales", str, "locales", "gettext catalogs directory"),
        Option("templates", str, "templates", "template overrides (optional)"),
        Option("output", str, "public", "where the static site is built"),
        Option("state", str, ".publisher", "ledger, lock and caches"),
    ),
    "publish": by_name(
        Option("require_approval", bool, True, "hold updates nobody approved"),
        # None: true when [people] names two approvers or more (docs/approval.md).
        Option("two_person", bool, None, "the author may not approve their own update"),
        Option("ledger", str, ".publisher/ledger.db", "SQLite ledger path"),
        Option("max_attempts", int, 10, "give up a delivery after this many failures"),
    ),
    # The accessibility statement (déclaration d'accessibilité, RGAA / décret 2019-768),
    # linked from every page's footer. Defaults are the honest ones: without an audit, a
    # site is "non conforme" whatever automated tests say.
    "accessibility": by_name(
        Option("conformity", str, "none", "full | partial | none (totalement/partiellement/non conforme)"),
        Option("standard", str, "RGAA 4.1", "the reference the statement is made against"),
        Option("statement_date", str, "", "date the statement was made, YYYY-MM-DD"),
        Option("audit_date", str, "", "date of the last accessibility audit, YYYY-MM-DD ('' = none)"),
        Option("auditor", str, "", "who carried out the audit"),
        Option("compliance_rate", str, "", 'audit result, e.g. "87 %" of RGAA criteria met'),
        Option("contact_email", str, "", "address to report a problem or ask for an alternative"),
        Option("contact_url", str, "", "web form to report a problem (http or https)"),
        Option("non_accessible", LocalizedList, [], "known non-compliant content, one line each"),
        Option("derogations", LocalizedList, [], "content exempted for disproportionate burden"),
        Option("plan_url", str, "", "link to the multi-year accessibility plan (schéma pluriannuel)"),
    ),
    "lint": by_name(
        *(Option(key, list, words, "phrases check warns about") for key, words in lintwords.LISTS.items()),
        Option(
            "max_sentence_words",
            int,
            lintwords.MAX_SENTENCE_WORDS,
            "check warns about longer sentences (0: never)",
            check=at_least(0),
        ),
    ),
    "print": by_name(
        Option("phones", list, [], "extra numbers printed on the A4 notice"),
    ),
    # Drill mode (`publisher drill …`, publisher/drill.py): a rehearsal with its own site,
    # state and ledger; social channels on the accounts named in [drill.channels.<name>].
    "drill": by_name(
        Option("output", str, "drill/public", "where a drill builds its site (never the live one)"),
        Option("state", str, "drill/.publisher", "a drill's own ledger, lock and caches"),
        Option("outbox", str, "drill/outbox", "where a drill's posts wait when no drill account is named"),
        Option("base_url", str, "", "address of the drill's site in posts and feeds ('' = [site] base_url)"),
    ),
    # The CAP 1.2 alert feed (publisher/cap.py, docs/cap.md), written by every build.
    "cap": by_name(
        Option("sender", str, "", "CAP sender, globally unique (default: the status site's host name)"),
        Option(
            "area", LocalizedText, "", "areaDesc: the area the alerts concern, e.g. Rouen et agglomération"
        ),
        Option("geocodes", list, [], 'codes of that area as "name=value", e.g. "INSEE=76540"'),
        Option("categories", list, ["Health", "Infra"], "CAP categories of every alert"),
    ),
    "limits": by_name(
        Option("file_size", int, 4 * 1024 * 1024, "largest content, catalog or template file read, in bytes"),
    ),
    # Whom to call: shown as a fixed block on every incident page, the home page while an
    # incident is in progress, the banner, the print notice and every social post (ANSSI:
    # one contact point; WannaCry trusts: fallback numbers when the switchboard fails).
    "contacts": by_name(
        Option("emergency", str, "", 'number for a life-threatening emergency, e.g. "15"'),
        Option("switchboard", str, "", "switchboard number ('' = [site] phone)"),
        Option(
            "phones",
            LocalizedList,
            [],
            'fallback phone lines, each "Label: number", e.g. "Maternité: 02 32 88 80 00"',
        ),
        Option("email", str, "", "temporary e-mail address outside the organisation's own systems"),
        Option("hours", LocalizedText, "", "when the phone lines answer, e.g. 24 h/24"),
    ),
}

# An update may set any declared service to one of these (Statuspage's component states in
# the words a patient uses; the maintenance states for planned work).
SERVICE_STATES = ("operational", "degraded", "disrupted", "closed", "maintenance", "maintenance_planned")
SERVICE_KEYS = ("name", "group", "order")


@dataclass(frozen=True)
class ChannelConfig:
    name: str
    type: str
    enabled: bool
    options: Mapping[str, Any]
    line: int
    # Channels whose delivery must succeed in the same pass before this one sends anything
    # (posts link to the site's pages); None = the default rule of publish.waits_for.
    after: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Accessibility:
    """[accessibility], for the statement page and its checks (the localized lists are read
    with :meth:`Config.localized`)."""

    conformity: str
    standard: str
    statement_date: str
    audit_date: str
    auditor: str
    compliance_rate: str
    contact_email: str
    contact_url: str
    plan_url: str


@dataclass(frozen=True)
class ServiceConfig:
    """One service of the public grid, declared as ``[services.<id>]``."""

    id: str
    names: Mapping[str, str]  # language -> name (the source language is always there)
    groups: Mapping[str, str]  # language -> group name; empty: no group
    order: int
    line: int

    def name(self, lang: str, source: str) -> tuple[str, str]:
        """(name, language it is written in) for a page in `lang`."""
        return _pick(self.names, lang, source, self.id)

    def group(self, lang: str, source: str) -> tuple[str, str]:
        return _pick(self.groups, lang, source, "")


def _pick(table: Mapping[str, str], lang: str, source: str, default: str) -> tuple[str, str]:
    for candidate in (lang, source):
        if candidate in table:
            return table[candidate], candidate
    return default, source


@dataclass(frozen=True)
class Contact:
    """One line of the "whom to call" block: a phone number or an e-mail address."""

    kind: str  # emergency | switchboard | phone | email
    label: str  # the config's own label (fallback phones); '' = the UI's label for the kind
    label_lang: str
    value: str  # as written, shown to the reader

    @property
    def href(self) -> str:
        if self.kind == "email":
            return "mailto:" + self.value
        return "tel:" + tel_number(self.value)


def tel_number(number: str) -> str:
    """A written phone number as a tel: URI target (RFC 3966): digits, a leading +."""
    digits = re.sub(r"[^0-9]", "", number)
    return ("+" if number.strip().startswith("+") else "") + digits


@dataclass(frozen=True)
class Config:
    root: Path
    path: Path
    raw: Mapping[str, Mapping[str, Any]]
    channels: tuple[ChannelConfig, ...] = field(default=())
    drill: bool = False  # a rehearsal: separate output and state, every artifact marked
    people: People = field(default=People())
    services: tuple[ServiceConfig, ...] = field(default=())

    def service(self, service_id: str) -> ServiceConfig | None:
        return next((s for s in self.services if s.id == service_id), None)

    def contacts(self, lang: str) -> list[Contact]:
        """The "whom to call" lines for a page in `lang`, most urgent first."""
        c = self.raw.get("contacts", {})
        found: list[Contact] = []
        if c.get("emergency"):
            found.append(Contact("emergency", "", lang, str(c["emergency"])))
        switchboard = c.get("switchboard") or self.raw["site"].get("phone", "")
        if switchboard:
            found.append(Contact("switchboard", "", lang, str(switchboard)))
        if c.get("phones"):
            phones, phones_lang = self.localized("contacts", "phones", lang)
            for entry in phones:
                label, _sep, number = str(entry).rpartition(":")
                found.append(Contact("phone", label.strip(), phones_lang, number.strip()))
        if c.get("email"):
            found.append(Contact("email", "", lang, str(c["email"])))
        return found

    def contact_hours(self, lang: str) -> tuple[str, str]:
        if not self.raw.get("contacts", {}).get("hours"):
            return "", lang
        text, text_lang = self.localized("contacts", "hours", lang)
        return str(text), text_lang

    # [drill.channels.<name>] as written, and the line of each table ("" = [drill]), for
    # publisher.rehearsal, which builds the drill's config from them.
    drill_channels: Mapping[str, Any] = field(default_factory=dict)
    drill_lines: Mapping[str, int] = field(default_factory=dict)

    def get(self, section: str, key: str) -> Any:
        """Untyped, for project templates written against it; code uses the accessors below."""
        return self.raw[section][key]

    # Typed reads of a validated value (load_config checked it against SCHEMA).
    def text(self, section: str, key: str) -> str:
        value = self.raw[section][key]
        assert isinstance(value, str), (section, key)
        return value

    def flag(self, section: str, key: str) -> bool:
        value = self.raw[section][key]
        assert isinstance(value, bool), (section, key)
        return value

    def integer(self, section: str, key: str) -> int:
        value = self.raw[section][key]
        assert isinstance(value, int), (section, key)
        return value

    def strings(self, section: str, key: str) -> tuple[str, ...]:
        value = self.raw.get(section, {}).get(key, [])
        assert isinstance(value, list), (section, key)
        return tuple(str(v) for v in value)

    @property
    def organisation(self) -> str:
        return self.text("site", "organisation")

    @property
    def contact(self) -> str:
        return self.text("site", "contact")

    @property
    def phone(self) -> str:
        return self.text("site", "phone")

    @property
    def require_approval(self) -> bool:
        return self.flag("publish", "require_approval")

    @property
    def max_attempts(self) -> int:
        return self.integer("publish", "max_attempts")

    @property
    def accessibility(self) -> Accessibility:
        a = self.raw["accessibility"]
        return Accessibility(**{f: str(a[f]) for f in Accessibility.__dataclass_fields__})

    # The names every stage uses, so no module spells a section/key pair itself.
    @property
    def site_title(self) -> str:
        """The site title in the source language (see :meth:`site_title_for`)."""
        return self.site_title_for(self.source_lang)[0]

    def site_title_for(self, lang: str) -> tuple[str, str]:
        """(title, language it is written in) for a page in `lang`."""
        text, text_lang = self.localized("site", "title", lang)
        return str(text), text_lang

    def localized(self, section: str, key: str, lang: str) -> tuple[Any, str]:
        """A LocalizedText/LocalizedList value for `lang`, and the language it is in.

        A plain value is in the source language; a table falls back to its source-language
        entry (then to its first entry) when `lang` is missing.
        """
        value = self.get(section, key)
        if not isinstance(value, dict):
            return value, self.source_lang
        for candidate in (lang, self.source_lang):
            if candidate in value:
                return value[candidate], candidate
        first = next(iter(value))
        return value[first], first

    @property
    def base_url(self) -> str:
        return self.text("site", "base_url").rstrip("/") + "/"

    @property
    def source_lang(self) -> str:
        return self.text("languages", "source")

    @property
    def target_langs(self) -> tuple[str, ...]:
        return self.strings("languages", "targets")

    @property
    def languages(self) -> tuple[str, ...]:
        return (self.source_lang,) + tuple(t for t in self.target_langs if t != self.source_lang)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.text("time", "zone"))

    @property
    def file_size_limit(self) -> int:
        return self.integer("limits", "file_size")

    def dir(self, key: str) -> Path:
        return (self.root / self.text("paths", key)).resolve()

    # What lives in the state directory ([paths] state): named here, so no module spells it.
    @property
    def state_dir(self) -> Path:
        return self.dir("state")

    def cache_path(self, name: str) -> Path:
        """A cache of one build step (render, print, content.pickle...): safe to delete."""
        return self.state_dir / "cache" / name

    @property
    def lock_path(self) -> Path:
        """The lock publish and rollback hold (publisher/lock.py)."""
        return self.state_dir / "publish.lock"

    @property
    def ledger_path(self) -> Path:
        return (self.root / self.text("publish", "ledger")).resolve()

    @property
    def two_person(self) -> bool:
        """Author ≠ approver: as configured, else on when two people or more may approve."""
        value = self.get("publish", "two_person")
        if value is None:
            return len(self.people.with_role("approver")) >= 2
        return bool(value)

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


def load_config(root: Path, path: Path | None = None) -> Config:
    """Read and validate the project's config; defaults when the file is absent.

    A drill's config is made from this one by :func:`publisher.rehearsal.rehearsal`."""
    root = root.resolve()
    path = path or root / CONFIG_NAME
    shown = display_path(path, root)
    text = ""
    data: dict[str, Any] = {}
    if path.exists() or path.is_symlink():
        text = _read_text(path, root, shown)
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            m = re.search(r"line (\d+)", str(exc))
            raise ConfigError(
                [
                    Diagnostic(
                        shown,
                        int(m.group(1)) if m else 1,
                        Text("not valid TOML: {error}", error=str(exc)),
                        Text("fix the syntax; strings need quotes, sections look like [site]"),
                    )
                ]
            ) from exc
    problems: list[Diagnostic] = []
    raw: dict[str, dict[str, Any]] = {}
    drill_tables = drills.tables(data)
    sections = tuple(SCHEMA) + ("channels", "people", "services")
    for section in data:
        if section not in sections:
            problems.append(
                Diagnostic(
                    shown,
                    line_of(text, section),
                    Text("unknown section [{section}]", section=section),
                    Text(
                        "{did_you_mean}known sections: {sections}",
                        did_you_mean=did_you_mean(section, sections),
                        sections=", ".join(sections),
                    ),
                )
            )
    for section, keys in SCHEMA.items():
        given = data.get(section, {})
        if not isinstance(given, dict):
            problems.append(
                Diagnostic(
                    shown,
                    line_of(text, section),
                    Text("[{section}] must be a table", section=section),
                    Text("write [{section}]", section=section),
                )
            )
            given = {}
        raw[section] = {}
        for key in given:
            if key not in keys:
                problems.append(
                    Diagnostic(
                        shown,
                        line_of(text, section, key),
                        Text("unknown key '{key}' in [{section}]", key=key, section=section),
                        Text(
                            "{did_you_mean}known keys: {keys}",
                            did_you_mean=did_you_mean(key, tuple(keys)),
                            keys=", ".join(keys),
                        ),
                    )
                )
        for key, option in keys.items():
            value = given.get(key, option.default)
            if key in given and not accepts(option.type, value):
                problems.append(
                    Diagnostic(
                        shown,
                        line_of(text, section, key),
                        Text(
                            "[{section}] {key} must be a {type}, not {given}",
                            section=section,
                            key=key,
                            type=option.type_name,
                            given=type(value).__name__,
                        ),
                        option.hint(),
                    )
                )
                value = option.default
            elif key in given:
                # The option's own rule (choices, a range): the same as channel options get.
                problem = option.problem(value)
                if problem is not None:
                    problems.append(
                        Diagnostic(
                            shown,
                            line_of(text, section, key),
                            Text("[{section}] {problem}", section=section, problem=problem[1]),
                            problem[2],
                        )
                    )
                    value = option.default
            raw[section][key] = value
    try:
        ZoneInfo(raw["time"]["zone"])
    except (ZoneInfoNotFoundError, ValueError):
        problems.append(
            Diagnostic(
                shown,
                line_of(text, "time", "zone"),
                Text("unknown time zone '{zone}'", zone=raw["time"]["zone"]),
                Text('use an IANA name, e.g. zone = "Europe/Paris"'),
            )
        )
    if re.search(r"[\s\"'<>\\]", raw["site"]["base_url"]):
        # It is written into robots.txt, sitemaps and feeds: a newline would add lines there.
        problems.append(
            Diagnostic(
                shown,
                line_of(text, "site", "base_url"),
                Text("base_url must be one URL, without spaces, line breaks, quotes or < >"),
                Text('e.g. base_url = "https://status.example.org/"'),
            )
        )
    elif not re.match(r"^https?://", raw["site"]["base_url"]):
        problems.append(
            Diagnostic(
                shown,
                line_of(text, "site", "base_url"),
                Text("base_url must start with http:// or https://"),
                Text('e.g. base_url = "https://status.example.org/"'),
            )
        )
    if _check_languages(raw, text, shown, problems):
        _check_localized(raw, text, shown, problems)
    _check_accessibility(raw["accessibility"], text, shown, problems)
    _check_cap(raw["cap"], text, shown, problems)
    _check_contacts(raw["contacts"], text, shown, problems)
    channels = _channels(data.get("channels", {}), text, shown, problems)
    people = parse_people(data.get("people", {}), partial(line_of, text), shown, problems)
    languages = [raw["languages"]["source"], *raw["languages"]["targets"]]
    services = _services(data.get("services", {}), languages, text, shown, problems)
    if not problems:
        _check_targets(root, raw, channels, text, shown, problems)
    config = Config(
        root=root, path=path, raw=raw, channels=channels, people=People(people), services=services
    )
    problems.extend(_check_drill(config, drill_tables, text, shown))
    if problems:
        raise ConfigError(problems)
    lines = {name: line_of(text, f"drill.channels.{name}") for name in drill_tables}
    return replace(config, drill_channels=drill_tables, drill_lines={"": line_of(text, "drill"), **lines})


def _check_drill(config: Config, given: Any, text: str, shown: str) -> list[Diagnostic]:
    """[drill] and its [drill.channels.*] tables (checked on every load: a broken drill
    table is found by `publisher check`, not on the day of the exercise)."""
    problems: list[Diagnostic] = []
    live = {"output": config.dir("output"), "state": config.dir("state")}
    for key in ("output", "state"):
        mine = (config.root / str(config.get("drill", key))).resolve()
        for name, other in live.items():
            if mine == other or other in mine.parents or mine in other.parents:
                where = (
                    "the live site ([paths] output)" if name == "output" else "the live state ([paths] state)"
                )
                problems.append(
                    Diagnostic(
                        shown,
                        line_of(text, "drill", key),
                        Text(
                            "[drill] {key} must differ from {where}: a drill never writes there",
                            key=key,
                            where=where,
                        ),
                        Text(
                            'e.g. {key} = "drill/{directory}"',
                            key=key,
                            directory="public" if key == "output" else ".publisher",
                        ),
                    )
                )
    if not isinstance(given, dict):
        problems.append(
            Diagnostic(
                shown,
                line_of(text, "drill"),
                Text("[drill] channels must hold tables like [drill.channels.bluesky]"),
                "",
            )
        )
        return problems
    for name, options in given.items():
        line = line_of(text, f"drill.channels.{name}")
        live_channel = config.channel(name)
        if live_channel is None:
            problems.append(
                Diagnostic(
                    shown,
                    line,
                    Text(
                        "[drill.channels.{name}] names no channel: a drill rehearses the channels of "
                        "[channels]",
                        name=name,
                    ),
                    Text(
                        "name one of: {names}",
                        names=", ".join(c.name for c in config.channels) or "(none configured)",
                    ),
                )
            )
            continue
        if not isinstance(options, dict):
            problems.append(
                Diagnostic(shown, line, Text("drill.channels.{name} must be a table", name=name), "")
            )
            continue
        try:
            cls = channel_type(live_channel.type)
        except Exception:
            continue  # already reported for [channels.<name>]
        for key, message, hint in cls.validate_options(options):
            problems.append(
                Diagnostic(
                    shown,
                    line_of(text, f"drill.channels.{name}", key),
                    Text("[drill.channels.{name}] {message}", name=name, message=message),
                    hint,
                )
            )
    return problems


def _read_text(path: Path, root: Path, shown: str) -> str:
    """publisher.toml as text, or one ConfigError naming the line (never a traceback)."""
    from publisher import markup
    from publisher.errors import FileRefused
    from publisher.fsutil import read_project_file

    try:
        data = read_project_file(path, root if path.is_relative_to(root) else path.parent)
    except FileRefused as exc:
        raise ConfigError([Diagnostic(shown, 0, exc.message, exc.hint)]) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(
            [
                Diagnostic(
                    shown,
                    data[: exc.start].count(b"\n") + 1,
                    Text("not UTF-8 text (byte 0x{byte:02x})", byte=data[exc.start]),
                    Text("save publisher.toml as UTF-8 (in most editors: File > Save with encoding)"),
                )
            ]
        ) from None
    bad = markup.xml_forbidden(text.replace("\r", ""))
    if bad is not None:
        raise ConfigError(
            [
                Diagnostic(
                    shown,
                    bad[0],
                    Text("contains the control character {bad}", bad=bad[1]),
                    Text("delete it (it is often invisible: retype the line)"),
                )
            ]
        )
    return text


def _check_languages(
    raw: dict[str, dict[str, Any]], text: str, shown: str, problems: list[Diagnostic]
) -> bool:
    """Every language is one Babel knows (it formats its dates) and a safe path component."""
    from babel import Locale, UnknownLocaleError

    ok = True
    for key, codes in (("source", [raw["languages"]["source"]]), ("targets", raw["languages"]["targets"])):
        for code in codes:
            try:
                valid = bool(re.fullmatch(r"[a-z]{2,3}(_[A-Z]{2})?", code)) and Locale.parse(code) is not None
            except (UnknownLocaleError, ValueError, TypeError):
                valid = False
            if not valid:
                ok = False
                problems.append(
                    Diagnostic(
                        shown,
                        line_of(text, "languages", key),
                        Text(
                            "[languages] {key}: '{code}' is not a language code publisher knows",
                            key=key,
                            code=code,
                        ),
                        Text(
                            "use a lower-case ISO 639 code such as fr, en, de, es, ar "
                            "(optionally with a region: pt_BR)"
                        ),
                    )
                )
    return ok


def _check_targets(
    root: Path,
    raw: dict[str, dict[str, Any]],
    channels: tuple[ChannelConfig, ...],
    text: str,
    shown: str,
    problems: list[Diagnostic],
) -> None:
    """Directories publisher replaces and prunes may hold nothing else of the project.

    `[paths] output` pointing at `content` (or `.`) was swapped with the built site and then
    removed by the next build: every site directory is checked before anything is written.
    """
    from publisher.release import unsafe_target

    protected = {
        key: (root / raw["paths"][key]).resolve() for key in ("content", "locales", "templates", "state")
    }
    targets = [("paths", "output", str(raw["paths"]["output"]))]
    for ch in channels:
        if ch.type == "directory":  # the website channels that swap directories locally
            for key in ("path", "releases"):
                if isinstance(ch.options.get(key), str):
                    targets.append((f"channels.{ch.name}", key, ch.options[key]))
    for section, key, value in targets:
        why = Text("is empty") if not value.strip() else None
        why = why or unsafe_target(root / value, root, protected, relative=not Path(value).is_absolute())
        if why is not None:
            problems.append(
                Diagnostic(
                    shown,
                    line_of(text, section, key),
                    Text(
                        "[{section}] {key} = {value!r} {why}: publisher replaces and prunes that directory",
                        section=section,
                        key=key,
                        value=value,
                        why=why,
                    ),
                    Text(
                        'use a directory of its own, e.g. output = "public" (or an absolute path such as '
                        '"/var/www/status")'
                    ),
                )
            )


def _check_localized(
    raw: dict[str, dict[str, Any]], text: str, shown: str, problems: list[Diagnostic]
) -> None:
    """Per-language tables name configured languages and include the source language."""
    languages = [raw["languages"]["source"], *raw["languages"]["targets"]]
    for section, keys in SCHEMA.items():
        for key, option in keys.items():
            value = raw[section][key]
            if option.type not in (LocalizedText, LocalizedList) or not isinstance(value, dict):
                continue
            if value is option.default:
                continue  # the built-in defaults carry more languages than a site uses
            line = line_of(text, section, key)
            if line == line_of(text, section):  # written as a [section.key] sub-table
                line = line_of(text, f"{section}.{key}")
            for lang in value:
                if lang not in languages:
                    problems.append(
                        Diagnostic(
                            shown,
                            line,
                            Text(
                                "[{section}] {key} has an entry for '{lang}', "
                                "which is not a configured language",
                                section=section,
                                key=key,
                                lang=lang,
                            ),
                            Text(
                                "{did_you_mean}configured languages: {languages} (see [languages])",
                                did_you_mean=did_you_mean(lang, languages),
                                languages=", ".join(languages),
                            ),
                        )
                    )
            if languages[0] not in value:
                problems.append(
                    Diagnostic(
                        shown,
                        line,
                        Text(
                            "[{section}] {key} has no entry for the source language '{source}'",
                            section=section,
                            key=key,
                            source=languages[0],
                        ),
                        Text('add {source} = "...": other languages fall back to it', source=languages[0]),
                    )
                )


_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _check_accessibility(given: dict[str, Any], text: str, shown: str, problems: list[Diagnostic]) -> None:
    if given["conformity"] not in CONFORMITY:
        problems.append(
            Diagnostic(
                shown,
                line_of(text, "accessibility", "conformity"),
                Text(
                    "[accessibility] conformity must be one of {choices}, not '{value}'",
                    choices=", ".join(CONFORMITY),
                    value=given["conformity"],
                ),
                Text(
                    "{did_you_mean}'none' until an audit has been made, then what the audit found",
                    did_you_mean=did_you_mean(given["conformity"], CONFORMITY),
                ),
            )
        )
    for key in ("statement_date", "audit_date"):
        value = given[key]
        if value and not _DATE.match(value):
            problems.append(
                Diagnostic(
                    shown,
                    line_of(text, "accessibility", key),
                    Text(
                        "[accessibility] {key} must be a date written YYYY-MM-DD, not '{value}'",
                        key=key,
                        value=value,
                    ),
                    Text('e.g. {key} = "2026-11-30"', key=key),
                )
            )
    for key in ("contact_url", "plan_url"):
        value = given[key]
        if value and not re.match(r"^https?://", value):
            problems.append(
                Diagnostic(
                    shown,
                    line_of(text, "accessibility", key),
                    Text("[accessibility] {key} must start with http:// or https://", key=key),
                    Text('e.g. {key} = "https://www.example.org/accessibilite"', key=key),
                )
            )
    if given["conformity"] in ("full", "partial") and not given["audit_date"]:
        # RGAA: without a valid audit a site is declared "non conforme".
        problems.append(
            Diagnostic(
                shown,
                line_of(text, "accessibility", "conformity"),
                Text(
                    '[accessibility] conformity = "{conformity}" needs the audit that established it',
                    conformity=given["conformity"],
                ),
                Text(
                    'set audit_date (and auditor, compliance_rate), or conformity = "none": '
                    "automated tests alone do not establish conformity"
                ),
            )
        )


def _check_cap(given: dict[str, Any], text: str, shown: str, problems: list[Diagnostic]) -> None:
    for category in given["categories"]:
        if category not in CAP_CATEGORIES:
            problems.append(
                Diagnostic(
                    shown,
                    line_of(text, "cap", "categories"),
                    Text("[cap] categories: '{category}' is not a CAP 1.2 category", category=category),
                    Text(
                        "{did_you_mean}CAP categories: {categories}",
                        did_you_mean=did_you_mean(category, CAP_CATEGORIES),
                        categories=", ".join(CAP_CATEGORIES),
                    ),
                )
            )
    for code in given["geocodes"]:
        name, sep, value = code.partition("=")
        if not (sep and name.strip() and value.strip()):
            problems.append(
                Diagnostic(
                    shown,
                    line_of(text, "cap", "geocodes"),
                    Text("[cap] geocodes: '{code}' is not written name=value", code=code),
                    Text('e.g. geocodes = ["INSEE=76540"] (the scheme name, "=", the code)'),
                )
            )
    sender = given["sender"]
    if sender and re.search(r"[\s,<&]", sender):
        problems.append(
            Diagnostic(
                shown,
                line_of(text, "cap", "sender"),
                Text("[cap] sender may not contain spaces, commas, '<' or '&' (CAP 1.2)"),
                Text('use a domain name, e.g. sender = "status.chu-rouen.example"'),
            )
        )


def _channels(given: Any, text: str, shown: str, problems: list[Diagnostic]) -> tuple[ChannelConfig, ...]:
    if not isinstance(given, dict):
        problems.append(
            Diagnostic(
                shown,
                line_of(text, "channels"),
                Text("[channels] must hold tables like [channels.website]"),
                "",
            )
        )
        return ()
    result = []
    for name, table in given.items():
        line = line_of(text, f"channels.{name}")
        if not isinstance(table, dict):
            problems.append(
                Diagnostic(
                    shown,
                    line,
                    Text("channels.{name} must be a table", name=name),
                    Text("write [channels.{name}] and its keys below it", name=name),
                )
            )
            continue
        options = dict(table)
        kind = options.pop("type", name)
        enabled = options.pop("enabled", True)
        after = options.pop("after", None)
        if after is not None and not (isinstance(after, list) and all(isinstance(a, str) for a in after)):
            problems.append(
                Diagnostic(
                    shown,
                    line_of(text, f"channels.{name}", "after"),
                    Text("[channels.{name}] after must be a list of channel names", name=name),
                    Text('e.g. after = ["website"] (or after = [] to wait for nothing)'),
                )
            )
            after = None
        elif after is not None:
            for other in after:
                if other not in given or other == name:
                    problems.append(
                        Diagnostic(
                            shown,
                            line_of(text, f"channels.{name}", "after"),
                            Text(
                                "[channels.{name}] after names '{other}', which is this channel",
                                name=name,
                                other=other,
                            )
                            if other == name
                            else Text(
                                "[channels.{name}] after names '{other}', "
                                "which is not a channel of publisher.toml",
                                name=name,
                                other=other,
                            ),
                            Text(
                                "{did_you_mean}name channels declared as [channels.<name>]",
                                did_you_mean=did_you_mean(other, tuple(n for n in given if n != name)),
                            ),
                        )
                    )
        try:
            cls = channel_type(str(kind))
        except ChannelTypeError as exc:
            message: str = (
                Text("[channels.{name}] {error}", name=name, error=exc.args[0])
                if isinstance(exc, ChannelLoadError)
                else Text("{error} for [channels.{name}]", error=exc.args[0], name=name)
            )
            problems.append(Diagnostic(shown, line, message, exc.hint))
            continue
        for key, message, hint in cls.validate_options(options):
            problems.append(
                Diagnostic(
                    shown,
                    line_of(text, f"channels.{name}", key),
                    Text("[channels.{name}] {message}", name=name, message=message),
                    hint,
                )
            )
        result.append(
            ChannelConfig(
                name, kind, bool(enabled), options, line, tuple(after) if after is not None else None
            )
        )
    return tuple(result)


_SERVICE_ID = re.compile(r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$")
_PHONE = re.compile(r"^\+?[0-9][0-9 .\-()]{1,30}$")


def _check_contacts(given: dict[str, Any], text: str, shown: str, problems: list[Diagnostic]) -> None:
    for key in ("emergency", "switchboard"):
        if given[key] and not _PHONE.match(given[key]):
            problems.append(
                Diagnostic(
                    shown,
                    line_of(text, "contacts", key),
                    Text("[contacts] {key} '{given}' is not a phone number", key=key, given=given[key]),
                    Text(
                        'write digits, spaces and an optional leading +, e.g. {key} = "02 32 88 89 90"',
                        key=key,
                    ),
                )
            )
    phones = given["phones"]
    for entries in phones.values() if isinstance(phones, dict) else [phones]:
        for entry in entries:
            label, sep, number = entry.rpartition(":")
            if not sep or not label.strip() or not _PHONE.match(number.strip()):
                problems.append(
                    Diagnostic(
                        shown,
                        line_of(text, "contacts", "phones"),
                        Text("[contacts] phones entry '{entry}' is not \"Label: number\"", entry=entry),
                        Text('write each line as "Label: number", e.g. "Maternité: 02 32 88 80 00"'),
                    )
                )
    email = given["email"]
    if email and not re.fullmatch(r"[^@\s<>\"]+@[^@\s<>\"]+\.[^@\s<>\"]+", email):
        problems.append(
            Diagnostic(
                shown,
                line_of(text, "contacts", "email"),
                Text("[contacts] email '{email}' is not an e-mail address", email=email),
                Text('e.g. email = "crise.chu@example.org" (an address outside your own systems)'),
            )
        )


def _services(
    given: Any, languages: list[str], text: str, shown: str, problems: list[Diagnostic]
) -> tuple[ServiceConfig, ...]:
    """[services.<id>] tables: name (string or per-language table), optional group and order."""
    if not isinstance(given, dict):
        problems.append(
            Diagnostic(
                shown,
                line_of(text, "services"),
                Text("[services] must hold tables like [services.urgences]"),
                Text(
                    'write [services.urgences] then name = {{ fr = "Urgences", en = "Emergency department" }}'
                ),
            )
        )
        return ()
    found: list[ServiceConfig] = []
    for position, (sid, table) in enumerate(given.items()):
        line = line_of(text, f"services.{sid}")
        if not isinstance(table, dict):
            problems.append(
                Diagnostic(
                    shown,
                    line,
                    Text("services.{sid} must be a table", sid=sid),
                    Text('write [services.{sid}] and below it name = "..."', sid=sid),
                )
            )
            continue
        if not _SERVICE_ID.match(sid):
            problems.append(
                Diagnostic(
                    shown,
                    line,
                    Text("service id '{sid}' must be lower-case letters and digits (with - or _)", sid=sid),
                    Text("it is what updates write under services:, e.g. [services.urgences]"),
                )
            )
        for key in table:
            if key not in SERVICE_KEYS:
                problems.append(
                    Diagnostic(
                        shown,
                        line_of(text, f"services.{sid}", key),
                        Text("unknown key '{key}' in [services.{sid}]", key=key, sid=sid),
                        Text(
                            "{did_you_mean}known keys: {keys}",
                            did_you_mean=did_you_mean(key, SERVICE_KEYS),
                            keys=", ".join(SERVICE_KEYS),
                        ),
                    )
                )
        tables: dict[str, dict[str, str]] = {}
        for key in ("name", "group"):
            value = table.get(key, "" if key == "group" else None)
            if value is None:
                problems.append(
                    Diagnostic(
                        shown,
                        line,
                        Text("[services.{sid}] has no name", sid=sid),
                        Text(
                            'add name = "..." (or a table per language: name = {{ {source} = "..." }})',
                            source=languages[0],
                        ),
                    )
                )
                value = sid
            if isinstance(value, str):
                tables[key] = {languages[0]: value} if value else {}
            elif isinstance(value, dict) and value and all(isinstance(v, str) for v in value.values()):
                tables[key] = dict(value)
                unknown = [lang for lang in value if lang not in languages]
                if unknown or languages[0] not in value:
                    problems.append(
                        Diagnostic(
                            shown,
                            line_of(text, f"services.{sid}", key),
                            Text(
                                "[services.{sid}] {key} must have an entry for '{source}' and "
                                "only configured languages ({languages})",
                                sid=sid,
                                key=key,
                                source=languages[0],
                                languages=", ".join(languages),
                            ),
                            Text('e.g. {key} = {{ {source} = "..." }}', key=key, source=languages[0]),
                        )
                    )
            else:
                problems.append(
                    Diagnostic(
                        shown,
                        line_of(text, f"services.{sid}", key),
                        Text(
                            "[services.{sid}] {key} must be a string, or a table of language = string",
                            sid=sid,
                            key=key,
                        ),
                        Text('e.g. {key} = {{ {source} = "..." }}', key=key, source=languages[0]),
                    )
                )
                tables[key] = {languages[0]: sid} if key == "name" else {}
        order = table.get("order", position)
        if isinstance(order, bool) or not isinstance(order, int):
            problems.append(
                Diagnostic(
                    shown,
                    line_of(text, f"services.{sid}", "order"),
                    Text("[services.{sid}] order must be an integer", sid=sid),
                    Text("e.g. order = 1 (smaller first; default: the order in this file)"),
                )
            )
            order = position
        found.append(ServiceConfig(sid, tables["name"], tables["group"], order, line))
    return tuple(sorted(found, key=lambda s: s.order))
