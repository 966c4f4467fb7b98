"""Creating incidents and updates the way a comms officer does in the first hour.

``new_incident`` writes ``content/incidents/<date>-<slug>/incident.md``; ``new_update``
writes ``<YYYYMMDDTHHMM>.md`` from a pre-approved statement, fills its placeholders and puts
the statement's translations, filled with the same values, into the incident's catalogs so
the update is bilingual from the first minute.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

from publisher import markup, spoken
from publisher.config import Config
from publisher.content import INCIDENT_FILE, INCIDENT_ID
from publisher.errors import AuthoringError, Diagnostic, did_you_mean, display_path
from publisher.i18n.catalogs import content_po_path
from publisher.model import CLOSED_STATUSES, IMPACTS, STATUSES
from publisher.statements import (
    Statement,
    fill,
    find_statement,
    load_statements,
    placeholders,
    translate,
)


def slugify(title: str, limit: int = 40) -> str:
    ascii_text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    if len(slug) > limit:
        slug = slug[:limit].rsplit("-", 1)[0]
    return slug or "incident"


def yaml_str(value: str) -> str:
    """A YAML scalar that stays text whatever it holds (JSON strings are YAML)."""
    return json.dumps(value, ensure_ascii=False)


def parse_time(
    config: Config, value: str, reference: datetime, option: str, *, after: bool = False
) -> datetime:
    """A time as people write it (22h30, demain 9h, +2h, 2019-11-19T22:30), from reference."""
    if value in ("now", "maintenant"):
        return reference.replace(second=0, microsecond=0)
    try:
        return spoken.parse_when(value, reference, config.zone, after=after)
    except spoken.SpokenError as exc:
        raise AuthoringError(f"{option}: {exc}") from exc


def parse_sets(pairs: Sequence[str], languages: Sequence[str]) -> dict[str | None, dict[str, str]]:
    """['service=urgences', 'service@en=A&E'] → {None: {...}, 'en': {...}}."""
    values: dict[str | None, dict[str, str]] = {None: {}}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        name, _, lang = name.strip().partition("@")
        if not sep or not re.fullmatch(r"[a-z][a-z0-9_]*", name):
            raise AuthoringError(
                f"--set '{pair}' is not name=value; write e.g. --set service=\"les consultations\""
            )
        if lang and lang not in languages:
            raise AuthoringError(
                f"--set '{pair}': language '{lang}' is not configured (configured: {', '.join(languages)})"
            )
        values.setdefault(lang or None, {})[name] = plain_value(pair, value)
    return values


# What Markdown would read as structure or a link inside a sentence: escaped, so a value
# is shown exactly as typed and can never add a heading, a list, a link or an image to a
# pre-approved statement.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>#!|~])")


def plain_value(pair: str, value: str) -> str:
    """A --set value as one line of plain text for the statement's Markdown (escaped)."""
    from publisher import markup

    value = value.strip()
    if not value:
        raise AuthoringError(
            f"--set '{pair}': the value is empty; give the text to insert, "
            'e.g. --set service="les urgences"'
        )
    if "\n" in value or "\r" in value or markup.xml_forbidden(value) or "\u2028" in value:
        raise AuthoringError(
            f"--set '{pair[:60]}': a value is one line of plain text (no line break or control "
            "character); write the rest in the statement or edit the update after it is created"
        )
    value = _MARKDOWN_SPECIAL.sub(r"\\\1", value)
    # At the start of a line these would begin a list or a quote.
    value = re.sub(r"^(\d+)([.)])(?=\s|$)", r"\1\\\2", value)
    return re.sub(r"^([-+=])(?=\s|$)", r"\\\1", value)


@dataclass
class Created:
    paths: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    incident_id: str = ""
    fast_path: bool = False
    published_at: datetime | None = None  # an update's time, echoed in full to its author
    next_update: datetime | None = None  # and its promise


def _catalog(path: Path, lang: str, incident_id: str, config: Config) -> Catalog:
    if path.exists():
        with open(path, "rb") as f:
            catalog = read_po(f, locale=lang)
        for m in catalog:  # Babel reads `#|` as a comment; _write_catalog keeps the real ones
            m.user_comments = [c for c in m.user_comments if not c.startswith("|")]
        return catalog
    organisation = config.organisation or config.site_title
    return Catalog(
        locale=lang,
        domain=f"incidents/{incident_id}",
        project="publisher",
        version="1",
        fuzzy=False,
        last_translator=organisation,
        revision_date=datetime.now(UTC),
        header_comment=f"# {lang} translations for the incident {incident_id}.",
    )


