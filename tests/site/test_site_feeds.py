"""Atom feeds: parse without a bozo flag, newest first, permalinks, languages."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import feedparser
import pytest
from sitetools import INCIDENT, SECOND

ATOM = "{http://www.w3.org/2005/Atom}"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
BASE_URL = "https://status.chu-rouen.example/"


@pytest.mark.parametrize("name", ["final", "crisis"])
def test_every_feed_parses_without_bozo(sites: dict[str, Path], name: str) -> None:
    feeds = sorted(sites[name].rglob("feed.xml"))
    assert len(feeds) == (2 + 2 * 1 if name == "final" else 2 + 2 * 2)
    for path in feeds:
        parsed = feedparser.parse(path.read_bytes())
        assert not parsed.bozo, f"{path}: {parsed.get('bozo_exception')}"
        assert parsed.version == "atom10"
        assert parsed.entries, path


def local(url: str, site: Path) -> Path:
    assert url.startswith(BASE_URL), url
    return site / url[len(BASE_URL) :]


def test_language_feed_lists_every_update_newest_first(sites: dict[str, Path]) -> None:
    site = sites["crisis"]
    for lang in ("fr", "en"):
        parsed = feedparser.parse((site / lang / "feed.xml").read_bytes())
        assert parsed.feed.language == lang
        ids = [e.id for e in parsed.entries]
        assert ids == [
            f"{BASE_URL}{lang}/incidents/{INCIDENT}/20191116T1145.html",
            f"{BASE_URL}{lang}/incidents/{INCIDENT}/20191116T1130.html",
            f"{BASE_URL}{lang}/incidents/{SECOND}/20191116T1000.html",
            f"{BASE_URL}{lang}/incidents/{INCIDENT}/20191115T2130.html",
        ]
        for entry in parsed.entries:
            assert entry.link == entry.id
            page = local(entry.link, site)
            assert page.exists(), page  # each entry links its permalink page
        feed_links = [link.href for link in parsed.feed.links]
        assert f"{BASE_URL}{lang}/feed.xml" in feed_links  # rel=self


def test_entries_carry_the_language_their_text_is_in(sites: dict[str, Path]) -> None:
    site = sites["crisis"]
    root = ET.parse(site / "en" / "feed.xml").getroot()
    assert root.get(XML_LANG) == "en"
    langs = {
        e.find(f"{ATOM}id").text.rsplit("/", 1)[1]: e.get(XML_LANG)  # type: ignore[union-attr]
        for e in root.findall(f"{ATOM}entry")
    }
    # The untranslated French update is marked French in the English feed.
    assert langs == {
        "20191116T1145.html": "fr",
        "20191116T1130.html": "en",
        "20191116T1000.html": "en",
        "20191115T2130.html": "en",
    }
    parsed = feedparser.parse((site / "en" / "feed.xml").read_bytes())
    untranslated = parsed.entries[0]
    assert untranslated.content[0].language == "fr"
    assert "Les consultations de lundi" in untranslated.content[0].value
    # ...and says so in the reader's language, marked as such inside the French content.
    assert '<p class="notice" lang="en">Translation in progress' in untranslated.content[0].value
    assert untranslated.tags[0].term == "identified" and untranslated.tags[0].label == "Identified"


def test_incident_feed_holds_only_that_incident(sites: dict[str, Path]) -> None:
    site = sites["final"]
    for lang in ("fr", "en"):
        parsed = feedparser.parse((site / lang / "incidents" / INCIDENT / "feed.xml").read_bytes())
        assert len(parsed.entries) == 6
        published = [e.published for e in parsed.entries]
        assert published == sorted(published, reverse=True)
        assert all(f"/{lang}/incidents/{INCIDENT}/" in e.link for e in parsed.entries)
        assert parsed.feed.updated == "2019-11-22T16:00:00Z"
    en = feedparser.parse((site / "en" / "incidents" / INCIDENT / "feed.xml").read_bytes())
    assert en.feed.title.startswith("Cyber attack on Rouen University Hospital")
    assert en.entries[0].title == "Resolved — Cyber attack on Rouen University Hospital’s IT systems"


def test_feeds_are_rebuilt_byte_identical(sites: dict[str, Path], tmp_path: Path) -> None:
    """No build time inside: a rebuild with nothing new rewrites nothing a reader polls."""
    from sitetools import build, copy_example

    again = build(copy_example(tmp_path / "again"), "2026-01-01T00:00")
    for name in ("fr/feed.xml", "status.json", "sitemap.xml", f"incidents/{INCIDENT}.json"):
        assert (again / name).read_bytes() == (sites["final"] / name).read_bytes(), name


def test_a_corrected_update_keeps_its_id_and_gets_a_new_updated(sites: dict[str, Path]) -> None:
    from sitetools import CORRECTED_STEM, CORRECTED_TO_EN

    site = sites["crisis"]
    for lang in ("fr", "en"):
        for feed in (site / lang / "feed.xml", site / lang / "incidents" / INCIDENT / "feed.xml"):
            parsed = feedparser.parse(feed.read_bytes())
            entries = [e for e in parsed.entries if e.id.endswith(f"/{CORRECTED_STEM}.html")]
            assert len(entries) == 1, feed  # one entry, not a second one for the new text
            entry = entries[0]
            assert entry.published == "2019-11-16T10:30:00Z"
            assert entry.updated == "2019-11-16T11:30:00Z"  # the 12:30 Paris rebuild
            assert parsed.feed.updated == "2019-11-16T11:30:00Z", feed
    en = feedparser.parse((site / "en" / "feed.xml").read_bytes())
    corrected = next(e for e in en.entries if e.id.endswith(f"/{CORRECTED_STEM}.html"))
    assert CORRECTED_TO_EN in corrected.content[0].value
    assert "Corrected on" in corrected.content[0].value


def test_unchanged_incidents_come_from_the_render_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The every-minute rebuild does not re-render an unchanged incident's feed entries or
    JSON document, and what the cache gives back is byte-identical."""
    from sitetools import build, copy_example

    from publisher import feeds, jsondocs

    project = copy_example(tmp_path / "p")
    first = build(project, "2026-01-01T00:00")
    files = (
        "fr/feed.xml",
        "en/feed.xml",
        f"en/incidents/{INCIDENT}/feed.xml",
        f"incidents/{INCIDENT}.json",
        "status.json",
    )
    before = {name: (first / name).read_bytes() for name in files}
    cached = sorted(p.name.split(".")[1] for p in (project / ".publisher" / "cache" / "render").iterdir())
    assert "atom" in cached and "json" in cached

    def must_not_render(*args: object, **kwargs: object) -> None:
        raise AssertionError("rendered again although nothing changed")

    monkeypatch.setattr(feeds.FeedWriter, "entry", must_not_render)
    monkeypatch.setattr(jsondocs.Documents, "incident_document", must_not_render)
    again = build(project, "2026-01-01T00:00")
    assert {name: (again / name).read_bytes() for name in files} == before
