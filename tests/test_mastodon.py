"""Mastodon channel against the Mastodon emulator, over HTTP on 127.0.0.1."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import pytest

from publisher import socialtext
from publisher.channels.base import DeliveryError
from tests.emulators import Delay, Drop, MastodonEmulator, masto_error
from tests.socialkit import (
    FIRST,
    INCIDENT,
    MA_TOKEN,
    Driver,
    channel,
    configure,
    context,
    drop_translation,
    edit_update,
    idempotency_key,
    masto_options,
)


@pytest.fixture
def project(example: Path, masto: MastodonEmulator, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TEST_MA_TOKEN", MA_TOKEN)
    configure(example, mastodon=masto_options(masto.base_url))
    return example


def first(project: Path, lang: str = "fr") -> tuple[object, object]:
    ch = channel(project, "mastodon")
    d = next(d for d in ch.plan(context(project)) if d.key == f"post:{FIRST}:{lang}")
    return ch, d


def test_one_post_per_language_tagged_and_within_the_limit(project: Path, masto: MastodonEmulator) -> None:
    Driver().run(channel(project, "mastodon"), context(project))
    statuses = masto.statuses
    assert [s.language for s in statuses] == ["fr", "en"] * 6
    for s in statuses:
        assert socialtext.length(s.text) <= 500
        assert s.text.split()[-1].startswith("https://status.chu-rouen.example/")
    # The first statement (about 900 characters) keeps what to do and whom to call, then
    # the lead of its first paragraph, and links the full text.
    fr = statuses[0].text
    assert "Urgence vitale : 15 · Standard : 02 32 88 89 90" in fr
    assert "\nCe vendredi 15 novembre, vers 19 h, le CHU de Rouen" in fr
    assert fr.endswith(
        f"Communiqué complet : https://status.chu-rouen.example/fr/incidents/{INCIDENT}/20191115T2130.html"
    )
    creates = masto.requests_for("statuses.create")
    assert all(r.header("Idempotency-Key") for r in creates)
    assert len({r.header("Idempotency-Key") for r in creates}) == 12
    assert all(r.header("Authorization") == f"Bearer {MA_TOKEN}" for r in creates)


def test_english_post_waits_for_its_translation(project: Path, masto: MastodonEmulator) -> None:
    po = project / "locales/en/LC_MESSAGES/incidents" / f"{INCIDENT}.po"
    full = po.read_bytes()
    drop_translation(project, "Les équipes de la direction des systèmes")
    driver = Driver()
    driver.run(channel(project, "mastodon"), context(project))
    assert [s.language for s in masto.statuses[:2]] == ["fr", "fr"]  # 1st update: French only
    assert len(masto.statuses) == 11
    po.write_bytes(full)
    sent = driver.run(channel(project, "mastodon"), context(project))
    assert [d.key for d in sent] == [f"post:{FIRST}:en"]
    assert len(masto.statuses) == 12 and masto.statuses[-1].language == "en"


def test_correction_edits_both_posts(project: Path, masto: MastodonEmulator) -> None:
    driver = Driver()
    driver.run(channel(project, "mastodon"), context(project))
    edit_update(project, "20191115T2130", "vers 19 h", "vers 18 h 45", front="correction: Heure corrigée.")
    sent = driver.run(channel(project, "mastodon"), context(project))
    assert sorted(d.key for d in sent) == [f"post:{FIRST}:en", f"post:{FIRST}:fr"]
    assert len(masto.statuses) == 12 and not masto.requests_for("statuses.delete")
    fr = masto.get_status(driver.receipts[f"post:{FIRST}:fr"].remote_id)
    en = masto.get_status(driver.receipts[f"post:{FIRST}:en"].remote_id)
    assert fr is not None and en is not None
    assert "Correction : Heure corrigée." in fr.text and "vers 18 h 45" in fr.text
    assert fr.edited_at is not None and len(masto.requests_for("statuses.update")) == 2
    # The outdated English text is replaced by the corrected original, with the notice.
    assert "Translation in progress" in en.text and "vers 18 h 45" in en.text


def test_retraction_edits_the_old_posts(project: Path, masto: MastodonEmulator) -> None:
    driver = Driver()
    driver.run(channel(project, "mastodon"), context(project))
    (project / "content/incidents" / INCIDENT / "20191122T1800.md").write_text(
        '---\nstatus: resolved\npublish_at: "2019-11-22T18:00"\napproved_by: Direction\n'
        "retracts: 20191115T2130\n---\nLe premier communiqué contenait une erreur.\n",
        encoding="utf-8",
    )
    driver.run(channel(project, "mastodon"), context(project))
    old = masto.get_status(driver.receipts[f"post:{FIRST}:fr"].remote_id)
    assert old is not None and old.text.startswith("RETIRÉ : ce communiqué a été retiré le")
    assert f"/fr/incidents/{INCIDENT}/20191122T1800.html" in old.text
    assert socialtext.length(old.text) <= 500
    assert not masto.requests_for("statuses.delete")


def test_rate_limit_is_transient_with_the_reset_time(project: Path, masto: MastodonEmulator) -> None:
    ch, d = first(project)
    masto.inject("statuses.create", masto_error(429))
    with pytest.raises(DeliveryError) as info:
        ch.send(d, None, idempotency_key(d))
    assert info.value.transient and info.value.retry_after is not None
    assert 0 < info.value.retry_after <= 301  # until X-RateLimit-Reset (5-minute window)


def test_real_rate_limit_window(example: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # 5 requests: reading the account's recent statuses once (adopt before create), 3 posts.
    with MastodonEmulator(token=MA_TOKEN, rate_limit=(5, 300)) as emu:
        monkeypatch.setenv("TEST_MA_TOKEN", MA_TOKEN)
        configure(example, mastodon=masto_options(emu.base_url))
        driver = Driver()
        driver.run(channel(example, "mastodon"), context(example))
        assert len(emu.statuses) == 3 and len(driver.errors) == 9
        assert all(e.transient and e.retry_after for e in driver.errors)


@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_errors_are_transient(project: Path, masto: MastodonEmulator, status: int) -> None:
    ch, d = first(project)
    masto.inject("statuses.create", masto_error(status))
    with pytest.raises(DeliveryError) as info:
        ch.send(d, None, idempotency_key(d))
    assert info.value.transient


@pytest.mark.parametrize(
    "status,says",
    [
        (401, "Create a new access token with the write:statuses scope"),
        (403, "write:statuses scope"),
        (422, "fix the update's text"),
    ],
)
def test_permanent_errors_say_what_to_do(
    project: Path, masto: MastodonEmulator, status: int, says: str
) -> None:
    ch, d = first(project)
    masto.inject("statuses.create", masto_error(status))
    with pytest.raises(DeliveryError) as info:
        ch.send(d, None, idempotency_key(d))
    assert not info.value.transient and says in str(info.value)


def test_edit_of_a_deleted_status_is_permanent(project: Path, masto: MastodonEmulator) -> None:
    ch, d = first(project)
    receipt = ch.send(d, None, idempotency_key(d))
    masto.get_status(receipt.remote_id).deleted = True
    with pytest.raises(DeliveryError) as info:
        ch.send(d, receipt, idempotency_key(d))
    assert not info.value.transient and "deleted there" in str(info.value)


def test_timeout_then_retry_with_the_same_key_gives_one_status(
    project: Path, masto: MastodonEmulator
) -> None:
    ch, d = first(project)
    ch.options["timeout"] = 0.5
    masto.inject("statuses.create", Delay(2.0, commit=True))
    with pytest.raises(DeliveryError) as info:
        ch.send(d, None, idempotency_key(d))
    assert info.value.transient and len(masto.statuses) == 1
    receipt = ch.send(d, None, idempotency_key(d))  # same Idempotency-Key
    assert receipt.remote_id == masto.statuses[0].id and len(masto.statuses) == 1


def test_reconcile_finds_the_status_a_crash_left_behind(project: Path, masto: MastodonEmulator) -> None:
    ch, d = first(project)
    masto.inject("statuses.create", Drop(commit=True))
    with pytest.raises(DeliveryError):
        ch.send(d, None, idempotency_key(d))
    masto.idempotency_ttl = 0  # even once Mastodon forgot the key, the read-back finds it
    receipt = ch.reconcile(d, idempotency_key(d))
    assert receipt is not None and receipt.remote_id == masto.statuses[0].id
    assert len(masto.statuses) == 1


def test_reconcile_with_a_write_only_token_relies_on_the_key(
    example: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with MastodonEmulator(token="other") as emu:
        emu.add_token(MA_TOKEN, scopes=("write:statuses",))
        monkeypatch.setenv("TEST_MA_TOKEN", MA_TOKEN)
        configure(example, mastodon=masto_options(emu.base_url))
        ch, d = first(example)
        emu.inject("statuses.create", Drop(commit=True))
        with pytest.raises(DeliveryError):
            ch.send(d, None, idempotency_key(d))
        assert ch.reconcile(d, idempotency_key(d)) is None
        ch.send(d, None, idempotency_key(d))
        assert len(emu.statuses) == 1


def test_lengths_follow_the_instance(example: Path, monkeypatch: pytest.MonkeyPatch, cli) -> None:
    with MastodonEmulator(token=MA_TOKEN, max_characters=300) as emu:
        monkeypatch.setenv("TEST_MA_TOKEN", MA_TOKEN)
        configure(example, mastodon=masto_options(emu.base_url, overflow="error"))
        result = cli("-C", example, "check")
        assert result.code == 2
        assert "accepts only 300 characters per post" in result.err
        assert "set max_characters = 300" in result.err
        assert (
            "mastodon: the post for update 2019-11-15-cyberattaque/20191115T2130 (fr) is" in result.err
            and "over the limit of 500" in result.err
        )
        assert 'or set overflow = "lead"' in result.err
        ch, d = first(example)
        with pytest.raises(DeliveryError) as info:
            ch.send(d, None, idempotency_key(d))
        assert not info.value.transient and "cut at least" in str(info.value)
        assert emu.requests_for("statuses.create") == []


def test_instance_limit_is_checked_before_sending(example: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with MastodonEmulator(token=MA_TOKEN, max_characters=300) as emu:
        monkeypatch.setenv("TEST_MA_TOKEN", MA_TOKEN)
        configure(example, mastodon=masto_options(emu.base_url))
        ch, d = first(example)
        with pytest.raises(DeliveryError) as info:
            ch.send(d, None, idempotency_key(d))
        assert "set max_characters = 300" in str(info.value)
        assert emu.requests_for("statuses.create") == []
        assert len(emu.requests_for("instance")) == 1
        # The instance's answer is cached in the state directory for a day.
        channel(example, "mastodon").instance_limits()
        assert len(emu.requests_for("instance")) == 1
        assert (example / ".publisher" / "mastodon-mastodon.json").exists()


def test_without_a_token_posts_go_to_the_outbox(
    example: Path, masto: MastodonEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TEST_MA_TOKEN", raising=False)
    configure(example, mastodon=masto_options(masto.base_url))
    Driver().run(channel(example, "mastodon"), context(example))
    files = sorted(p.name for p in (example / "outbox" / "mastodon").iterdir())
    assert len(files) == 12 and f"{INCIDENT}_20191115T2130.en.txt" in files
    assert masto.requests_for("statuses.create") == []


def test_token_never_in_errors_or_logs(
    project: Path,
    masto: MastodonEmulator,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.DEBUG)
    ch, d = first(project)
    messages = []
    for fault in (masto_error(401), masto_error(429), masto_error(503), Drop(), masto_error(422)):
        masto.inject("statuses.create", fault)
        try:
            ch.send(d, None, idempotency_key(d))
        except DeliveryError as exc:
            messages.append(str(exc))
    masto.stop()
    time.sleep(0.05)
    with pytest.raises(DeliveryError) as info:
        ch.send(d, None, idempotency_key(d))
    messages.append(str(info.value))
    out = capsys.readouterr()
    everything = "\n".join(messages) + caplog.text + out.out + out.err
    assert len(messages) == 6
    assert MA_TOKEN not in everything
