"""The bundled example exactly as shipped (its own channels): what a fresh clone gets from
`publisher publish`: the site in public/, and paste-ready posts for Facebook and Mastodon in
outbox/ while no token is set."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def test_publish_on_a_fresh_copy_gives_the_site_and_both_outboxes(  # type: ignore[no-untyped-def]
    tmp_path: Path, cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("FACEBOOK_PAGE_TOKEN", "MASTODON_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    project = tmp_path / "clone"
    project.mkdir()
    shutil.copy(REPO / "publisher.toml", project / "publisher.toml")
    for name in ("content", "locales", "templates"):
        if (REPO / name).exists():
            shutil.copytree(REPO / name, project / name)
    assert cli("-C", project, "check").code == 0
    r = cli("-C", project, "publish")
    assert r.code == 0, r.out + r.err
    assert (project / "public" / "fr" / "index.html").is_file()
    facebook = sorted((project / "outbox" / "facebook").glob("*.txt"))
    mastodon = sorted((project / "outbox" / "mastodon").glob("*.txt"))
    assert len(facebook) == 6 and len(mastodon) == 12  # Facebook bilingual; Mastodon per language
    assert "https://status.chu-rouen.example/" in facebook[-1].read_text("utf-8")
    assert "outbox/facebook/" in r.out and "outbox/mastodon/" in r.out  # the log says where
    status = cli("-C", project, "status")
    assert status.code == 1 and "Waiting in the outbox for a person to post" in status.out