def _add(
    catalog: Catalog,
    msgid: str,
    msgstr: str,
    location: tuple[str, int],
    kind: str,
    context: str | None = None,
) -> None:
    existing = catalog.get(msgid, context)
    if existing is not None:
        if location not in existing.locations:
            existing.locations.append(location)
        if not existing.string and msgstr:
            existing.string = msgstr
        return
    catalog.add(msgid, msgstr, [location], auto_comments=[kind], context=context)
    message = catalog.get(msgid, context)
    assert message is not None
    # Content is not a format string: a French "12 %" must not become a python-format check.
    message.flags.discard("python-format")
    message.flags.discard("python-brace-format")


def _write_catalog(path: Path, catalog: Catalog) -> None:
    import io

    from publisher.fsutil import write_atomic
    from publisher.i18n import pofiles

    kept = pofiles.read_previous(path.read_bytes()) if path.exists() else {}
    still_fuzzy = {k: v for k, v in kept.items() if (m := catalog.get(*k)) is not None and m.fuzzy}
    buf = io.BytesIO()
    write_po(buf, catalog, width=0, include_previous=False)  # 0: never wrap (as None)
    write_atomic(path, pofiles.add_previous(buf.getvalue(), still_fuzzy))


def new_incident(
    config: Config,
    title: str | None,
    now: datetime,
    *,
    statement: str | None = None,
    translations: Mapping[str, str] | None = None,
    impact: str = "major",
    date: str | None = None,
    slug: str | None = None,
    summary: str | None = None,
) -> Created:
    translations = dict(translations or {})
    if statement is not None:
        st = _statement(config, statement)
        title = title or st.title
        for lang in config.languages:
            if lang != st.lang and lang not in translations:
                tr = translate(config, st, lang, {}, {})
                if tr.title:
                    translations[lang] = tr.title
    if not title:
        raise AuthoringError('an incident needs a title: publisher new incident "Panne informatique"')
    try:
        impact = spoken.impact_word(impact)  # "critique", "Majeur"...
    except spoken.SpokenError:
        pass  # reported below with a did-you-mean
    if impact not in IMPACTS:
        raise AuthoringError(
            f"--impact '{impact}' is not valid; {did_you_mean(impact, IMPACTS)}"
            f"use one of: {', '.join(IMPACTS)}"
        )
    for lang in translations:
        if lang not in config.languages or lang == config.source_lang:
            raise AuthoringError(
                f"--title {lang}=…: '{lang}' is not a target language "
                f"(targets: {', '.join(config.target_langs)})"
            )
    day = date or now.astimezone(config.zone).strftime("%Y-%m-%d")
    incident_id = f"{day}-{slug or slugify(title)}"
    if not INCIDENT_ID.match(incident_id):
        raise AuthoringError(
            f"'{incident_id}' is not a valid incident id <YYYY-MM-DD>-<slug>; "
            "use --date YYYY-MM-DD and --slug lower-case-words"
        )
    directory = config.dir("content") / "incidents" / incident_id
    if directory.exists():
        raise AuthoringError(
            f"{display_path(directory, config.root)} already exists; choose another name with --slug"
        )
    directory.mkdir(parents=True)
    lines = ["---", f"title: {yaml_str(title)}", f"impact: {impact}", "---"]
    if summary:
        lines.append(summary.strip())
    index = directory / INCIDENT_FILE
    index.write_text("\n".join(lines) + "\n", encoding="utf-8")
    created = Created([index], incident_id=incident_id)
    rel = display_path(index, config.root)
    for lang, text in translations.items():
        po = content_po_path(config.dir("locales"), lang, incident_id)
        catalog = _catalog(po, lang, incident_id, config)
        _add(catalog, markup.normalize(title), text, (rel, 2), "front matter: title", "title")
        _write_catalog(po, catalog)
        created.paths.append(po)
    for lang in config.target_langs:
        if lang not in translations and lang != config.source_lang:
            created.notes.append(
                f"the title has no {lang} translation yet: the {lang} pages show "
                f"it in {config.source_lang} (give it with --title {lang}=…)"
            )
    return created


