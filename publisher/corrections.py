"""Visible corrections and retractions: nothing published is silently rewritten.

Every build that publishes (``publisher build``, ``publisher publish``; not a dry run, not
the preview) archives the text of each visible update the first time it sees that text:
``<state>/archive/<incident id>/<stem>/`` holds ``versions.json`` (the order in which texts
went out, each with the time it was first published) and one ``<hash>.json`` per text with
its rendered HTML in every language. When the text of an update changes, its page shows
"Corrected on <date>" with the ``correction:`` note, and every previous text stays readable
at a stable address, ``<lang>/incidents/<id>/<stem>/v-<hash>.html``. ``publisher check``
refuses a changed text without a ``correction:`` note (GOV.UK change notes; ANSSI: a
silent change is discovered and amplifies the crisis).

A retraction (``retracts: <stem>`` in a later update) is linked both ways: the withdrawn
update says when and by which update, the new one links the one it withdraws.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from publisher.config import Config
from publisher.fsutil import write_atomic
from publisher.localize import IncidentView, UpdateView, localize_incident
from publisher.model import Incident, Update
from publisher.notes import Corrections, Notes, Version
from publisher.release import Page
from publisher.render import Renderer
from publisher.timeutil import iso_utc

Localizer = Callable[[Incident, str], IncidentView]


def body_hash(update: Update) -> str:
    return hashlib.sha256(update.body.strip().encode()).hexdigest()[:16]


def version_path(lang: str, incident_id: str, stem: str, digest: str) -> str:
    return f"{lang}/incidents/{incident_id}/{stem}/v-{digest}.html"


def archive_dir(config: Config, update: Update) -> Path:
    return config.state_dir / "archive" / update.incident_id / update.stem


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _write_json(path: Path, data: Any) -> None:
    write_atomic(path, json.dumps(data, ensure_ascii=False, indent=1).encode())


def versions(config: Config, update: Update) -> list[Version]:
    """Every text this update went out with, oldest first (empty when never archived)."""
    entries = _read_json(archive_dir(config, update) / "versions.json") or []
    found = []
    for i, entry in enumerate(entries):
        nxt = entries[i + 1]["published"] if i + 1 < len(entries) else None
        found.append(
            Version(
                entry["hash"],
                datetime.fromisoformat(entry["published"]),
                datetime.fromisoformat(nxt) if nxt else None,
            )
        )
    return found


def _index_path(config: Config) -> Path:
    return config.state_dir / "archive" / "index.json"


def load_index(config: Config) -> dict[str, list[Any]]:
    """update id -> [last archived text hash, number of archived versions]: one read per
    build instead of one per update (the every-minute path)."""
    data = _read_json(_index_path(config))
    return data if isinstance(data, dict) else {}


def record(
    config: Config, incidents: list[Incident], now: datetime, localize: Localizer | None = None
) -> int:
    """Archive every visible update whose current text is not the last archived one.

    Only a changed text is localized here (rare); an unchanged one costs a hash and a
    dictionary lookup in the archive's index. `localize` lets the build share its render
    cache, so a first build localizes each incident once, not once here and once to render.
    """
    if localize is None:
        locales = config.dir("locales")

        def localize(incident: Incident, lang: str) -> IncidentView:
            return localize_incident(incident, lang, locales)

    index = load_index(config)
    written = 0
    for incident in incidents:
        localized: dict[str, dict[str, UpdateView]] | None = None
        for u in incident.updates:
            digest = body_hash(u)
            known = index.get(u.id)
            if known and known[0] == digest:
                continue
            folder = archive_dir(config, u)
            entries = _read_json(folder / "versions.json") or []  # index lost or behind
            if not (entries and entries[-1]["hash"] == digest):
                if localized is None:
                    localized = {
                        lang: {v.update.stem: v for v in localize(incident, lang).updates}
                        for lang in config.languages
                    }
                html = {
                    lang: {
                        "html": localized[lang][u.stem].html,
                        "text_lang": localized[lang][u.stem].text_lang,
                    }
                    for lang in config.languages
                }
                if not (folder / f"{digest}.json").exists():
                    _write_json(
                        folder / f"{digest}.json",
                        {
                            "update": u.id,
                            "status": u.status,
                            "publish_at": iso_utc(u.publish_at),
                            "correction": u.correction,
                            "body": u.body,
                            "html": html,
                        },
                    )
                entries.append({"hash": digest, "published": now.isoformat()})
                _write_json(folder / "versions.json", entries)
            index[u.id] = [digest, len(entries)]
            written += 1
    if written:
        _write_json(_index_path(config), index)
    return written


def prepare(
    config: Config, incidents: list[Incident], now: datetime, archive: bool, localize: Localizer | None = None
) -> Corrections:
    """Archive (when publishing, as first published at `now`) and compute the notes of every
    update of `incidents` (those visible at `now`, each with at least one update).

    Runs before any page is rendered, including by the build's worker processes (forked
    after this, given the result).
    """
    if archive:
        record(config, incidents, now, localize)
    index = load_index(config)
    notes: dict[str, Notes] = {}
    for incident in incidents:
        by_stem = {u.stem: u for u in incident.updates}
        for u in incident.updates:
            n = notes.setdefault(u.id, Notes())
            known = index.get(u.id)
            # Only an update archived more than once has a history worth reading.
            history = versions(config, u) if known is None or known[1] > 1 else []
            if history and history[-1].digest == body_hash(u) and len(history) > 1:
                n.corrected = history[-1].published
                n.previous = [v for v in reversed(history[:-1]) if v.digest != history[-1].digest]
            if u.retracts and u.retracts in by_stem:
                n.retracts = by_stem[u.retracts]
                notes.setdefault(by_stem[u.retracts].id, Notes()).retracted_by = u
    return Corrections(notes, publishing=archive)


def pages(config: Config, views: dict[str, list[IncidentView]], renderer: Renderer) -> Iterator[Page]:
    """Build hook: every previous text of every corrected update, at its stable address."""
    for lang, incident_views in views.items():
        for iv in incident_views:
            for view in iv.updates:
                u = view.update
                for version in renderer.corrections.for_update(u).previous:
                    data = _read_json(archive_dir(config, u) / f"{version.digest}.json")
                    if not data:
                        continue
                    text = data["html"].get(lang) or data["html"][u.lang]
                    path = version_path(lang, iv.incident.id, u.stem, version.digest)
                    html = renderer.render(
                        "web/version.html",
                        lang,
                        page=path,
                        canonical=None,
                        alternates={
                            code: version_path(code, iv.incident.id, u.stem, version.digest)
                            for code in config.languages
                        },
                        iv=iv,
                        view=view,
                        version=version,
                        data=data,
                        text=text,
                    )
                    yield Page(path, html.encode())
