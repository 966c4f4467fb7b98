"""What a reader is told about an update beyond its text, as one build computed it.

:func:`publisher.corrections.prepare` makes a :class:`Corrections` before any page is
rendered; the build hands it to every :class:`~publisher.render.Renderer` (templates read it
as ``update_notes(update)``) and page hook. Nothing is kept in module state, so two builds
in one process (a publish pass, the preview) never see each other's notes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from publisher.model import Update


@dataclass(frozen=True)
class Version:
    digest: str
    published: datetime  # first published
    replaced: datetime | None  # when the next text went out (None: current)


@dataclass
class Notes:
    """What a reader is told about one update, beyond its text."""

    corrected: datetime | None = None  # when the current text replaced an earlier one
    previous: list[Version] = field(default_factory=list)  # newest first
    retracted_by: Update | None = None
    retracts: Update | None = None


@dataclass(frozen=True)
class Corrections:
    """Every visible update's notes, and whether the build publishes (build, publish) or only
    shows (dry run, preview): only a publishing build may write to the state directory."""

    notes: Mapping[str, Notes] = field(default_factory=dict)
    publishing: bool = False

    def for_update(self, update: Update) -> Notes:
        return self.notes.get(update.id) or Notes()
