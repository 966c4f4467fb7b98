"""``sitemap.xml`` (every page, with its other-language ``hreflang`` alternates) and ``robots.txt``.

Only canonical URLs are listed: the root ``index.html`` is a copy of the source-language
home page whose canonical is ``<lang>/``, so it is left out. ``lastmod`` is the time of the
newest update a page shows, so a crawler revisits exactly the pages that changed.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import TYPE_CHECKING

from publisher import urls
from publisher.config import Config
from publisher.localize import IncidentView
from publisher.release import Page
from publisher.timeutil import iso_utc

if TYPE_CHECKING:
    from publisher.render import Renderer
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
XHTML_NS = "http://www.w3.org/1999/xhtml"

# (path_for(lang, *args), args, lastmod)
Entry = tuple[Callable[..., str], tuple[str, ...], datetime | None]


def entries(views: dict[str, list[IncidentView]]) -> list[Entry]:
    """Every HTML page of the site, once per page (not once per language)."""
    incidents = next(iter(views.values()), [])
    newest = max((iv.incident.updates[-1].publish_at for iv in incidents), default=None)
    found: list[Entry] = [(urls.home, (), newest), (urls.accessibility, (), None)]
    for iv in incidents:
        iid = iv.incident.id
        found.append((urls.incident, (iid,), iv.incident.updates[-1].publish_at))
        for u in iv.incident.updates:
            found.append((urls.update, (iid, u.stem), u.publish_at))
    return found


def sitemap(config: Config, views: dict[str, list[IncidentView]]) -> bytes:
    # Unqualified tags under literal xmlns declarations, so the prefixes are the usual ones.
    root = ET.Element("urlset", {"xmlns": SITEMAP_NS, "xmlns:xhtml": XHTML_NS})
    for path_for, args, lastmod in entries(views):
        for lang in config.languages:
            url = ET.SubElement(root, "url")
            ET.SubElement(url, "loc").text = urls.absolute(config.base_url, path_for(lang, *args))
            if lastmod is not None:
                ET.SubElement(url, "lastmod").text = iso_utc(lastmod)
            # Google's rule: each URL lists every language version, itself included.
            for other in config.languages:
                ET.SubElement(
                    url,
                    "xhtml:link",
                    {
                        "rel": "alternate",
                        "hreflang": other,
                        "href": urls.absolute(config.base_url, path_for(other, *args)),
                    },
                )
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def robots(config: Config, standby: bool = False) -> bytes:
    if standby:
        # A dark site waiting for its first incident: not in search results until then.
        return b"User-agent: *\nDisallow: /\n"
    # A status site is meant to be found: everything may be crawled.
    return (f"User-agent: *\nAllow: /\n\nSitemap: {urls.absolute(config.base_url, urls.SITEMAP)}\n").encode()


def pages(config: Config, views: dict[str, list[IncidentView]], renderer: Renderer) -> Iterator[Page]:
    yield Page(urls.SITEMAP, sitemap(config, views))
    from publisher.site import is_standby

    yield Page(urls.ROBOTS, robots(config, is_standby(views)))
