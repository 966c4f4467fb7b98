"""sitemap.xml with hreflang alternates, and robots.txt pointing at it."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from htmlscan import parse
from sitetools import INCIDENT

SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
XHTML = "{http://www.w3.org/1999/xhtml}"
BASE_URL = "https://status.chu-rouen.example/"


def test_sitemap_lists_every_canonical_page_with_its_alternates(sites: dict[str, Path]) -> None:
    site = sites["final"]
    root = ET.parse(site / "sitemap.xml").getroot()
    assert root.tag == f"{SM}urlset"
    urls = root.findall(f"{SM}url")
    # 2 languages x (home + statement + incident + 6 updates)
    assert len(urls) == 2 * 9
    for url in urls:
        loc = url.findtext(f"{SM}loc")
        assert loc and loc.startswith(BASE_URL)
        rel = loc[len(BASE_URL) :]
        page = site / (rel + "index.html" if rel.endswith("/") or not rel else rel)
        assert page.exists(), loc
        # The page's own canonical link agrees with the sitemap.
        canonical = [
            n.attrs["href"] for n in parse(page).find_all("link") if n.attrs.get("rel") == "canonical"
        ]
        assert canonical == [loc]
        alternates = {a.get("hreflang"): a.get("href") for a in url.findall(f"{XHTML}link")}
        assert set(alternates) == {"fr", "en"} and loc in alternates.values()
    updates = [u for u in urls if "20191122T1700" in (u.findtext(f"{SM}loc") or "")]
    assert [u.findtext(f"{SM}lastmod") for u in updates] == ["2019-11-22T16:00:00Z"] * 2
    assert f"{BASE_URL}fr/incidents/{INCIDENT}/" in [u.findtext(f"{SM}loc") for u in urls]


def test_robots_txt_allows_everything_and_names_the_sitemap(sites: dict[str, Path]) -> None:
    text = (sites["final"] / "robots.txt").read_text(encoding="utf-8")
    assert "User-agent: *\nAllow: /\n" in text
    assert f"Sitemap: {BASE_URL}sitemap.xml" in text.splitlines()
