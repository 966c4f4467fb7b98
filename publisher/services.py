"""Per-service state: the home page's grid and each incident's service history.

Services are declared in ``publisher.toml`` (``[services.<id>]``); an update sets the state of
any of them (``services:`` in its front matter), with an optional short note. The state of a
service is the last one set by a published update of any incident, *since* the update that
changed it to that state (setting the same state again only updates the note). A service
whose last state was set by an incident that is now closed is back to ``operational``, since
the incident ended: a resolved incident cannot leave a service marked closed forever.

No I/O: views in, plain dataclasses out, so the site, the banner, the print notice and the
JSON documents all read the same answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from publisher.config import Config, ServiceConfig
from publisher.localize import IncidentView, LocalText, UpdateView

OPERATIONAL = "operational"

# Icons are decoration beside the state's words (aria-hidden): the state is never told by
# colour or icon alone (WCAG 1.4.1). Plain symbols every phone font has.
ICONS = {
    "operational": "✓",
    "degraded": "◐",
    "disrupted": "▲",
    "closed": "✕",
    "maintenance": "⚙",
    "maintenance_planned": "◷",
}


@dataclass(frozen=True)
class ServiceState:
    service: ServiceConfig
    name: str
    name_lang: str
    group: str
    group_lang: str
    state: str
    since: datetime | None  # None: never changed by a published update
    incident: IncidentView | None  # the incident whose update set it (None: no incident)
    note: LocalText | None

    @property
    def icon(self) -> str:
        return ICONS.get(self.state, "")

    @property
    def is_operational(self) -> bool:
        return self.state == OPERATIONAL


@dataclass(frozen=True)
class Change:
    """One update's setting of one service, as the incident page lists it."""

    view: UpdateView
    state: str
    note: LocalText | None
    changed: bool  # the state differs from the one before (False: same state, new note)


@dataclass(frozen=True)
class ServiceHistory:
    service: ServiceConfig
    name: str
    name_lang: str
    changes: tuple[Change, ...]  # oldest first

    @property
    def icon(self) -> str:
        return ICONS.get(self.changes[-1].state, "") if self.changes else ""


def grid(config: Config, views: Sequence[IncidentView], lang: str) -> list[ServiceState]:
    """Every declared service's current state as a page in `lang` shows it (config order)."""
    # service id -> (time, incident view, update view, state, since)
    last: dict[str, tuple[datetime, IncidentView, UpdateView, str, datetime]] = {}
    settings = sorted(
        (
            (view.update.publish_at, iv.incident.id, iv, view, change)
            for iv in views
            for view in iv.updates
            for change in view.update.services
        ),
        key=lambda s: (s[0], s[1]),
    )
    for when, _iid, iv, view, change in settings:
        before = last.get(change.service)
        started = before[4] if before and before[3] == change.state else when
        last[change.service] = (when, iv, view, change.state, started)
    out = []
    for service in config.services:
        name, name_lang = service.name(lang, config.source_lang)
        group, group_lang = service.group(lang, config.source_lang)
        found = last.get(service.id)
        state: str = OPERATIONAL
        since: datetime | None = None
        incident: IncidentView | None = None
        note: LocalText | None = None
        if found is not None:
            iv, view, state = found[1], found[2], found[3]
            since, incident, note = found[4], iv, view.note(service.id)
            if not iv.incident.is_active and state != OPERATIONAL:
                state, since, note = OPERATIONAL, iv.incident.ended_at, None
        out.append(ServiceState(service, name, name_lang, group, group_lang, state, since, incident, note))
    return out


def groups(states: Sequence[ServiceState]) -> list[tuple[str, str, list[ServiceState]]]:
    """(group name, its language, services) in the order the groups first appear."""
    out: list[tuple[str, str, list[ServiceState]]] = []
    for s in states:
        if not out or out[-1][0] != s.group:
            existing = next((g for g in out if g[0] == s.group), None)
            if existing is None:
                out.append((s.group, s.group_lang, [s]))
                continue
            existing[2].append(s)
            continue
        out[-1][2].append(s)
    return out


def history(config: Config, iv: IncidentView) -> list[ServiceHistory]:
    """What the incident's updates set for each service (declared order), oldest first."""
    per: dict[str, list[Change]] = {}
    for view in reversed(iv.updates):  # views are newest first
        for change in view.update.services:
            changes = per.setdefault(change.service, [])
            changed = not changes or changes[-1].state != change.state
            changes.append(Change(view, change.state, view.note(change.service), changed))
    out = []
    for service in config.services:
        if service.id in per:
            name, name_lang = service.name(iv.lang, config.source_lang)
            out.append(ServiceHistory(service, name, name_lang, tuple(per[service.id])))
    return out


def affected(states: Sequence[ServiceState]) -> list[ServiceState]:
    """The services not operating normally: what a banner or a notice lists."""
    return [s for s in states if not s.is_operational]


def what_to_do(active: Sequence[IncidentView]) -> list[LocalText]:
    """The "what to do" lines of every incident in progress, each line once."""
    seen: set[str] = set()
    out = []
    for iv in active:
        for item in iv.what_to_do:
            if item.markdown not in seen:
                seen.add(item.markdown)
                out.append(item)
    return out
