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


def feed(lang: str) -> str:
    """Atom feed of the latest updates in `lang`, newest first (older ones: feed_archive)."""
    return f"{lang}/feed.xml"


def incident_feed(lang: str, incident_id: str) -> str:
    return f"{lang}/incidents/{incident_id}/feed.xml"


def feed_archive(feed_path: str, number: int) -> str:
    """Archive page `number` (1 = oldest) of a feed (RFC 5005 archived feeds)."""
    return f"{feed_path.removesuffix('.xml')}-archive-{number}.xml"


def incident_json(incident_id: str) -> str:
    """One JSON document per incident, every language inside (docs/json.md)."""
    return f"incidents/{incident_id}.json"


def print_notice(incident_id: str) -> str:
    """The A4 notice to print and pin up (publisher/printing.py)."""
    return f"print/{incident_id}.html"


def banner_snippet(lang: str) -> str:
    """The HTML banner other sites embed (publisher/banner.py)."""
    return f"banner/{lang}.html"


BANNER_JSON = "banner/banner.json"
STYLESHEET = "style.css"
STATUS_JSON = "status.json"
SITEMAP = "sitemap.xml"
ROBOTS = "robots.txt"


def absolute(base_url: str, path: str) -> str:
    """Public URL of a page; directory index pages are linked without 'index.html'."""
    if path.endswith("index.html"):
        path = path[: -len("index.html")]
    return base_url.rstrip("/") + "/" + path
