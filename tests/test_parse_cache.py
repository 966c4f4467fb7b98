"""The content parse cache: unchanged files are not re-read, changed ones always are."""

from __future__ import annotations

import os
from pathlib import Path

from publisher import content
from publisher.config import load_config
from publisher.content import load_site

INCIDENT = "content/incidents/2019-11-15-cyberattaque"


def test_second_load_parses_nothing_and_gives_the_same_site(example: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    config = load_config(example)
    first = load_site(config, use_cache=True)
    calls: list[Path] = []
    original = content.load_update

    def counting(path: Path, *args):  # type: ignore[no-untyped-def]
        calls.append(path)
        return original(path, *args)

    monkeypatch.setattr(content, "load_update", counting)
    second = load_site(config, use_cache=True)
    assert calls == []
    assert second.site == first.site
    path = example / INCIDENT / "20191122T1700.md"
    path.write_text(path.read_text().replace("Une semaine", "Sept jours"))
    third = load_site(config, use_cache=True)
    assert calls == [path]
    assert "Sept jours" in third.site.incidents[0].updates[-1].body


def test_diagnostics_of_a_cached_broken_file_are_reported_again(example: Path) -> None:
    config = load_config(example)
    path = example / INCIDENT / "20191122T1700.md"
    path.write_text(path.read_text().replace("status: resolved", "status: fini"))
    first = load_site(config, use_cache=True)
    second = load_site(config, use_cache=True)
    assert [str(d) for d in first.diagnostics] == [str(d) for d in second.diagnostics]
    assert "'fini' is not a valid status" in str(second.diagnostics[0])


def test_same_size_edit_with_new_mtime_is_seen(example: Path) -> None:
    config = load_config(example)
    load_site(config, use_cache=True)
    path = example / INCIDENT / "20191122T1700.md"
    text = path.read_text()
    path.write_text(text.replace("Une semaine", "Une SEMAINE"))
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1000))
    assert "Une SEMAINE" in load_site(config, use_cache=True).site.incidents[0].updates[-1].body


def test_damaged_cache_file_is_ignored(example: Path) -> None:
    config = load_config(example)
    load_site(config, use_cache=True)
    (example / ".publisher/cache/content.pickle").write_bytes(b"garbage")
    assert len(load_site(config, use_cache=True).site.incidents[0].updates) == 6
