"""The render cache never serves a stale page: every input a page depends on is in its key."""

from __future__ import annotations

from pathlib import Path

from publisher.config import load_config
from publisher.content import load_site
from publisher.site import build

INCIDENT = "2019-11-15-cyberattaque"


def build_now(root: Path, **kwargs: object):  # type: ignore[no-untyped-def]
    config = load_config(root)
    return build(config, load_site(config).site, **kwargs)  # type: ignore[arg-type]


def en_page(root: Path) -> str:
    return (root / "public/en/incidents" / INCIDENT / "index.html").read_text()


def test_warm_build_renders_nothing_and_matches_a_cold_build(example: Path) -> None:
    build_now(example)
    cache_dir = example / ".publisher/cache/render"
    entries = sorted(p.name for p in cache_dir.iterdir())
    # view, pages, page digests and Atom entries for fr and en, the incident's JSON document
    # and its CAP messages
    assert len(entries) == 10, entries
    warm = build_now(example)
    cold = build_now(example, output=example / "cold", use_cache=False)
    a = {p.relative_to(warm.output): p.read_bytes() for p in warm.output.rglob("*.html")}
    b = {p.relative_to(cold.output): p.read_bytes() for p in cold.output.rglob("*.html")}
    assert a == b


def test_catalog_change_invalidates_that_language(example: Path) -> None:
    build_now(example)
    po = example / "locales/en/LC_MESSAGES/incidents" / f"{INCIDENT}.po"
    po.write_text(po.read_text().replace("A&E remains open", "The emergency department remains open"))
    build_now(example)
    assert "The emergency department remains open" in en_page(example)


def test_content_change_and_new_due_update_invalidate(example: Path) -> None:
    build_now(example, now=None)
    path = example / "content/incidents" / INCIDENT / "20191122T1700.md"
    path.write_text(path.read_text().replace("Une semaine", "Sept jours"))
    build_now(example)
    assert "Sept jours" in (example / "public/fr/incidents" / INCIDENT / "index.html").read_text()


def test_template_override_invalidates(example: Path) -> None:
    build_now(example)
    (example / "templates/web").mkdir(parents=True)
    (example / "templates/web/update.html").write_text(
        '{% extends "web/base.html" %}{% block main %}<h1>OVERRIDDEN</h1>{% endblock %}'
    )
    build_now(example)
    assert "OVERRIDDEN" in (example / "public/fr/incidents" / INCIDENT / "20191115T2130.html").read_text()


def test_damaged_cache_entry_is_a_miss(example: Path) -> None:
    build_now(example)
    for entry in (example / ".publisher/cache/render").iterdir():
        entry.write_bytes(b"not a pickle")
    build_now(example)
    assert "A&amp;E remains open" in en_page(example)


def test_damaged_pages_behind_valid_digests_are_rendered_again(example: Path) -> None:
    import shutil

    build_now(example)
    # A fresh output (no twin holding the bytes) forces every cached page to be read back.
    shutil.rmtree(example / "public")
    shutil.rmtree(example / ".public.staging", ignore_errors=True)
    for entry in (example / ".publisher/cache/render").glob("*.pages.pickle"):
        entry.write_bytes(b"not a pickle")
    rebuilt = build_now(example)
    cold = build_now(example, output=example / "cold", use_cache=False)
    a = {p.relative_to(rebuilt.output): p.read_bytes() for p in rebuilt.output.rglob("*.html")}
    b = {p.relative_to(cold.output): p.read_bytes() for p in cold.output.rglob("*.html")}
    assert a == b and len(a) > 10


def test_a_build_that_changes_nothing_reads_no_cached_page(example: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from publisher import cache

    build_now(example)
    build_now(example)  # the twin now holds this release too
    read: list[str] = []
    made: list[str] = []
    init = cache.LazyPage.__init__

    def counting_init(self, path, *args):  # type: ignore[no-untyped-def]
        made.append(path)
        init(self, path, *args)

    monkeypatch.setattr(cache.LazyPage, "__init__", counting_init)
    monkeypatch.setattr(cache.LazyPage, "content", property(lambda self: read.append(self.path) or b""))
    build_now(example)
    assert len(made) > 10 and read == []


def test_parallel_cold_build_gives_the_same_site(example: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from publisher import fanout

    monkeypatch.setattr(fanout, "MIN_MISSES", 1)
    monkeypatch.setattr(fanout, "workers", lambda: 2)
    config = load_config(example)
    site = load_site(config).site
    assert fanout.prefill(config, fanout.RenderCache(example / "c1", config), list(site.incidents)) == 2
    parallel = build_now(example)
    sequential = build_now(example, output=example / "seq", use_cache=False)
    a = {p.relative_to(parallel.output): p.read_bytes() for p in parallel.output.rglob("*.html")}
    b = {p.relative_to(sequential.output): p.read_bytes() for p in sequential.output.rglob("*.html")}
    assert a == b
