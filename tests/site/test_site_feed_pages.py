"""Feeds are paginated (RFC 5005 archived feeds): no feed document grows with the archive."""

from __future__ import annotations

from pathlib import Path

import feedparser
import pytest
from sitetools import INCIDENT, build, copy_example

from publisher import feeds
from tests.approvals import approve_file

NOW = "2026-01-01T00:00"


def links(parsed: feedparser.FeedParserDict) -> dict[str, str]:
    return {link.rel: link.href for link in parsed.feed.links}


def local(url: str, site: Path) -> Path:
    return site / url.split("://", 1)[1].split("/", 1)[1]


def walk(site: Path, feed: str) -> list[tuple[Path, feedparser.FeedParserDict]]:
    """The subscription document, then each archive by prev-archive, newest first."""
    path = site / feed
    found = []
    while True:
        parsed = feedparser.parse(path.read_bytes())
        assert not parsed.bozo, f"{path}: {parsed.get('bozo_exception')}"
        found.append((path, parsed))
        prev = links(parsed).get("prev-archive")
        if prev is None:
            return found
        path = local(prev, site)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(feeds, "PAGE_SIZE", 2)  # the example's 6 updates make 3 pages
    return copy_example(tmp_path / "p")


ADDED = """---
status: resolved
publish_at: "2019-11-{day}T12:00"
---
Point supplémentaire n°{day}.
"""


@pytest.mark.parametrize("feed", ["fr/feed.xml", f"en/incidents/{INCIDENT}/feed.xml"])
def test_subscription_feed_holds_the_latest_page_and_archives_hold_the_rest(project: Path, feed: str) -> None:
    site = build(project, NOW)
    chain = walk(site, feed)
    (first_path, first), *archives = chain
    assert [len(p.entries) for _path, p in chain] == [2, 2, 2, 2]
    assert [path.name for path, _p in archives] == [
        "feed-archive-3.xml",
        "feed-archive-2.xml",
        "feed-archive-1.xml",
    ]
    ids = [e.id for _path, p in archives for e in p.entries]
    assert len(ids) == len(set(ids)) == 6, "each update in exactly one archive page"
    # The subscription document is the newest page and is not itself an archive.
    assert [e.id for e in first.entries] == [e.id for e in archives[0][1].entries]
    assert "current" not in links(first) and b"fh:archive" not in first_path.read_bytes()
    published = [e.published for _path, p in archives for e in p.entries]
    assert published == sorted(published, reverse=True)
    for path, parsed in archives:
        assert links(parsed)["current"].endswith(feed)
        assert b"<fh:archive />" in path.read_bytes()
        assert b'xmlns:fh="http://purl.org/syndication/history/1.0"' in path.read_bytes()
    assert "next-archive" not in links(archives[0][1])
    assert links(archives[-1][1]).get("next-archive", "").endswith("feed-archive-2.xml")
    assert "prev-archive" not in links(archives[-1][1])


def test_a_new_update_leaves_full_archive_pages_untouched(project: Path) -> None:
    site = build(project, NOW)
    before = {p.name: p.read_bytes() for p in (site / "fr").glob("feed*.xml")}
    incident = project / "content" / "incidents" / INCIDENT
    (incident / "20191123T1200.md").write_text(ADDED.format(day=23), encoding="utf-8")
    approve_file(project, incident / "20191123T1200.md")
    site = build(project, NOW)
    after = {p.name: p.read_bytes() for p in (site / "fr").glob("feed*.xml")}
    assert set(after) == set(before)
    assert after["feed.xml"] != before["feed.xml"]
    for n in (1, 2, 3):
        assert after[f"feed-archive-{n}.xml"] == before[f"feed-archive-{n}.xml"]
    # The eighth update fills a fourth page: only the newest archive gains a next link.
    (incident / "20191124T1200.md").write_text(ADDED.format(day=24), encoding="utf-8")
    approve_file(project, incident / "20191124T1200.md")
    site = build(project, NOW)
    last = {p.name: p.read_bytes() for p in (site / "fr").glob("feed*.xml")}
    assert "feed-archive-4.xml" in last
    assert last["feed-archive-1.xml"] == before["feed-archive-1.xml"]
    assert last["feed-archive-2.xml"] == before["feed-archive-2.xml"]
    assert last["feed-archive-3.xml"] != before["feed-archive-3.xml"]
    assert links(feedparser.parse(last["feed-archive-3.xml"]))["next-archive"].endswith("feed-archive-4.xml")


def test_feeds_under_one_page_have_no_archive(tmp_path: Path) -> None:
    site = build(copy_example(tmp_path / "p"), NOW)
    assert not list(site.rglob("feed-archive-*.xml"))
    assert "prev-archive" not in links(feedparser.parse((site / "fr" / "feed.xml").read_bytes()))
