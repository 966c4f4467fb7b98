"""The content model: frozen dataclasses, no I/O.

Status, impact and service names are vocabulary (UI strings translated through the UI
catalog), never free text, so every channel and language says the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime

INCIDENT_STATUSES = ("investigating", "identified", "monitoring", "resolved")
MAINTENANCE_STATUSES = ("scheduled", "in_progress", "completed")
STATUSES = INCIDENT_STATUSES + MAINTENANCE_STATUSES
CLOSED_STATUSES = ("resolved", "completed")
IMPACTS = ("none", "minor", "major", "critical")


@dataclass(frozen=True)
class ServiceChange:
    """An update setting one declared service's state, with an optional short note.

    The note is written in the update's language and translated through the incident's
    catalog like the body (msgctxt ``service <id>``).
    """

    service: str
    state: str
    note: str = ""
    line: int = 0


@dataclass(frozen=True)
class Instruction:
    """One line of the incident's "what to do" list (inline Markdown, catalog msgctxt
    ``what_to_do``)."""

    text: str
    line: int


@dataclass(frozen=True)
class Update:
    incident_id: str
    stem: str  # YYYYMMDDTHHMM, the update's own local time
    path: str  # as shown in diagnostics (relative to the project root)
    status: str
    publish_at: datetime  # aware, UTC
    body: str  # Markdown source
    body_line: int  # 1-based line of the body's first line in the file
    lang: str
    approved_by: str | None = None
    author: str | None = None  # handle in [people] (or a name, without [people])
    approved_hash: str | None = None  # approval.text_hash() of the text that was approved
    approved_from: str | None = None  # the pre-approved statement it was filled from
    next_update: datetime | None = None
    channels: tuple[str, ...] | None = None  # None: every enabled channel
    correction: str | None = None
    retracts: str | None = None  # stem of the withdrawn update, same incident
    services: tuple[ServiceChange, ...] = ()
    source_hash: str = ""  # sha256 of the file bytes: what "changed" means
    # approval.text_hash() of what the public reads, computed once by the loader (and kept
    # by the parse cache). Whoever builds an Update with other text fields must reset it.
    text_digest: str = ""

    @property
    def id(self) -> str:
        return f"{self.incident_id}/{self.stem}"


@dataclass(frozen=True)
class Incident:
    id: str  # <YYYY-MM-DD>-<slug>, the directory name
    path: str
    title: str
    title_line: int
    summary: str  # Markdown, may be empty
    summary_line: int
    impact: str
    lang: str
    services: tuple[str, ...] = ()
    updates: tuple[Update, ...] = field(default=())  # oldest first
    source_hash: str = ""
    started: datetime | None = None  # aware, UTC; None: the first update's time
    ended: datetime | None = None  # None: the last update's time once closed
    what_to_do: tuple[Instruction, ...] = ()

    @property
    def started_at(self) -> datetime | None:
        return self.started or (self.updates[0].publish_at if self.updates else None)

    @property
    def ended_at(self) -> datetime | None:
        if self.ended is not None:
            return self.ended
        return self.updates[-1].publish_at if self.updates and not self.is_active else None

    @property
    def date(self) -> str:
        return self.id[:10]

    @property
    def slug(self) -> str:
        return self.id[11:]

    @property
    def latest(self) -> Update | None:
        return self.updates[-1] if self.updates else None

    @property
    def status(self) -> str:
        return self.updates[-1].status if self.updates else "investigating"

    @property
    def is_active(self) -> bool:
        return self.status not in CLOSED_STATUSES

    def update(self, stem: str) -> Update | None:
        return next((u for u in self.updates if u.stem == stem), None)

    def visible(self, now: datetime) -> Incident:
        """The incident as the public sees it at `now`: only updates already due."""

        return replace(self, updates=tuple(u for u in self.updates if u.publish_at <= now))


@dataclass(frozen=True)
class Site:
    incidents: tuple[Incident, ...]  # newest first

    def incident(self, incident_id: str) -> Incident | None:
        return next((i for i in self.incidents if i.id == incident_id), None)