def _statement(config: Config, name: str) -> Statement:
    problems: list[Diagnostic] = []
    library = load_statements(config, problems)
    found = find_statement(library, name)
    if found is not None:
        return found
    broken = [str(d) for d in problems if Path(d.path).stem == name]
    if broken:
        raise AuthoringError(f"statement '{name}' cannot be used:\n" + "\n".join(broken))
    known = (
        ", ".join(f"{n} ({', '.join(st.aliases)})" if st.aliases else n for n, st in sorted(library.items()))
        or "none (run publisher init to get the standard library)"
    )
    raise AuthoringError(
        f"no statement '{name}' in content/statements/; "
        f"{did_you_mean(name, tuple(library))}available: {known}"
    )


def find_incident(config: Config, ref: str) -> str:
    """An incident id from its id, its slug or an unambiguous part of its id."""
    base = config.dir("content") / "incidents"
    ids = (
        sorted((p.name for p in base.iterdir() if (p / INCIDENT_FILE).exists()), reverse=True)
        if base.is_dir()
        else []
    )
    if ref in ids:
        return ref
    matches = [i for i in ids if i[11:] == ref] or [i for i in ids if ref in i]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        known = ", ".join(ids[:10]) or "none yet"
        raise AuthoringError(
            f"no incident '{ref}'; create it with publisher new incident \"<title>\" (incidents: {known})"
        )
    raise AuthoringError(f"'{ref}' matches several incidents: {', '.join(matches)}; give the full id")


def builtin_values(config: Config) -> dict[str, str]:
    """Placeholders every statement may use without --set, from publisher.toml."""
    values = {
        "organisation": config.organisation,
        "phone": config.phone,
        "site_url": config.base_url,
    }
    return {k: v for k, v in values.items() if v}


