"""What people type on the command line, in French or English, turned into the vocabulary.

A comms officer at night writes ``--next-update 22h30``, ``demain 9h``, ``+2h``, ``tomorrow
9am``, ``--status résolu``: this module is the one place that reads those spellings. Times
are resolved in the configured zone with its DST rules (:func:`publisher.timeutil.parse_local`
does the checking), so a time that does not exist or exists twice is refused here too.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from publisher.cli_text import Text
from publisher.timeutil import LocalTimeError, parse_local

# Accents and case optional: "Résolu", "resolu", "RESOLU".
STATUS_WORDS: dict[str, str] = {
    "investigating": "investigating",
    "analyse en cours": "investigating",
    "en cours d'analyse": "investigating",
    "en cours": "investigating",
    "analyse": "investigating",
    "identified": "identified",
    "identifie": "identified",
    "cause identifiee": "identified",
    "monitoring": "monitoring",
    "surveillance": "monitoring",
    "sous surveillance": "monitoring",
    "en surveillance": "monitoring",
    "resolved": "resolved",
    "resolu": "resolved",
    "termine": "resolved",
    "scheduled": "scheduled",
    "planifie": "scheduled",
    "programme": "scheduled",
    "in_progress": "in_progress",
    "in progress": "in_progress",
    "maintenance en cours": "in_progress",
    "completed": "completed",
    "maintenance terminee": "completed",
}
IMPACT_WORDS: dict[str, str] = {
    "none": "none",
    "aucun": "none",
    "aucune": "none",
    "minor": "minor",
    "mineur": "minor",
    "mineure": "minor",
    "major": "major",
    "majeur": "major",
    "majeure": "major",
    "critical": "critical",
    "critique": "critical",
}

_DAY_WORDS = {
    "aujourd'hui": 0,
    "aujourdhui": 0,
    "today": 0,
    "demain": 1,
    "tomorrow": 1,
    "apres-demain": 2,
    "apres demain": 2,
}
_CLOCK = re.compile(
    r"^(?P<h>\d{1,2})(?:(?::|h|\s*h\s*)(?P<m>\d{2})?)?\s*(?P<ampm>am|pm)?$",
)
_DELTA = re.compile(
    r"^\+\s*(?:(?P<d>\d+)\s*(?:d|j|jours?|days?))?\s*(?:(?P<h>\d+)\s*h(?:eures?|ours?)?)?"
    r"\s*(?:(?P<m>\d+)\s*(?:min|mn|m|minutes?)?)?$"
)


class SpokenError(ValueError):
    """A spelling that is not understood; the message says which spellings are."""


def fold(text: str) -> str:
    """Lower case, accents removed, apostrophes and spaces normalised."""
    text = unicodedata.normalize("NFKD", text.strip().lower()).replace("’", "'")
    text = "".join(c for c in text if not unicodedata.combining(c))
    return re.sub(r"\s+", " ", text)


def status_word(text: str) -> str:
    found = STATUS_WORDS.get(fold(text).replace("-", " "), STATUS_WORDS.get(fold(text)))
    if found is None:
        raise SpokenError(
            Text(
                "'{text}' is not a status; write one of investigating (analyse en cours), identified "
                "(identifié), monitoring (sous surveillance), resolved (résolu), or for maintenance "
                "scheduled (planifié), in_progress (maintenance en cours), completed (maintenance terminée)",
                text=text,
            )
        )
    return found


def impact_word(text: str) -> str:
    found = IMPACT_WORDS.get(fold(text))
    if found is None:
        raise SpokenError(
            Text(
                "'{text}' is not an impact; write none (aucun), minor (mineur), major (majeur) or critical "
                "(critique)",
                text=text,
            )
        )
    return found


def parse_when(text: str, reference: datetime, zone: ZoneInfo, *, after: bool = False) -> datetime:
    """A time as people write it → aware UTC datetime.

    ``reference`` (aware) is what relative spellings count from: ``+2h`` is two hours after
    it; a clock time alone (``22h30``) is on the reference's local day, or the next day when
    ``after`` and that time is not later than the reference (a promise is in the future).
    Full timestamps (``2019-11-19T22:30``, with or without offset) are accepted as they are.
    """
    raw = text
    text = fold(text)
    if re.match(r"^\d{4}-\d{2}-\d{2}", text):
        return _local(raw.strip(), zone)
    if text.startswith("+"):
        m = _DELTA.match(text)
        if not m or not any(m.group(g) for g in ("d", "h", "m")):
            raise SpokenError(Text("'{raw}' is not a duration; write e.g. +2h, +30min or +1h30", raw=raw))
        delta = timedelta(
            days=int(m.group("d") or 0), hours=int(m.group("h") or 0), minutes=int(m.group("m") or 0)
        )
        return reference + delta
    days = 0
    for word, offset in sorted(_DAY_WORDS.items(), key=lambda kv: -len(kv[0])):
        if text == word or text.startswith(word + " "):
            days, text = offset, text[len(word) :].strip().removeprefix("a ").strip()
            break
    m = _CLOCK.match(text.replace(" ", "")) if text else None
    if m is None:
        raise SpokenError(
            Text(
                "'{raw}' is not a time; write e.g. 22:30, 22h30, 16h, 9am, +2h, demain 9h, tomorrow 9am or "
                "2019-11-19T22:30",
                raw=raw,
            )
        )
    hour, minute = int(m.group("h")), int(m.group("m") or 0)
    if m.group("ampm"):
        if not 1 <= hour <= 12:
            raise SpokenError(Text("'{raw}': with am/pm the hour is 1 to 12", raw=raw))
        hour = hour % 12 + (12 if m.group("ampm") == "pm" else 0)
    if hour > 23 or minute > 59:
        raise SpokenError(Text("'{raw}' is not a time of day (00:00 to 23:59)", raw=raw))
    day = reference.astimezone(zone).date() + timedelta(days=days)
    when = _local(f"{day.isoformat()}T{hour:02d}:{minute:02d}", zone)
    if after and days == 0 and when <= reference:
        day += timedelta(days=1)
        when = _local(f"{day.isoformat()}T{hour:02d}:{minute:02d}", zone)
    return when


def _local(text: str, zone: ZoneInfo) -> datetime:
    try:
        return parse_local(text, zone)
    except LocalTimeError as exc:
        raise SpokenError(Text("{error}; {hint}", error=exc.message, hint=exc.hint)) from exc
