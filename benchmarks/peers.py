"""The benchmark corpus as a Hugo site and as a Pelican site: the same pages, their way.

Each peer gets what publisher builds from the same seed: every update as its own page in
French and in English (the English page carries the French text when the translation has
not arrived, as publisher shows it), one page per incident listing all its updates in
full, a home page, and the peer's own feeds. Templates are minimal on purpose: a peer is
timed doing its core work (parse Markdown, render pages, write files), not a theme.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from benchmarks.realistic import documents

HUGO_CONFIG = """\
baseURL = "https://status.chu.example/"
title = "CHU"
defaultContentLanguage = "fr"
defaultContentLanguageInSubdir = true
disableKinds = ["taxonomy", "term"]
timeZone = "Europe/Paris"
[languages.fr]
contentDir = "content/fr"
languageName = "Français"
weight = 1
[languages.en]
contentDir = "content/en"
languageName = "English"
weight = 2
[markup.goldmark.renderer]
unsafe = false
"""

HUGO_LAYOUTS = {
    "_default/baseof.html": """\
<!DOCTYPE html>
<html lang="{{ .Language.Lang }}">
<head><meta charset="utf-8"><title>{{ .Title }} — {{ .Site.Title }}</title>
{{ range .AllTranslations }}<link rel="alternate" hreflang="{{ .Language.Lang }}" href="{{ .Permalink }}">
{{ end }}</head>
<body><main>{{ block "main" . }}{{ end }}</main></body>
</html>
""",
    "_default/single.html": """\
{{ define "main" }}
<h1>{{ .Parent.Title }}</h1>
<article><h2>{{ .Params.status }} — <time datetime="{{ .Date.UTC.Format "2006-01-02T15:04:05Z" }}">\
{{ .Date.Format "2 January 2006 15:04" }}</time></h2>
{{ .Content }}</article>
{{ end }}
""",
    "_default/list.html": """\
{{ define "main" }}
<h1>{{ .Title }}</h1>
{{ range .Pages.ByDate.Reverse }}
<article><h2><a href="{{ .RelPermalink }}">{{ .Params.status }}</a> — \
<time datetime="{{ .Date.UTC.Format "2006-01-02T15:04:05Z" }}">\
{{ .Date.Format "2 January 2006 15:04" }}</time></h2>
{{ .Content }}</article>
{{ end }}
{{ end }}
""",
    "index.html": """\
{{ define "main" }}
<h1>{{ .Site.Title }}</h1>
<ul>{{ range (where .Site.Sections "Section" "incidents") }}{{ range .Sections.ByDate.Reverse }}
<li><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>{{ end }}{{ end }}</ul>
{{ end }}
""",
}

PELICAN_CONFIG = """\
AUTHOR = "CHU"
SITENAME = "CHU"
SITEURL = "https://status.chu.example"
PATH = "content"
TIMEZONE = "Europe/Paris"
DEFAULT_LANG = "fr"
DEFAULT_PAGINATION = False
FEED_ALL_ATOM = "feeds/all.atom.xml"
CATEGORY_FEED_ATOM = "feeds/{slug}.atom.xml"
TRANSLATION_FEED_ATOM = "feeds/all-{lang}.atom.xml"
AUTHOR_SAVE_AS = ""
AUTHORS_SAVE_AS = ""
TAGS_SAVE_AS = ""
ARCHIVES_SAVE_AS = ""
CACHE_CONTENT = False
LOAD_CONTENT_CACHE = False
"""


def export_hugo(root: Path, incidents: int, updates: int, seed: int) -> Path:
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    (root / "hugo.toml").write_text(HUGO_CONFIG)
    for name, text in HUGO_LAYOUTS.items():
        path = root / "layouts" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    for doc in documents(incidents, updates, seed):
        for lang, title, text in (("fr", doc.title[0], doc.fr), ("en", doc.title[1], doc.en or doc.fr)):
            d = root / "content" / lang / "incidents" / doc.incident_id
            if not d.is_dir():
                d.mkdir(parents=True)
                first = doc.publish_at.strftime("%Y-%m-%dT%H:%M:00+01:00")
                (d / "_index.md").write_text(f'---\ntitle: "{title}"\ndate: {first}\n---\n')
            (d / f"{doc.stem.lower()}.md").write_text(
                f'---\ntitle: "{doc.status}"\ndate: {doc.publish_at:%Y-%m-%dT%H:%M:00+01:00}\n'
                f"status: {doc.status}\n---\n{text}"
            )
    return root


def export_pelican(root: Path, incidents: int, updates: int, seed: int) -> Path:
    if root.exists():
        shutil.rmtree(root)
    (root / "content").mkdir(parents=True)
    (root / "pelicanconf.py").write_text(PELICAN_CONFIG)
    for doc in documents(incidents, updates, seed):
        for lang, title, text in (("fr", doc.title[0], doc.fr), ("en", doc.title[1], doc.en or doc.fr)):
            (root / "content" / f"{doc.incident_id}-{doc.stem}-{lang}.md").write_text(
                f"Title: {doc.status} — {title}\nDate: {doc.publish_at:%Y-%m-%d %H:%M}\n"
                f"Category: {doc.incident_id}\nSlug: {doc.incident_id}-{doc.stem.lower()}\n"
                f"Lang: {lang}\n\n{text}"
            )
    return root