def new_update(
    config: Config,
    incident_ref: str,
    now: datetime,
    *,
    statement: str | None = None,
    status: str | None = None,
    at: str = "now",
    next_update: str | None = None,
    sets: Sequence[str] = (),
    approved_by: str | None = None,
    text: str | None = None,
    author: str | None = None,
) -> Created:
    """Write the update; `author` is the acting person's handle (people.acting)."""
    if approved_by and config.people.declared:
        raise AuthoringError(
            "--approved-by is not used when publisher.toml declares [people]: the approver "
            "records the approval with publisher approve <update>"
        )
    incident_id = find_incident(config, incident_ref)
    directory = config.dir("content") / "incidents" / incident_id
    when = parse_time(config, at, now, "--at")
    local = when.astimezone(config.zone)
    path = directory / f"{local:%Y%m%dT%H%M}.md"
    if path.exists():
        raise AuthoringError(
            f"{display_path(path, config.root)} already exists (one update per "
            "minute); pick another time with --at YYYY-MM-DDTHH:MM"
        )
    values = parse_sets(sets, config.languages)
    created = Created(incident_id=incident_id)
    st = _statement(config, statement) if statement else None
    if st is not None:
        body, fields, translations = _from_statement(config, st, values, created)
    else:
        if text is None:
            raise AuthoringError(
                'give the text: --from <statement> (see content/statements/), --text "…", '
                "or set $EDITOR to write it there"
            )
        if values[None] or len(values) > 1:
            raise AuthoringError("--set fills a statement's placeholders: use it with --from")
        body, fields, translations = text.strip(), {}, {}
        left = placeholders(body)
        if left:
            raise AuthoringError(
                "the text has unfilled placeholders: " + ", ".join("{" + p + "}" for p in left)
            )
    status = status or fields.get("status") or "investigating"
    try:
        status = spoken.status_word(status)  # "résolu", "en cours", "Resolved"...
    except spoken.SpokenError:
        pass  # reported below with a did-you-mean
    if status not in STATUSES:
        raise AuthoringError(
            f"--status '{status}' is not valid; {did_you_mean(status, STATUSES)}"
            f"use one of: {', '.join(STATUSES)}"
        )
    promise = _next_update(config, when, now, next_update, st, status)
    created.published_at, created.next_update = when, promise
    approver = approved_by or fields.get("approved_by")
    fast_path = st is not None and config.people.declared and approver is not None
    if fast_path and st is not None and status != st.status:
        # The fast path covers placeholder values only: another status is a new decision.
        created.notes.append(
            f"status '{status}' is not the statement's '{st.status}': this update needs an "
            "approval (publisher approve), not the pre-approved fast path"
        )
        fast_path, approver = False, None
    from publisher.frontedit import yaml_str as plain

    front = ["---", f"status: {status}", f"publish_at: {yaml_str(f'{local:%Y-%m-%dT%H:%M}')}"]
    if author:
        front.append(f"author: {plain(author)}")
    if approver:
        front.append(f"approved_by: {plain(approver)}")
    if fast_path and st is not None:
        front.append(f"approved_from: {plain(st.name)}")
    if promise is not None:
        front.append(f"next_update: {yaml_str(f'{promise.astimezone(config.zone):%Y-%m-%dT%H:%M}')}")
    incident_lang = _incident_lang(directory, config)
    update_lang = st.lang if st is not None else incident_lang
    if update_lang != incident_lang:
        front.append(f"lang: {update_lang}")
    front.append("---")
    path.write_text("\n".join(front) + "\n" + body + "\n", encoding="utf-8")
    created.paths.insert(0, path)
    body_line = len(front) + 1
    rel = display_path(path, config.root)
    for lang, table in translations.items():
        po = content_po_path(config.dir("locales"), lang, incident_id)
        catalog = _catalog(po, lang, incident_id, config)
        for b in markup.blocks(body):
            _add(catalog, b.text, table.get(b.text, ""), (rel, body_line + b.line - 1), b.kind)
        _write_catalog(po, catalog)
        created.paths.append(po)
    created.fast_path = fast_path
    if fast_path:
        _bind_fast_path(config, path, incident_id, incident_lang)
        created.notes.append(
            f"pre-approved statement '{statement}' (approved by {config.people.shown(approver)}) "
            "with only its placeholders filled: no second approval needed; any edit voids it"
        )
    elif not approver and config.get("publish", "require_approval"):
        who = ", ".join(
            p.handle
            for p in config.people.with_role("approver")
            if not (config.two_person and p.handle == author)
        )
        created.notes.append(
            f"not approved yet: it will not be published until an approver runs "
            f"publisher approve {incident_id}/{path.stem}" + (f" ({who})" if who else "")
        )
    return created


def _bind_fast_path(config: Config, path: Path, incident_id: str, incident_lang: str) -> None:
    """approved_hash of the text just written (the statement's approval covers this text)."""
    from publisher import frontedit
    from publisher.approval import text_hash
    from publisher.content import load_update

    problems: list[Diagnostic] = []
    update = load_update(path, incident_id, config, incident_lang, problems)
    if update is None:
        raise AuthoringError("the update just written does not load:\n" + "\n".join(map(str, problems)))
    frontedit.edit_file(path, {"approved_hash": text_hash(update)})


def _incident_lang(directory: Path, config: Config) -> str:
    text = (directory / INCIDENT_FILE).read_text(encoding="utf-8")
    m = re.search(r"^lang:\s*['\"]?([a-z]{2,3})", text, re.M)
    return m.group(1) if m else config.source_lang


def _next_update(
    config: Config, when: datetime, now: datetime, value: str | None, st: Statement | None, status: str
) -> datetime | None:
    if value in ("none", ""):
        return None
    if value is None:
        if st is None or st.next_update_in is None or status in CLOSED_STATUSES:
            return None
        return when + st.next_update_in
    # Counted from the update's own time: "+2h" and "22h30" mean after it, on its day or the next.
    promise = parse_time(config, value, when, "--next-update", after=True)
    if promise <= when:
        raise AuthoringError("--next-update must be after the update's time (--at)")
    return promise


