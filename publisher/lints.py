"""The crisis checkers of `publisher check` (registered in :data:`publisher.checks.CHECKERS`).

Errors are what stops or spoils publication: an update nobody approved, a promised update
that is late, a link to a page that does not exist, a placeholder left in the text.
Warnings are what the reader will see degraded (an update shown untranslated) and the
guidance lints (ANSSI / NCSC advice: no return-to-normal date, no attribution, no ransom),
because only a person can judge those.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta
from functools import lru_cache
from urllib.parse import urljoin, urlsplit

from babel.messages.catalog import Catalog

from publisher import markup, plainlang, urls
from publisher.config import Config, line_of
from publisher.content import LoadResult
from publisher.errors import Diagnostic, display_path
from publisher.frontmatter import field_line
from publisher.i18n.catalogs import content_catalog, content_po_path, markup_problems, read_catalog
from publisher.i18n.pofiles import msgstr_line
from publisher.model import Incident, Site, Update
from publisher.publication import broken_promise, misnamed
from publisher.statements import PLACEHOLDER, check_statements, load_statements

# ---------------------------------------------------------------- helpers


def _updates(result: LoadResult) -> Iterator[tuple[Incident, Update]]:
    for incident in result.site.incidents:
        for update in incident.updates:
            yield incident, update


def _local(config: Config, dt: datetime) -> str:
    return dt.astimezone(config.zone).strftime("%Y-%m-%d %H:%M")


def _duration(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    parts = [f"{days} d"] * bool(days) + [f"{hours} h"] * bool(hours) + [f"{mins} min"] * bool(mins)
    return " ".join(parts) or "less than a minute"


# ---------------------------------------------------------------- approval, promises


def approval(config: Config, result: LoadResult, now: datetime) -> list[Diagnostic]:
    """Updates that will not be published as they are: unapproved, or approval void."""
    from publisher.approval import Approvals
    from publisher.journal import copy_lookup

    approvals = Approvals(config, copy_lookup(config))
    found = []
    for _incident, u in _updates(result):
        v = approvals.verdict(u)
        if v.ok:
            continue
        due = "is due" if u.publish_at <= now else f"is due at {_local(config, u.publish_at)}"
        what = "not approved" if v.kind == "unapproved" else "approval void" if v.kind == "void" else "held"
        who = f" by {', '.join(v.waiting_for)}" if v.waiting_for else ""
        found.append(
            Diagnostic(
                u.path,
                field_line(config.root, u.path, "approved_by" if u.approved_by else "publish_at"),
                f"{what}: this update {due} but will not be published"
                + ("" if v.kind == "unapproved" else f" ({v.reason.split(': ', 1)[-1]})"),
                f"once the crisis cell has validated the text: publisher approve {u.id}{who}",
            )
        )
    return found


def overdue(config: Config, site: Site, now: datetime) -> list[dict[str, str]]:
    """Incidents in progress whose latest visible update promised a next update now past
    (for `publisher status`)."""
    found = []
    for incident in site.incidents:
        shown = incident.visible(now)
        latest = shown.latest
        if latest is None or not shown.is_active or latest.next_update is None:
            continue
        if latest.next_update < now:
            found.append(
                {
                    "incident": incident.id,
                    "update": latest.id,
                    "path": latest.path,
                    "promised": _local(config, latest.next_update),
                    "late": _duration(now - latest.next_update),
                }
            )
    return found


def promises(config: Config, result: LoadResult, now: datetime) -> list[Diagnostic]:
    """next_update is a promise to readers: an impossible or broken one is an error."""
    found = []
    for incident in result.site.incidents:
        for u in incident.updates:
            # the same rules `publish` holds an update for (publication.py)
            found += [d for d in (broken_promise(config, u), misnamed(config, u)) if d is not None]
    for late in overdue(config, result.site, now):
        found.append(
            Diagnostic(
                late["path"],
                field_line(config.root, late["path"], "next_update"),
                f"overdue: readers were promised an update at {late['promised']} ({late['late']} ago)",
                f"publish an update now (publisher new update {late['incident']} --from <statement>), "
                "or if the plan changed, say so in a new update with a new next_update",
            )
        )
    return found


# ---------------------------------------------------------------- placeholders, links


def placeholders_left(config: Config, result: LoadResult, now: datetime) -> list[Diagnostic]:
    found = []
    for _incident, u in _updates(result):
        for i, line in enumerate(u.body.split("\n")):
            for m in PLACEHOLDER.finditer(line):
                found.append(
                    Diagnostic(
                        u.path,
                        u.body_line + i,
                        f"unfilled placeholder {m.group(0)}",
                        f"replace {m.group(0)} with its value (publisher new update --from <statement> "
                        f"--set {m.group(1)}=… fills it for you)",
                    )
                )
    return found


def site_paths(config: Config, result: LoadResult) -> set[str]:
    """Every page the build makes for this content (plus what the output already holds)."""
    paths = {"index.html", urls.STYLESHEET, urls.STATUS_JSON, urls.SITEMAP, urls.BANNER_JSON}
    for lang in config.languages:
        paths.update((urls.home(lang), urls.accessibility(lang), urls.feed(lang), urls.banner_snippet(lang)))
        for incident in result.site.incidents:
            paths.update((urls.incident(lang, incident.id), urls.incident_feed(lang, incident.id)))
            paths.update(urls.update(lang, incident.id, u.stem) for u in incident.updates)
    for incident in result.site.incidents:
        paths.update((urls.print_notice(incident.id), urls.incident_json(incident.id)))
    output = config.dir("output")
    if output.is_dir():
        paths.update(str(p.relative_to(output)) for p in output.rglob("*.html"))
    return paths


def _internal_target(config: Config, page: str, url: str) -> str | None:
    """The site path a link points to, or None when it leaves the site."""
    if url.startswith(("#", "mailto:", "tel:")):
        return None
    absolute = urljoin(config.base_url + page, url)
    if not absolute.startswith(config.base_url):
        return None
    path = urlsplit(absolute[len(config.base_url) :]).path
    return path + "index.html" if path == "" or path.endswith("/") else path


def internal_links(config: Config, result: LoadResult, now: datetime) -> list[Diagnostic]:
    known = site_paths(config, result)
    found = []
    lang = config.source_lang

    def check(path: str, text: str, first_line: int, page: str) -> None:
        for line, url in markup.links(text):
            target = _internal_target(config, page, url)
            if target is not None and target not in known:
                found.append(
                    Diagnostic(
                        path,
                        first_line + line - 1,
                        f"broken link: '{url}' points to {target}, which the site does not have",
                        f"link to an existing page, e.g. {config.base_url}{urls.home(lang)} or "
                        f"/{lang}/incidents/<incident id>/ (copy the address from publisher preview)",
                    )
                )

    for incident in result.site.incidents:
        check(incident.path, incident.summary, incident.summary_line, urls.incident(lang, incident.id))
        for u in incident.updates:
            check(u.path, u.body, u.body_line, urls.update(lang, incident.id, u.stem))
    return found


# ---------------------------------------------------------------- translations


def _state(catalog: Catalog | None, msgid: str, context: str | None = None) -> str | None:
    """Why a block cannot be published in this language, or None when it can."""
    m = catalog.get(msgid, context) if catalog is not None else None
    if m is None or not m.string:
        return "missing"
    if m.fuzzy:
        return "fuzzy"
    if not isinstance(m.string, str) or markup_problems(msgid, m.string):
        return "link/code differs"
    return None


def translations(config: Config, result: LoadResult, now: datetime) -> list[Diagnostic]:
    found = []
    locales = config.dir("locales")
    for incident in result.site.incidents:
        for lang in config.languages:
            # Even on the incident's own language pages: an update written in another
            # language (English-first) is translated through this language's catalog.
            catalog = content_catalog(locales, lang, incident.id).catalog
            po = display_path(content_po_path(locales, lang, incident.id), config.root)
            state = (
                _state(catalog, markup.normalize(incident.title), "title")
                if (lang != incident.lang)
                else None
            )
            if state:
                found.append(
                    Diagnostic(
                        incident.path,
                        incident.title_line,
                        f"{lang}: title translation {state}: the {lang} pages show the title in "
                        f"{incident.lang}",
                        f'translate it in {po} (msgctxt "title")',
                        "warning",
                    )
                )
            for u in incident.updates:
                if u.lang == lang:
                    continue
                blocks = markup.blocks(u.body)
                states = [(b, _state(catalog, b.text)) for b in blocks]
                bad = [(b, s) for b, s in states if s]
                if not bad:
                    continue
                kinds = sorted({s for _, s in bad if s})
                found.append(
                    Diagnostic(
                        u.path,
                        u.body_line + bad[0][0].line - 1,
                        f"{lang}: {len(bad)} of {len(blocks)} blocks have no usable translation "
                        f"({', '.join(kinds)}): the {lang} pages will show this update in {u.lang}",
                        f"translate them in {po}; a fuzzy entry is never published",
                        "warning",
                    )
                )
    return found


def reference_links(config: Config, result: LoadResult, now: datetime) -> list[Diagnostic]:
    """A translation that changes where a reference-style link goes is an error (it is not
    published: the update is shown in its own language)."""
    found = []
    locales = config.dir("locales")
    for incident in result.site.incidents:
        for lang in config.languages:
            catalog = content_catalog(locales, lang, incident.id)
            po_path = content_po_path(locales, lang, incident.id)
            po = display_path(po_path, config.root)
            for u in incident.updates:
                if u.lang == lang or catalog.catalog is None:
                    continue

                def usable(msgid: str, catalog: Catalog = catalog.catalog) -> str | None:
                    m = catalog.get(msgid)
                    ok = m is not None and m.string and not m.fuzzy and isinstance(m.string, str)
                    return str(m.string) if ok and m is not None else None

                for line, msgid, _text in markup.reference_changes(u.body, usable):
                    m = catalog.catalog.get(msgid)
                    at = msgstr_line(po_path, m.lineno) if m is not None and m.lineno else 0
                    found.append(
                        Diagnostic(
                            po,
                            at,
                            f"{lang} translation of {u.path}:{u.body_line + line - 1} adds, drops or "
                            "retargets a link once its reference definitions are read: "
                            f"the {lang} pages show this update in {u.lang}",
                            "keep every link of the source, pointing where it points ([text][label] "
                            "uses the document's own [label]: definitions)",
                        )
                    )
    return found


# ---------------------------------------------------------------- guidance lints

CATEGORIES = {
    "return_date": (
        "promises a return-to-normal date",
        "never promise a precise date (ANSSI); say what works now and promise the "
        "next update instead (next_update)",
    ),
    "attribution": ("attributes the attack", "attribution is a State decision (ANSSI); state the facts only"),
    "ransom": (
        "mentions a ransom",
        "mention a ransom only if it is already public, never say whether it was paid (ANSSI)",
    ),
    "forbidden": (
        "is a word to avoid",
        "ANSSI advises 'cyberattaque' / 'incident de cybersécurité'; "
        "the list is [lint] forbidden_<lang> in publisher.toml",
    ),
    "jargon": (
        "is jargon a patient may not know",
        "say it in everyday words, or explain it once (langage clair); "
        "the list is [lint] jargon_<lang> in publisher.toml",
    ),
    "alarm": (
        "alarms without informing",
        "say what it means for the reader instead: what works, what to do, when you will say more; "
        "the list is [lint] alarm_<lang> in publisher.toml",
    ),
}


ACTIVE_EXAMPLE = {
    "fr": "say who acts: 'nos équipes traitent les prescriptions' rather than 'les prescriptions "
    "sont traitées'",
    "en": "say who acts: 'our teams are handling prescriptions' rather than 'prescriptions are handled'",
}


@lru_cache(maxsize=64)
def _pattern(phrase: str) -> re.Pattern[str]:
    words = _fold(phrase.strip()).split()
    parts = [re.escape(w.rstrip("*")) + (r"\w*" if w.endswith("*") else "") for w in words]
    return re.compile(r"(?<!\w)" + r"\s+".join(parts) + r"(?!\w)", re.IGNORECASE)


def _fold(text: str) -> str:
    return text.replace("\u2019", "'").replace("\u00a0", " ").replace("\u202f", " ")


def guidance_matches(config: Config, text: str, lang: str) -> Iterator[tuple[int, str, str]]:
    """(line offset, category, matched text) for every listed phrase found in `text`."""
    folded = _fold(text)
    for category in CATEGORIES:
        key = f"{category}_{lang}"
        for phrase in config.strings("lint", key):
            if not phrase.strip():
                continue
            for m in _pattern(phrase).finditer(folded):
                yield folded.count("\n", 0, m.start()), category, text[m.start() : m.end()]


def _lint(
    config: Config, path: str, first_line: int, text: str, lang: str, where: str = ""
) -> Iterable[Diagnostic]:
    for offset, category, matched in guidance_matches(config, text, lang):
        what, hint = CATEGORIES[category]
        yield Diagnostic(path, first_line + offset, f"{where}'{matched}' {what}", hint, "warning")
    limit = config.integer("lint", "max_sentence_words")
    for offset, words, start in plainlang.long_sentences(text, limit):
        yield Diagnostic(
            path,
            first_line + offset,
            f"{where}a sentence of {words} words ('{start}…')",
            f"split it: a reader on a phone follows sentences of up to {limit} words "
            "([lint] max_sentence_words)",
            "warning",
        )
    for offset, passives, sentences in plainlang.passive_paragraphs(text, lang):
        yield Diagnostic(
            path,
            first_line + offset,
            f"{where}a paragraph mostly in the passive ({passives} passive forms in {sentences} sentence(s))",
            ACTIVE_EXAMPLE.get(lang, ACTIVE_EXAMPLE["en"]),
            "warning",
        )


def guidance(config: Config, result: LoadResult, now: datetime) -> list[Diagnostic]:
    found: list[Diagnostic] = []
    locales = config.dir("locales")
    for incident in result.site.incidents:
        found.extend(_lint(config, incident.path, incident.title_line, incident.title, incident.lang))
        found.extend(_lint(config, incident.path, incident.summary_line, incident.summary, incident.lang))
        for u in incident.updates:
            found.extend(_lint(config, u.path, u.body_line, u.body, u.lang))
        for lang in config.languages:
            po_path = content_po_path(locales, lang, incident.id)
            catalog = read_catalog(po_path, lang)
            if catalog is None:
                continue
            shown = display_path(po_path, config.root)
            for m in catalog:
                if m.id and isinstance(m.string, str) and m.string:
                    found.extend(
                        _lint(
                            config,
                            shown,
                            msgstr_line(po_path, m.lineno or 1),
                            m.string,
                            lang,
                            f"{lang} translation: ",
                        )
                    )
    return found


def statements(config: Config, result: LoadResult, now: datetime) -> list[Diagnostic]:
    found = check_statements(config)
    for st in load_statements(config, []).values():
        found.extend(_lint(config, st.path, st.body_line, st.body, st.lang))
    return found


# The scaffold's address and the documentation domains (RFC 2606): not a real site yet.
PLACEHOLDER_HOSTS = ("statut.example.org", "example.org", "example.com", "example.net")


def placeholder_url(config: Config, result: LoadResult, now: datetime) -> list[Diagnostic]:
    """`publisher check`: QR codes, social links and feeds all point at base_url."""
    host = (urlsplit(config.base_url).hostname or "").lower()
    if not any(host == h or host.endswith("." + h) for h in PLACEHOLDER_HOSTS):
        return []
    text = config.path.read_text(encoding="utf-8") if config.path.exists() else ""
    return [
        Diagnostic(
            display_path(config.path, config.root),
            line_of(text, "site", "base_url"),
            f"base_url is still the placeholder {config.base_url}: QR codes, social posts and "
            "feeds would point there",
            'set [site] base_url = "https://<the public address of your status site>/"',
            severity="warning",
        )
    ]
