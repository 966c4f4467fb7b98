"""Content files → model. Every problem becomes a Diagnostic with path:line and a fix.

Loading never stops at the first problem: a broken update is left out (and reported) while
the valid updates of the same incident still load, because a typo in one file must not hold
back an urgent statement in another.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from publisher import sourcefile
from publisher.cli_text import Text
from publisher.config import SERVICE_STATES, Config
from publisher.errors import Diagnostic, did_you_mean, display_path, guarded
from publisher.fsutil import PickledTable
from publisher.model import IMPACTS, STATUSES, Incident, Instruction, ServiceChange, Site, Update
from publisher.timeutil import LocalTimeError, parse_local, parse_stem

if TYPE_CHECKING:
    # Imported where a file is actually parsed: the every-minute run reads every file from
    # the parse cache and must not pay for PyYAML and markdown-it (python -X importtime).
    from publisher import frontmatter

INCIDENT_FILE = "incident.md"
INCIDENT_ID = re.compile(r"^(\d{4}-\d{2}-\d{2})-([a-z0-9]+(?:-[a-z0-9]+)*)$")
# The id names catalogs (<id>.pot), pages and archives (print/<id>-<lang>.html…): a name the
# file system accepts for the directory can still be too long for what is derived from it.
INCIDENT_ID_MAX = 100
STEM = re.compile(r"^\d{8}T\d{4}$")

INCIDENT_KEYS = ("title", "impact", "services", "lang", "started", "ended", "what_to_do")
UPDATE_KEYS = (
    "status",
    "publish_at",
    "approved_by",
    "author",
    "approved_hash",
    "approved_from",
    "next_update",
    "channels",
    "correction",
    "retracts",
    "lang",
    "services",
)


@dataclass
class LoadResult:
    site: Site
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == "error"]


class _FileReader:
    """Decodes one file and turns its front matter into checked values."""

    def __init__(self, path: Path, root: Path, zone: ZoneInfo, out: list[Diagnostic], limit: int) -> None:
        self.path = path
        self.root = root
        self.limit = limit
        self.shown = display_path(path, root)
        self.zone = zone
        self.out = out
        self.ok = True

    def error(self, line: int, message: Text, hint: Text | str = "") -> None:
        self.out.append(Diagnostic(self.shown, line, message, hint))
        self.ok = False

    def warn(self, line: int, message: Text, hint: Text | str = "") -> None:
        """A problem in what the grid shows: the statement itself still goes out."""
        self.out.append(Diagnostic(self.shown, line, message, hint, "warning"))

    def read(self) -> tuple[frontmatter.Document, str] | None:
        read = sourcefile.read_text(self.path, self.root, self.shown, self.out, self.limit)
        if read is None:
            self.ok = False
            return None
        text, data = read
        digest = hashlib.sha256(data).hexdigest()
        from publisher import frontmatter

        doc = frontmatter.parse(text, self.shown)
        if isinstance(doc, list):
            self.out.extend(doc)
            self.ok = False
            return None
        return doc, digest

    def unknown_keys(self, doc: frontmatter.Document, allowed: tuple[str, ...]) -> None:
        for key, f in doc.fields.items():
            if key not in allowed:
                self.error(
                    f.line,
                    Text("unknown key '{key}'", key=key),
                    Text(
                        "{did_you_mean}allowed keys: {allowed}",
                        did_you_mean=did_you_mean(key, allowed),
                        allowed=", ".join(allowed),
                    ),
                )

    def text(self, doc: frontmatter.Document, key: str, required: bool = False) -> str | None:
        f = doc.fields.get(key)
        if f is None or f.value is None or f.value == "":
            if required:
                self.error(
                    doc.header_line,
                    Text("missing '{key}'", key=key),
                    Text("add a line '{key}: …' to the front matter", key=key),
                )
            return None
        if not isinstance(f.value, str):
            self.error(
                f.line,
                Text("'{key}' must be one value, not a list", key=key),
                Text("write '{key}: value'", key=key),
            )
            return None
        return f.value

    def choice(
        self, doc: frontmatter.Document, key: str, choices: tuple[str, ...], default: str | None = None
    ) -> str | None:
        value = self.text(doc, key, required=default is None)
        if value is None:
            return default
        if value not in choices:
            self.error(
                doc.fields[key].line,
                Text("'{value}' is not a valid {key}", value=value, key=key),
                Text(
                    "{did_you_mean}use one of: {choices}",
                    did_you_mean=did_you_mean(value, choices),
                    choices=", ".join(choices),
                ),
            )
            return None
        return value

    def items(self, doc: frontmatter.Document, key: str) -> tuple[str, ...] | None:
        f = doc.fields.get(key)
        if f is None or f.value is None:
            return None
        if isinstance(f.value, dict):
            self.error(
                f.line, Text("'{key}' must be a list", key=key), Text("write '{key}: [a, b]'", key=key)
            )
            return None
        return tuple(f.value) if isinstance(f.value, list) else (f.value,)

    def known_services(self, doc: frontmatter.Document, key: str, config: Config) -> tuple[str, ...]:
        """A list of service ids, each declared in publisher.toml (when services are)."""
        ids = self.items(doc, key) or ()
        if config.services:
            known = tuple(s.id for s in config.services)
            for sid in ids:
                if sid not in known:
                    self.warn(
                        doc.fields[key].line,
                        Text("unknown service '{sid}'", sid=sid),
                        Text(
                            "{did_you_mean}declared in publisher.toml: {known}",
                            did_you_mean=did_you_mean(sid, known),
                            known=", ".join(known),
                        ),
                    )
        return ids

    def service_changes(self, doc: frontmatter.Document, config: Config) -> tuple[ServiceChange, ...]:
        """``services:`` of an update: ``id: state`` or ``id: {state: ..., note: ...}`` lines.

        A wrong line is a warning and is left out: a typo in the grid must never hold back
        the statement itself (the text still says what the grid would)."""
        f = doc.fields.get("services")
        if f is None or f.value is None:
            return ()
        example = 'services:\n  urgences: degraded\n  consultations: {state: disrupted, note: "..."}'
        if not isinstance(f.value, dict):
            self.warn(
                f.line, Text("'services' must be 'id: state' lines"), Text("write {example}", example=example)
            )
            return ()
        known = tuple(s.id for s in config.services)
        found: list[ServiceChange] = []
        for sid, (value, line) in f.value.items():
            if sid not in known:
                hint = (
                    Text(
                        "{did_you_mean}declared in publisher.toml: {known}",
                        did_you_mean=did_you_mean(sid, known),
                        known=", ".join(known),
                    )
                    if known
                    else Text("declare it first in publisher.toml: [services.<id>] with a name")
                )
                self.warn(
                    line, Text("unknown service '{sid}': this line is left out of the grid", sid=sid), hint
                )
                continue
            note = ""
            if isinstance(value, dict):
                extra = [k for k in value if k not in ("state", "note")]
                if extra or "state" not in value:
                    self.warn(
                        line,
                        Text(
                            "service '{sid}' takes state and note, not {extra}",
                            sid=sid,
                            extra=", ".join(extra),
                        )
                        if extra
                        else Text("service '{sid}' takes state and note, not nothing", sid=sid),
                        Text('write {sid}: {{state: degraded, note: "a short sentence"}}', sid=sid),
                    )
                    continue
                state, note = value["state"], value.get("note", "").strip()
            else:
                state = value
            if state not in SERVICE_STATES:
                self.warn(
                    line,
                    Text("'{state}' is not a service state (service '{sid}')", state=state, sid=sid),
                    Text(
                        "{did_you_mean}use one of: {choices}",
                        did_you_mean=did_you_mean(state, SERVICE_STATES),
                        choices=", ".join(SERVICE_STATES),
                    ),
                )
                continue
            if len(note) > NOTE_LIMIT:
                self.warn(
                    line,
                    Text(
                        "the note of service '{sid}' is {count} characters, over {limit}",
                        sid=sid,
                        count=len(note),
                        limit=NOTE_LIMIT,
                    ),
                    Text(
                        "keep it to a few words (the grid shows it beside the state); "
                        "say the rest in the text of the update"
                    ),
                )
                continue
            found.append(ServiceChange(sid, state, note, line))
        return tuple(found)

    def instructions(self, doc: frontmatter.Document, key: str) -> tuple[Instruction, ...]:
        f = doc.fields.get(key)
        items = self.items(doc, key)
        if f is None or not items:
            return ()
        for item in items:
            self.check_links(item, f.line)
        lines = f.item_lines if len(f.item_lines) == len(items) else (f.line,) * len(items)
        return tuple(
            Instruction(item.strip(), line) for item, line in zip(items, lines, strict=True) if item.strip()
        )

    def time(self, doc: frontmatter.Document, key: str, required: bool = False) -> datetime | None:
        value = self.text(doc, key, required)
        if value is None:
            return None
        try:
            return parse_local(value, self.zone)
        except LocalTimeError as exc:
            self.error(doc.fields[key].line, Text("{key}: {error}", key=key, error=exc.message), exc.hint)
            return None

    def lang(self, doc: frontmatter.Document, languages: tuple[str, ...], default: str) -> str:
        value = self.choice(doc, "lang", languages, default)
        return value or default

    def check_links(self, body: str, body_line: int) -> None:
        from publisher import markup

        for line, url in markup.links(body):
            if not markup.link_allowed(url):
                self.error(
                    body_line + line - 1,
                    Text("link to '{url}' is not allowed", url=url),
                    Text("links may only be http(s)://, mailto:, tel: or relative to the site"),
                )


class ParseCache:
    """Parsed files, keyed by (path, mtime, size): the cron path never re-parses an
    unchanged file. Stored as one pickle under the state dir; unreadable means empty."""

    def __init__(self, path: Path, config: Config) -> None:
        # Diagnostics name paths relative to the root, and times depend on the zone.
        self.table = PickledTable(
            path,
            repr(
                (
                    CACHE_VERSION,
                    str(config.root),
                    config.zone.key,
                    config.languages,
                    config.source_lang,
                    # which service ids are valid decides what loads
                    tuple(s.id for s in config.services),
                )
            ),
        )

    def parse(self, path: Path, out: list[Diagnostic], fn: Callable[[list[Diagnostic]], Any]) -> Any:
        try:
            st = path.stat()
        except (OSError, RuntimeError):  # a broken link: the reader says so, never cached
            return fn(out)
        stamp = (st.st_mtime_ns, st.st_size)
        hit = self.table.get(str(path))
        if hit is not None and hit[0] == stamp:
            out.extend(hit[2])
            return hit[1]
        found: list[Diagnostic] = []
        result = fn(found)
        out.extend(found)
        if not any(d.internal for d in found):
            self.table.put(str(path), (stamp, result, found))
        return result

    def save(self) -> None:
        self.table.save()


class _NoCache:
    def parse(self, path: Path, out: list[Diagnostic], fn: Callable[[list[Diagnostic]], Any]) -> Any:
        return fn(out)


CACHE_VERSION = 3  # 2: Update gained author, approved_hash, approved_from, text_digest; 3: services
NOTE_LIMIT = 80  # a service note is a few words beside its state, not a paragraph


def load_site(config: Config, use_cache: bool = False) -> LoadResult:
    """Load every incident under content/incidents (newest incident first).

    With `use_cache`, parsed files are kept under the state dir and reused while their
    mtime and size are unchanged (the scheduled job and preview; `check` reads everything).
    """
    incidents_dir = config.dir("content") / "incidents"
    out: list[Diagnostic] = []
    incidents: list[Incident] = []
    cache = ParseCache(config.cache_path("content.pickle"), config) if use_cache else None
    if incidents_dir.is_dir():
        for directory in sorted(incidents_dir.iterdir(), reverse=True):
            if directory.is_dir() and not directory.name.startswith("."):
                incident = guarded(
                    display_path(directory, config.root),
                    out,
                    partial(load_incident, directory, config, out, cache),
                )
                if incident is not None:
                    incidents.append(incident)
    if cache is not None:
        cache.save()
    return LoadResult(Site(tuple(incidents)), out)


def load_incident(
    directory: Path, config: Config, out: list[Diagnostic], cache: ParseCache | None = None
) -> Incident | None:
    parser = cache or _NoCache()
    shown_dir = display_path(directory, config.root)
    if not INCIDENT_ID.match(directory.name):
        out.append(
            Diagnostic(
                shown_dir,
                0,
                Text("incident directory name '{name}' is not <YYYY-MM-DD>-<slug>", name=directory.name),
                Text("rename it like 2019-11-15-cyberattaque (lower-case letters, digits, -)"),
            )
        )
        return None
    if len(directory.name) > INCIDENT_ID_MAX:
        out.append(
            Diagnostic(
                shown_dir,
                0,
                Text(
                    "incident directory name is {count} characters long, more than {limit}",
                    count=len(directory.name),
                    limit=INCIDENT_ID_MAX,
                ),
                Text("shorten the slug: the name is part of every page's and catalog's file name"),
            )
        )
        return None
    index = directory / INCIDENT_FILE
    if not index.exists() and not index.is_symlink():
        out.append(
            Diagnostic(
                shown_dir,
                0,
                Text("no {file} in incident directory", file=INCIDENT_FILE),
                Text(
                    "create {directory}/{file} with a title and an impact",
                    directory=shown_dir,
                    file=INCIDENT_FILE,
                ),
            )
        )
        return None
    header: Incident | None = parser.parse(
        index,
        out,
        lambda found: guarded(shown_dir, found, lambda: _incident_header(directory, config, found)),
    )
    if header is None:
        return None
    return replace(header, updates=_load_updates(directory, config, header.lang, out, parser))


def _incident_header(directory: Path, config: Config, out: list[Diagnostic]) -> Incident | None:
    """incident.md alone (no updates): what the parse cache keeps for it."""
    root, zone, languages = config.root, config.zone, config.languages
    reader = _FileReader(directory / INCIDENT_FILE, root, zone, out, config.file_size_limit)
    read = reader.read()
    if read is None:
        return None
    doc, digest = read
    reader.unknown_keys(doc, INCIDENT_KEYS)
    title = reader.text(doc, "title", required=True)
    title_line = doc.fields["title"].line if "title" in doc.fields else 1
    impact = reader.choice(doc, "impact", IMPACTS)
    services = reader.known_services(doc, "services", config)
    lang = reader.lang(doc, languages, config.source_lang)
    started = reader.time(doc, "started")
    ended = reader.time(doc, "ended")
    if started and ended and ended < started:
        reader.error(
            doc.fields["ended"].line,
            Text("ended is before started"),
            Text("ended is when the incident was over for the public; check both times"),
        )
    what_to_do = reader.instructions(doc, "what_to_do")
    reader.check_links(doc.body, doc.body_line)
    if not reader.ok or title is None or impact is None:
        return None
    return Incident(
        id=directory.name,
        path=reader.shown,
        title=title,
        title_line=title_line,
        summary=doc.body.strip(),
        summary_line=doc.body_line + _leading_blank(doc.body),
        impact=impact,
        lang=lang,
        services=services,
        updates=(),
        source_hash=digest,
        started=started,
        ended=ended,
        what_to_do=what_to_do,
    )


def _leading_blank(body: str) -> int:
    return len(body) - len(body.lstrip("\n")) if body.strip() else 0


def _load_updates(
    directory: Path, config: Config, incident_lang: str, out: list[Diagnostic], parser: ParseCache | _NoCache
) -> tuple[Update, ...]:
    updates: list[Update] = []
    seen: dict[datetime, Update] = {}
    for path in sorted(directory.glob("*.md")):
        if path.name == INCIDENT_FILE:
            continue
        shown = display_path(path, config.root)
        work = partial(load_update, path, directory.name, config, incident_lang)
        update: Update | None = parser.parse(path, out, partial(_guarded_update, shown, work))
        if update is None:
            continue
        if update.publish_at in seen:
            first = seen[update.publish_at]
            out.append(
                Diagnostic(
                    update.path,
                    0,
                    Text("publish_at is the same as in {path}", path=first.path),
                    Text("give each update of an incident its own time"),
                )
            )
            continue
        seen[update.publish_at] = update
        updates.append(update)
    updates.sort(key=lambda u: u.publish_at)
    for u in [u for u in updates if u.retracts == u.stem]:
        out.append(
            Diagnostic(
                u.path,
                0,
                Text("the update retracts itself"),
                Text("name the earlier update it withdraws in 'retracts:', or delete this update"),
            )
        )
        updates.remove(u)  # nothing sensible to publish: withdrawn before it is shown
    known = {u.stem for u in updates}
    for u in updates:
        if u.retracts is not None and u.retracts not in known:
            out.append(
                Diagnostic(
                    u.path,
                    0,
                    Text(
                        "retracts '{retracts}', which is not an update of this incident", retracts=u.retracts
                    ),
                    Text(
                        "use the file name (without .md) of the update to withdraw; known: {known}",
                        known=", ".join(sorted(known)),
                    ),
                )
            )
    return tuple(updates)


def _guarded_update(
    shown: str, work: Callable[[list[Diagnostic]], Update | None], found: list[Diagnostic]
) -> Update | None:
    return guarded(shown, found, partial(work, found))


def load_update(
    path: Path, incident_id: str, config: Config, default_lang: str, out: list[Diagnostic]
) -> Update | None:
    reader = _FileReader(path, config.root, config.zone, out, config.file_size_limit)
    if not STEM.match(path.stem) or parse_stem(path.stem) is None:
        reader.error(
            0,
            Text("update file name '{name}' is not <YYYYMMDDTHHMM>.md", name=path.name),
            Text("name it after the update's local time, e.g. 20191115T2130.md"),
        )
        return None
    read = reader.read()
    if read is None:
        return None
    doc, digest = read
    reader.unknown_keys(doc, UPDATE_KEYS)
    values: dict[str, Any] = {
        "status": reader.choice(doc, "status", STATUSES),
        "publish_at": reader.time(doc, "publish_at", required=True),
        "next_update": reader.time(doc, "next_update"),
        "approved_by": reader.text(doc, "approved_by"),
        "author": reader.text(doc, "author"),
        "approved_hash": reader.text(doc, "approved_hash"),
        "approved_from": reader.text(doc, "approved_from"),
        "channels": reader.items(doc, "channels"),
        "correction": reader.text(doc, "correction"),
        "retracts": reader.text(doc, "retracts"),
        "lang": reader.lang(doc, config.languages, default_lang),
        "services": reader.service_changes(doc, config),
    }
    if values["retracts"] is not None and not STEM.match(values["retracts"]):
        reader.error(
            doc.fields["retracts"].line,
            Text("retracts '{retracts}' is not an update name", retracts=values["retracts"]),
            Text("write the withdrawn update's file name, e.g. 20191115T2130"),
        )
    if not doc.body.strip():
        reader.error(
            doc.body_line - 1,
            Text("the update has no text"),
            Text("write the statement below the closing '---'"),
        )
    reader.check_links(doc.body, doc.body_line)
    if not reader.ok:
        return None
    from publisher.approval import text_hash

    update = Update(
        incident_id=incident_id,
        stem=path.stem,
        path=reader.shown,
        body=doc.body.strip("\n"),
        body_line=doc.body_line + _leading_blank(doc.body),
        source_hash=digest,
        **values,
    )
    return replace(update, text_digest=text_hash(update))
