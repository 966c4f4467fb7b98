"""Time: local-time parsing for the configured zone, and the one UTC timestamp format.

Authors write local times ("2019-11-15T19:00"). A local time that does not exist (spring
forward gap) or exists twice (autumn overlap) is rejected with both explicit spellings, and an
explicit offset must be the zone's offset at that instant: guessing would publish at the
wrong hour on the one night that matters.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from publisher.cli_text import Text

# A status update is written for now, not for antiquity or the far future; outside this range
# Python's datetime cannot even convert between zones (year 1, year 9999 with an offset).
YEARS = (1970, 2999)

_LOCAL = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2})?([+-]\d{2}:?\d{2}|Z)?$")


class LocalTimeError(ValueError):
    def __init__(self, message: Text, hint: Text) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


def iso_utc(dt: datetime) -> str:
    """The UTC timestamp publisher writes everywhere (ledger, JSON, feeds, logs, lock)."""
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _fmt(dt: datetime) -> str:
    return dt.isoformat(timespec="minutes")


def parse_local(text: str, zone: ZoneInfo) -> datetime:
    """Parse an author's time; return an aware datetime in UTC."""
    text = text.strip()
    if not _LOCAL.match(text):
        raise LocalTimeError(
            Text("'{text}' is not a date and time", text=text),
            Text(
                "write it as YYYY-MM-DDTHH:MM, e.g. 2019-11-15T19:00 (local time), "
                "or with an offset, e.g. 2019-11-15T19:00+01:00"
            ),
        )
    try:
        dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise LocalTimeError(
            Text("'{text}' is not a valid date: {error}", text=text, error=str(exc)),
            Text("check the day and month"),
        ) from exc
    if not YEARS[0] <= dt.year <= YEARS[1]:
        raise LocalTimeError(
            Text(
                "'{text}' is out of range (the year must be between {first} and {last})",
                text=text,
                first=YEARS[0],
                last=YEARS[1],
            ),
            Text("check the year: write the date of the update, e.g. 2019-11-15T19:00"),
        )
    if dt.tzinfo is not None:
        local = dt.astimezone(zone)
        if local.utcoffset() != dt.utcoffset():
            raise LocalTimeError(
                Text("offset of '{text}' is not the {zone} offset at that instant", text=text, zone=zone.key),
                Text(
                    "write {local} (same instant), or drop the offset to mean local time", local=_fmt(local)
                ),
            )
        return dt.astimezone(UTC)
    first, second = dt.replace(tzinfo=zone, fold=0), dt.replace(tzinfo=zone, fold=1)
    if first.utcoffset() != second.utcoffset():
        assert first.utcoffset() is not None and second.utcoffset() is not None
        round_trip = first.astimezone(UTC).astimezone(zone).replace(tzinfo=None)
        if round_trip != dt:
            before = (dt - timedelta(hours=1)).replace(tzinfo=zone)
            after = (dt + timedelta(hours=1)).replace(tzinfo=zone)
            raise LocalTimeError(
                Text(
                    "'{text}' does not exist in {zone} (clocks jump forward: DST gap)",
                    text=text,
                    zone=zone.key,
                ),
                Text(
                    "write an explicit time that exists, e.g. {after} or {before}",
                    after=_fmt(after.astimezone(zone)),
                    before=_fmt(before.astimezone(zone)),
                ),
            )
        raise LocalTimeError(
            Text("'{text}' happens twice in {zone} (clocks go back: DST overlap)", text=text, zone=zone.key),
            Text(
                "write the offset you mean: {first} (first) or {second} (second)",
                first=_fmt(first),
                second=_fmt(second),
            ),
        )
    return first.astimezone(UTC)


def parse_stem(stem: str) -> datetime | None:
    """An update file stem `YYYYMMDDTHHMM` as a naive local datetime, or None."""
    try:
        return datetime.strptime(stem, "%Y%m%dT%H%M")
    except ValueError:
        return None


def utc_now() -> datetime:
    return datetime.now(UTC)
