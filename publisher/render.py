"""Jinja environments and Babel formatting, one environment per language.

HTML templates are autoescaped; social templates (plain text) are not. Every date goes
through Babel in the configured zone and is labelled with it; ``<time datetime>`` carries UTC.
"""

from __future__ import annotations

import datetime as dt_
import posixpath
import re
from collections.abc import Callable
from functools import lru_cache, partial
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import jinja2
from babel import Locale
from babel.dates import format_date, format_time, get_timezone_location
from markupsafe import escape

from publisher import urls
from publisher.config import Config
from publisher.errors import FileRefused
from publisher.fsutil import read_project_file
from publisher.i18n.catalogs import ui_translations
from publisher.notes import Corrections
from publisher.timeutil import iso_utc

PACKAGE_TEMPLATES = Path(__file__).resolve().parent / "templates"

# Template kinds rendered as plain text (not autoescaped): social posts, e-mail text parts.
PLAIN_TEXT_KINDS = ("social", "text")

# Babel's "en" is US English; a European public body writes British dates (15 November, 19:00).
BABEL_LOCALES = {"en": "en_GB"}


def babel_locale(lang: str) -> Locale:
    return Locale.parse(BABEL_LOCALES.get(lang, lang))


class Formatter:
    """Dates and times for one language, in the configured zone."""

    def __init__(self, lang: str, zone: ZoneInfo, gettext: Any) -> None:
        self.lang = lang
        self.locale = babel_locale(lang)
        self.zone = zone
        self._ = gettext
        self.city = get_timezone_location(zone, locale=self.locale, return_city=True)

    def local(self, dt: dt_.datetime) -> dt_.datetime:
        return dt.astimezone(self.zone)

    def date(self, dt: dt_.datetime) -> str:
        return format_date(self.local(dt), "full", locale=self.locale)

    def time(self, dt: dt_.datetime) -> str:
        return format_time(self.local(dt), "HH:mm", locale=self.locale)

    def datetime(self, dt: dt_.datetime, zone_label: bool = True) -> str:
        text = self._("%(date)s at %(time)s") % {"date": self.date(dt), "time": self.time(dt)}
        if zone_label:
            text = self._("%(datetime)s (%(city)s time)") % {"datetime": text, "city": self.city}
        return text

    def day(self, iso_date: str) -> str:
        """A calendar date from the config (YYYY-MM-DD), e.g. 30 November 2026."""
        return format_date(dt_.date.fromisoformat(iso_date), "long", locale=self.locale)

    def short(self, dt: dt_.datetime) -> str:
        return format_date(self.local(dt), "d MMM y", locale=self.locale) + " " + self.time(dt)


def language_name(code: str) -> str:
    """A language named in itself (Français, English), as a language switcher shows it."""
    return (Locale.parse(code).get_display_name(code) or code).capitalize()


@lru_cache(maxsize=65536)
def relative(target: str, page: str) -> str:
    """Link from one output page to another as a relative URL, so public/ works from disk."""
    base = posixpath.dirname(page) or "."
    return posixpath.relpath(target, base)


_HEADING = re.compile(r"<(/?)h([1-6])\b")


def demote_headings(html: str, parent: int) -> str:
    """Shift the headings of rendered Markdown below a `parent`-level heading.

    An author's ``## Pour lundi`` is a section of the update it belongs to, whatever level
    the page gives that update's own heading, so the outline never skips a level (RGAA 9.1).
    """
    levels = [int(m.group(2)) for m in _HEADING.finditer(html)]
    if not levels:
        return html
    shift = parent + 1 - min(levels)
    return _HEADING.sub(lambda m: f"<{m.group(1)}h{min(6, int(m.group(2)) + shift)}", html)


def escaping_gettext(tr: Any) -> tuple[Callable[..., str], ...]:
    """gettext, ngettext, pgettext, npgettext returning HTML-escaped text (see Renderer.env)."""

    def esc(text: str) -> str:
        return str(escape(text))

    return (
        lambda s: esc(tr.gettext(s)),
        lambda s, p, n: esc(tr.ngettext(s, p, n)),
        lambda c, s: esc(tr.pgettext(c, s)),
        lambda c, s, p, n: esc(tr.npgettext(c, s, p, n)),
    )


