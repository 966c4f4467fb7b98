"""Where every page lives in the built site. One place, so links and channels agree."""

from __future__ import annotations


def home(lang: str) -> str:
    return f"{lang}/index.html"


def incident(lang: str, incident_id: str) -> str:
    return f"{lang}/incidents/{incident_id}/index.html"


def update(lang: str, incident_id: str, stem: str) -> str:
    return f"{lang}/incidents/{incident_id}/{stem}.html"


def accessibility(lang: str) -> str:
    return f"{lang}/accessibility.html"


STYLESHEET = "style.css"


def absolute(base_url: str, path: str) -> str:
    """Public URL of a page; directory index pages are linked without 'index.html'."""
    if path.endswith("index.html"):
        path = path[: -len("index.html")]
    return base_url.rstrip("/") + "/" + path
