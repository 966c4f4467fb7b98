"""Social channels end to end through `publisher publish`: the website first, then Facebook and
Mastodon (emulators on 127.0.0.1), the ledger, crashes by SIGKILL and secrets."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.emulators import FacebookEmulator, MastodonEmulator, masto_error
from tests.publishing import AFTER_ALL, rows, run_publisher
from tests.socialkit import (
    FB_TOKEN,
    FIRST,
    MA_TOKEN,
    configure,
    edit_update,
    fb_options,
    masto_options,
)

TOKENS = {"TEST_FB_TOKEN": FB_TOKEN, "TEST_MA_TOKEN": MA_TOKEN}


@pytest.fixture
def project(
    example: Path, fb: FacebookEmulator, masto: MastodonEmulator, monkeypatch: pytest.MonkeyPatch
) -> Path:
    for name, value in TOKENS.items():
        monkeypatch.setenv(name, value)
    text = (example / "publisher.toml").read_text(encoding="utf-8")
    (example / "publisher.toml").write_text(
        text + '\n[channels.website]\ntype = "directory"\n', encoding="utf-8"
    )
    configure(example, facebook=fb_options(fb.base_url), mastodon=masto_options(masto.base_url))
    return example


def no_secret_anywhere(project: Path, *texts: str) -> None:
    ledger = (project / ".publisher" / "ledger.db").read_bytes()
    for token in TOKENS.values():
        assert token.encode() not in ledger
        for text in texts:
            assert token not in text


def test_publish_posts_everything_once_then_edits_a_correction(
    project: Path, cli, fb: FacebookEmulator, masto: MastodonEmulator
) -> None:
    first = cli("-C", project, "publish", "--now", AFTER_ALL)
    assert first.code == 0, first.out + first.err
    assert len(fb.posts) == 6 and len(masto.statuses) == 12
    assert first.out.count("created      facebook") == 6
    assert first.out.count("created      mastodon") == 12
    # Each Mastodon create carried the ledger row's idempotency key.
    keys = {r["idempotency_key"] for r in rows(project) if r["channel"] == "mastodon"}
    assert {r.header("Idempotency-Key") for r in masto.requests_for("statuses.create")} == keys
    again = cli("-C", project, "publish", "--now", AFTER_ALL)
    assert again.code == 0 and "nothing new" in again.out
    assert len(fb.requests_for("feed.create")) == 6

    edit_update(
        project,
        "20191115T2130",
        "vers 19 h",
        "vers 18 h 45",
        front="correction: Heure de l’attaque corrigée.",
    )
    fixed = cli("-C", project, "publish", "--now", AFTER_ALL)
    assert fixed.code == 0, fixed.out + fixed.err
    assert "edited       facebook   post:" + FIRST in fixed.out
    assert fixed.out.count("edited       mastodon") == 2
    assert len(fb.posts) == 6 and len(masto.statuses) == 12
    assert "vers 18 h 45" in fb.posts[0].message
    no_secret_anywhere(project, first.out, first.err, fixed.out, fixed.err)


def test_failures_exit_1_say_what_to_do_and_never_block_the_website(
    project: Path, cli, fb: FacebookEmulator, masto: MastodonEmulator
) -> None:
    fb.revoke_token(FB_TOKEN, 463)
    masto.inject("statuses.create", masto_error(503), times=100)
    result = cli("-C", project, "publish", "--now", AFTER_ALL)
    assert result.code == 1
    assert "Renew the Page token" in result.out and "TEST_FB_TOKEN" in result.out
    assert "will retry" in result.out
    assert (project / "public" / "fr" / "index.html").exists()  # the website went out
    assert fb.posts == [] and masto.statuses == []
    no_secret_anywhere(project, result.out, result.err)
    fb.revoked.clear()
    masto.reset()
    masto.add_token(MA_TOKEN)
    retried = cli("-C", project, "publish", "--now", AFTER_ALL, "--retry")
    assert retried.code == 0, retried.out
    assert len(fb.posts) == 6 and len(masto.statuses) == 12


@pytest.mark.parametrize("channel", ["facebook", "mastodon"])
@pytest.mark.parametrize("point", ["before_send", "after_send"])
def test_sigkill_in_flight_then_rerun_gives_exactly_one_post(
    project: Path, point: str, channel: str, fb: FacebookEmulator, masto: MastodonEmulator
) -> None:
    crashed = run_publisher(
        project,
        "publish",
        "--now",
        AFTER_ALL,
        env={**TOKENS, "PUBLISHER_TEST_CRASH_AT": f"{point}:{channel}"},
    )
    assert crashed.returncode == -9, crashed.stdout + crashed.stderr
    in_flight = [r for r in rows(project) if r["state"] == "sending"]
    assert len(in_flight) == 1 and in_flight[0]["channel"] == channel
    remote = fb.posts if channel == "facebook" else masto.statuses
    assert len(remote) == (1 if point == "after_send" else 0)

    recovered = run_publisher(project, "publish", "--now", AFTER_ALL, env=TOKENS)
    assert recovered.returncode == 0, recovered.stdout + recovered.stderr
    if point == "after_send":
        assert f"reconciled   {channel}" in recovered.stdout
    assert len(fb.posts) == 6 and len(masto.statuses) == 12  # exactly one post each
    assert len({p.message for p in fb.posts}) == 6
    assert len({(s.text, s.language) for s in masto.statuses}) == 12
    no_secret_anywhere(project, crashed.stdout, crashed.stderr, recovered.stdout, recovered.stderr)


def test_without_tokens_posts_wait_in_the_outbox(
    example: Path, cli, fb: FacebookEmulator, masto: MastodonEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in TOKENS:
        monkeypatch.delenv(name, raising=False)
    configure(example, facebook=fb_options(fb.base_url), mastodon=masto_options(masto.base_url))
    checked = cli("-C", example, "check", "--now", AFTER_ALL)
    assert "the environment variable TEST_FB_TOKEN is not set" in checked.err
    result = cli("-C", example, "publish", "--now", AFTER_ALL)
    assert result.code == 0, result.out + result.err
    assert "-> outbox/facebook/2019-11-15-cyberattaque_20191115T2130.txt" in result.out
    assert len(list((example / "outbox" / "mastodon").glob("*.txt"))) == 12
    assert fb.requests == [] and masto.requests_for("statuses.create") == []


@pytest.mark.parametrize("point", ["before_send", "after_send"])
def test_sigkill_during_an_edit_keeps_one_post_with_the_new_text(
    project: Path, point: str, fb: FacebookEmulator, masto: MastodonEmulator
) -> None:
    assert run_publisher(project, "publish", "--now", AFTER_ALL, env=TOKENS).returncode == 0
    edit_update(project, "20191115T2130", "vers 19 h", "vers 18 h 45", front="correction: Heure corrigée.")
    crashed = run_publisher(
        project, "publish", "--now", AFTER_ALL, env={**TOKENS, "PUBLISHER_TEST_CRASH_AT": f"{point}:facebook"}
    )
    assert crashed.returncode == -9
    recovered = run_publisher(project, "publish", "--now", AFTER_ALL, env=TOKENS)
    assert recovered.returncode == 0, recovered.stdout + recovered.stderr
    assert len(fb.posts) == 6 and len(fb.requests_for("feed.create")) == 6
    assert "vers 18 h 45" in fb.posts[0].message
    assert len(masto.statuses) == 12
