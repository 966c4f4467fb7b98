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


def test_example_site_in_the_middle_of_the_crisis_matches_golden_files(example: Path) -> None:
    """Sunday 17 November, 19:00: the grid shows the degraded services, the home page, the
    banner and the notice carry what to do and whom to call."""
    config = load_config(example)
    result = load_site(config)
    now = parse_local("2019-11-17T19:00", config.zone)
    files = {p.path: p.content for p in pages(config, localized(config, result.site, now))}
    wanted = ("fr/index.html", "en/index.html", "banner/fr.html", "banner/en.html", "banner/banner.json")
    kept = {path: data for path, data in files.items() if path in wanted or path.startswith("print/")}
    kept.update({p: d for p, d in files.items() if p.endswith("cyberattaque/index.html")})
    assert "banner/fr.html" in kept and any(p.startswith("print/") for p in kept)
    compare_tree({p: d for p, d in kept.items() if not p.endswith(".pdf")}, "site-during")
