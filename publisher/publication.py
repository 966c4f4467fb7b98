"""Publication rules: what `check` calls an error in one update and `publish` holds.

Each rule looks at one update on its own (its front matter, its file name, the archive of
what already went out) and returns the error a person must fix. `check` reports them (see
``promises`` in lints.py and ``unnoted_changes`` below); `publish` holds the
update with the same message and exit 2 while every other update still goes out
(``select`` in publish.py). One definition for both, so a rule cannot pass one command and
fail the other.

- a ``next_update`` that is not after ``publish_at``: a promise already broken when read;
- a file name whose time is not ``publish_at``: the name is the update's address and its
  place in the timeline, and a postponed update must not keep an earlier one's name;
- a published text changed without a ``correction:`` note: readers must see that it changed.
"""

from __future__ import annotations

from datetime import datetime

from publisher.config import Config
from publisher.content import LoadResult
from publisher.corrections import body_hash, load_index, versions
from publisher.errors import Diagnostic
from publisher.frontmatter import field_line
from publisher.model import Update
from publisher.timeutil import parse_stem


def broken_promise(config: Config, u: Update) -> Diagnostic | None:
    if u.next_update is None or u.next_update > u.publish_at:
        return None
    return Diagnostic(
        u.path,
        field_line(config.root, u.path, "next_update"),
        "next_update is not after publish_at",
        "promise a time after this update's own time, or remove next_update",
    )


def misnamed(config: Config, u: Update) -> Diagnostic | None:
    named = parse_stem(u.stem)
    local = u.publish_at.astimezone(config.zone).replace(tzinfo=None, second=0, microsecond=0)
    if named is None or named == local:
        return None
    right = local.strftime("%Y%m%dT%H%M")
    return Diagnostic(
        u.path,
        field_line(config.root, u.path, "publish_at"),
        f"the file is named for {named:%Y-%m-%d %H:%M} but publish_at is {local:%Y-%m-%d %H:%M} "
        f"({config.zone.key})",
        f"rename the file to {right}.md if the time moved (before it is published: the name is its "
        f"address), or set publish_at back to {named:%Y-%m-%dT%H:%M}",
    )


class Archive:
    """What already went out, read once per pass: the archive index, then one update's
    versions only when its text is not the one the index knows."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self._index: dict[str, list[object]] | None = None

    def went_out(self, u: Update) -> bool:
        """Some text of this update was published before."""
        if self._index is None:
            self._index = load_index(self.config)
        return u.id in self._index or bool(versions(self.config, u))

    def unnoted_change(self, u: Update) -> Diagnostic | None:
        """The text went out before and is different now, with no ``correction:`` note."""
        if u.correction:
            return None
        if self._index is None:
            self._index = load_index(self.config)
        known = self._index.get(u.id)
        if known and known == [body_hash(u), 1]:
            return None  # published once, with exactly this text
        history = versions(self.config, u)
        if not history or (history[-1].digest == body_hash(u) and len(history) == 1):
            return None
        when = history[0].published.astimezone(self.config.zone).strftime("%Y-%m-%d %H:%M")
        return Diagnostic(
            u.path,
            field_line(self.config.root, u.path, "status"),
            f"the text of this update changed after it was published ({when}) and it has no correction note",
            "add 'correction: <what changed and why>' to the front matter (publisher correct): "
            "readers see it with the date, and the previous text stays readable",
        )


def problems(config: Config, u: Update, archive: Archive) -> list[Diagnostic]:
    """Every publication rule `u` breaks (empty: it may go out)."""
    found = [broken_promise(config, u), misnamed(config, u), archive.unnoted_change(u)]
    return [d for d in found if d is not None]


def unnoted_changes(config: Config, result: LoadResult, now: datetime) -> list[Diagnostic]:
    """Checker (checks.CHECKERS): every published text changed without a correction note."""
    archive = Archive(config)
    found = [archive.unnoted_change(u) for incident in result.site.incidents for u in incident.updates]
    return [d for d in found if d is not None]