def _from_statement(
    config: Config, st: Statement, values: dict[str | None, dict[str, str]], created: Created
) -> tuple[str, dict[str, str], dict[str, dict[str, str]]]:
    base = {**builtin_values(config), **values[None]}
    wanted = st.placeholders
    given = set(values[None]) | {k for lang, v in values.items() if lang for k in v}
    unknown = sorted(given - set(wanted))
    if unknown:
        hints = "; ".join(
            f"{did_you_mean(u, tuple(wanted))}".strip() for u in unknown if did_you_mean(u, tuple(wanted))
        )
        raise AuthoringError(
            f"statement '{st.name}' has no placeholder "
            + ", ".join("{" + u + "}" for u in unknown)
            + f"; its placeholders are: {', '.join('{' + w + '}' for w in wanted)}"
            + (f" ({hints})" if hints else "")
        )
    missing = [p for p in wanted if p not in base]
    if missing:
        example = " ".join(f'--set {p}="…"' for p in missing)
        raise AuthoringError(
            f"statement '{st.name}' needs a value for "
            + ", ".join("{" + p + "}" for p in missing)
            + f"; nothing was written. Run again with {example}"
            + (" (or set it in publisher.toml [site])" if {"phone", "organisation"} & set(missing) else "")
        )
    body = fill(st.body, base)
    translations: dict[str, dict[str, str]] = {}
    for lang in config.languages:
        if lang == st.lang:
            continue
        lang_values = {**base, **values.get(lang, {})}
        same = [
            p
            for p in values[None]
            if p not in values.get(lang, {}) and not re.fullmatch(r"[\d\s+().:/h-]*", values[None][p])
        ]
        if same:
            created.notes.append(
                f"{lang}: "
                + ", ".join("{" + p + "}" for p in same)
                + f" kept the {st.lang} value; give a translation with "
                + " ".join(f'--set {p}@{lang}="…"' for p in same)
            )
        tr = translate(config, st, lang, lang_values, base)
        translations[lang] = tr.blocks
        if tr.missing:
            created.notes.append(
                f"{lang}: {len(tr.missing)} block(s) of '{st.name}' have no "
                f"{lang} translation: this update shows in {st.lang} on the "
                f"{lang} pages until they are translated"
            )
    fields = {"status": st.status}
    if st.approved_by and config.people.declared:
        person = config.people.find(st.approved_by)
        if person is not None and person.has("approver"):
            fields["approved_by"] = person.handle
        else:
            created.notes.append(
                f"statement '{st.name}' is approved by '{st.approved_by}', who is not an approver "
                "in [people]: this update needs publisher approve"
            )
    elif st.approved_by:
        fields["approved_by"] = f"{st.approved_by} (pre-approved statement {st.name})"
    return body, fields, translations


# What `new update` opens in $EDITOR when no text is given: the FACET parts of a crisis
# message (ANSSI fiche 6) as a comment, in the language the update is written in. The
# comment is removed from what the author writes; an empty text writes nothing.
FACET = {
    "fr": """<!-- Écrivez le point de situation sous ce bloc, enregistrez et fermez l’éditeur.
     Ce bloc est retiré ; un texte vide n’écrit rien.
     FACET (ANSSI, fiche 6) :
     - Faits : ce qui se passe, depuis quand (« cyberattaque », pas « piratage » ;
       aucun détail technique, aucun auteur désigné).
     - Actions : ce qui est fait, ce qui fonctionne, ce qui est dégradé, quoi faire,
       le numéro à appeler.
     - Compassion : les patients et les proches d’abord ; des excuses si besoin.
     - Engagement : ce que vous vous engagez à faire, l’heure du prochain point.
     - Transparence : aucune date de retour à la normale ; ce que l’on sait et ce que
       l’on ne sait pas encore.
-->

""",
    "en": """<!-- Write the update below this block, save and close the editor.
     This block is removed; an empty text writes nothing.
     FACET (ANSSI, fiche 6):
     - Facts: what is happening, since when ("cyber-attack", not "hacked";
       no technical detail, no attacker named).
     - Actions: what is being done, what works, what is degraded, what to do,
       the number to call.
     - Compassion: patients and families first; an apology if needed.
     - Engagement: what you commit to, the time of the next update.
     - Transparency: no return-to-normal date; what is known and what is not yet.
-->

""",
}


def facet_template(lang: str) -> str:
    return FACET.get(lang, FACET["en"])


def without_template(text: str, lang: str) -> str:
    """What the author wrote: the FACET comment taken out if it is still there."""
    template = facet_template(lang).strip()
    text = text.replace(template, "", 1) if template in text else text
    return text.strip()
