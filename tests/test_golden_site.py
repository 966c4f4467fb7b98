"""The example site's pages, byte for byte (see tests/golden.py to regenerate)."""

from __future__ import annotations

from pathlib import Path

from publisher.config import load_config
from publisher.content import load_site
from publisher.site import localized, pages
from publisher.timeutil import parse_local
from tests.golden import compare_tree


def test_example_site_matches_golden_files(example: Path) -> None:
    config = load_config(example)
    result = load_site(config)
    now = parse_local("2019-11-23T12:00", config.zone)
    files = {p.path: p.content for p in pages(config, localized(config, result.site, now))}
    html = {path: data for path, data in files.items() if path.endswith(".html")}
    compare_tree(html, "site")