class ProjectTemplates(jinja2.FileSystemLoader):
    """The project's own templates/, read like every other project file (fsutil): a regular
    file inside the project, bounded in size. A template that is a link leaving the project
    (or a FIFO, a device...) is not used: the built-in one is, and `check` and `publish`
    report it (publisher/templatefiles.py)."""

    def __init__(self, directory: Path, root: Path) -> None:
        super().__init__(str(directory))
        self.directory, self.root = directory, root

    def get_source(
        self, environment: jinja2.Environment, template: str
    ) -> tuple[str, str, Callable[[], bool]]:
        path = self.directory / template
        if ".." in Path(template).parts or not (path.exists() or path.is_symlink()):
            raise jinja2.TemplateNotFound(template)
        try:
            data = read_project_file(path, self.root)
        except FileRefused:
            raise jinja2.TemplateNotFound(template) from None
        mtime = path.stat().st_mtime
        return data.decode("utf-8", "replace"), str(path), lambda: path.stat().st_mtime == mtime


class Renderer:
    """Builds and caches the Jinja environment for each (kind, language)."""

    def __init__(self, config: Config, corrections: Corrections | None = None) -> None:
        self.config = config
        # The build's notes (publisher.corrections.prepare); none for a renderer outside one.
        self.corrections = corrections or Corrections()
        self._envs: dict[tuple[str, str], jinja2.Environment] = {}
        # The build's RenderCache (publisher.cache), if any: page hooks keep what they
        # derive from one incident there, under that incident's key.
        self.cache: Any = None

    def loader(self) -> jinja2.BaseLoader:
        builtin = jinja2.FileSystemLoader(str(PACKAGE_TEMPLATES))
        return jinja2.ChoiceLoader(
            [
                ProjectTemplates(self.config.dir("templates"), self.config.root),
                builtin,
                # "publisher/web/base.html" always names the built-in template, so a project's
                # own web/base.html can extend it and replace one block (docs/theming.md).
                jinja2.PrefixLoader({"publisher": builtin}),
            ]
        )

    def bytecode_cache(self, kind: str) -> jinja2.BytecodeCache | None:
        """Compiled templates kept in the state directory by a build that publishes.

        Compiling the templates was most of what rendering the few changed pages cost on
        the every-minute path (a profile of one new update). Jinja keys each entry by the
        template's name and source checksum and refuses another version's bytecode; one
        directory per kind, because autoescaping changes the compiled code. A dry run or the
        preview writes nothing in the state directory, so they compile in memory.
        """
        if not self.corrections.publishing:
            return None
        directory = self.config.cache_path("templates") / kind
        directory.mkdir(parents=True, exist_ok=True)
        return jinja2.FileSystemBytecodeCache(str(directory))

    def env(self, lang: str, kind: str = "web") -> jinja2.Environment:
        key = (kind, lang)
        if key in self._envs:
            return self._envs[key]
        env = jinja2.Environment(
            loader=self.loader(),
            extensions=["jinja2.ext.i18n"],
            autoescape=kind not in PLAIN_TEXT_KINDS,
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
            bytecode_cache=self.bytecode_cache(kind),
        )
        env.policies["ext.i18n.trimmed"] = True
        translations = ui_translations(self.config.dir("locales"), lang)
        if kind == "social":
            env.install_gettext_translations(translations, newstyle=True)  # type: ignore[attr-defined]
        else:
            # Jinja marks a translation safe in an autoescaped template: a msgstr would be
            # inserted as HTML on every page. UI strings are text, so they are escaped here
            # (and `check` refuses markup in them).
            gettext, ngettext, pgettext, npgettext = escaping_gettext(translations)
            env.install_gettext_callables(  # type: ignore[attr-defined]
                gettext, ngettext, newstyle=True, pgettext=pgettext, npgettext=npgettext
            )
        fmt = Formatter(lang, self.config.zone, translations.gettext)
        site_title, site_title_lang = self.config.site_title_for(lang)
        env.globals.update(
            fmt=fmt,
            lang=lang,
            config=self.config,
            organisation=self.config.organisation,
            contact=self.config.contact,
            phone=self.config.phone,
            accessibility=self.config.accessibility,
            # [contacts] for a language: the "whom to call" lines and the lines' hours
            contacts_for=self.config.contacts,
            contact_hours=self.config.contact_hours,
            site_title=site_title,
            site_title_lang=site_title_lang,
            urls=urls,
            base_url=self.config.base_url,
            languages=self.config.languages,
            source_lang=self.config.source_lang,
            iso_utc=iso_utc,
            language_name=language_name,
        )
        env.globals["update_notes"] = self.corrections.for_update  # corrections, retractions
        from publisher import services

        env.globals.update(
            service_icons=services.ICONS,
            service_groups=services.groups,
            service_history=partial(services.history, self.config),
        )
        env.filters["relative"] = relative
        env.filters["demote_headings"] = demote_headings
        self._envs[key] = env
        return env

    def render(self, template: str, lang: str, kind: str = "web", **context: Any) -> str:
        return self.env(lang, kind).get_template(template).render(**context)
