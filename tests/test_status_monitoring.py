"""`publisher status` for monitoring: posts waiting in the outbox for a person make it exit 1
until they are posted; every time a person reads is local, with the zone's name."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.publishing import set_config

NOW = "2019-11-23T12:00"
CHANNELS = '[channels.website]\ntype = "directory"\n\n[channels.facebook]\ntype = "facebook"\n'


def test_outbox_posts_wait_for_a_person_until_moved_to_posted(  # type: ignore[no-untyped-def]
    example: Path, cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_config(example, CHANNELS)
    assert cli("-C", example, "publish", "--now", NOW).code == 0
    waiting = sorted((example / "outbox" / "facebook").glob("*.txt"))
    assert len(waiting) == 6  # one bilingual post per update, paste-ready
    r = cli("-C", example, "status", "--now", NOW)
    assert r.code == 1  # a person has something to do
    assert "Waiting in the outbox for a person to post:" in r.out
    assert f"outbox/facebook/{waiting[0].name}" in r.out
    assert "post it by hand, then move the file to outbox/facebook/posted/ (or delete it)" in r.out
    data = json.loads(cli("-C", example, "status", "--now", NOW, "--json").out)
    assert len(data["outbox"]) == 6 and data["zone"] == "Europe/Paris"
    # French, for the comms officer
    monkeypatch.setenv("LANG", "fr_FR.UTF-8")
    fr = cli("-C", example, "status", "--now", NOW)
    assert "En attente dans l’outbox : à publier à la main" in fr.out
    assert "publiez-la à la main, puis déplacez le fichier dans outbox/facebook/posted/" in fr.out
    monkeypatch.delenv("LANG")
    # posted by hand: moved to posted/ (or deleted), and nothing waits any more
    posted = example / "outbox" / "facebook" / "posted"
    posted.mkdir()
    for path in waiting[:-1]:
        path.rename(posted / path.name)
    waiting[-1].unlink()
    r = cli("-C", example, "status", "--now", NOW)
    assert r.code == 0 and "Waiting in the outbox" not in r.out, r.out


def test_times_people_read_are_local_with_the_zone(example: Path, cli) -> None:  # type: ignore[no-untyped-def]
    assert cli("-C", example, "publish", "--now", NOW).code == 0
    r = cli("-C", example, "status", "--now", NOW)
    assert "(Paris time)" in r.out and "Z " not in r.out and not r.out.rstrip().endswith("Z")
    data = json.loads(cli("-C", example, "status", "--now", NOW, "--json").out)
    assert all(e["delivered_at"].endswith("Z") for e in data["published"])  # machines: UTC
