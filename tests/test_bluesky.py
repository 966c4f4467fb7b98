"""Bluesky channel against the PDS emulator, over HTTP on 127.0.0.1: posts with langs and
byte-offset link facets, corrections and withdrawals as replies, the cached session, and the
faults (rate limit, expired session, 5xx, connection dropped after commit, 300 graphemes)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from publisher import socialtext
from publisher.channels.base import DeliveryError
from tests.emulators import BlueskyEmulator, Drop, xrpc_error
from tests.publishing import AFTER_ALL, rows, run_publisher
from tests.socialkit import (
    BS_PASSWORD,
    FIRST,
    INCIDENT,
    Driver,
    bsky_options,
    channel,
    configure,
    context,
    edit_update,
    idempotency_key,
)


@pytest.fixture
def bsky() -> Iterator[BlueskyEmulator]:
    with BlueskyEmulator(password=BS_PASSWORD) as emu:
        yield emu
        assert emu.server_errors == []


@pytest.fixture
def project(example: Path, bsky: BlueskyEmulator, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TEST_BS_PASSWORD", BS_PASSWORD)
    configure(example, bluesky=bsky_options(bsky.base_url))
    return example


def records(bsky: BlueskyEmulator) -> list[dict]:  # type: ignore[type-arg]
    return [r.body["record"] for r in bsky.requests_for("record.create") if r.body]


def created(bsky: BlueskyEmulator) -> list[dict]:  # type: ignore[type-arg]
    """Records the PDS holds, oldest first."""
    return [p.record for p in sorted(bsky.posts.values(), key=lambda p: p.rkey)]


def retract(project: Path) -> None:
    (project / f"content/incidents/{INCIDENT}/20191116T1400.md").write_text(
        '---\nstatus: identified\npublish_at: "2019-11-16T14:00"\n'
        "approved_by: Direction de la communication\nretracts: 20191116T1130\n---\n"
        "Le point de 11 h 30 contenait une erreur : il est retiré.\n"
    )


def test_one_post_per_update_and_language_with_langs_and_byte_facets(
    project: Path, bsky: BlueskyEmulator
) -> None:
    driver = Driver()
    driver.run(channel(project, "bluesky"), context(project))
    assert driver.errors == []
    posts = created(bsky)
    assert [p["langs"] for p in posts] == [["fr"], ["en"]] * 6  # never the SDK's default ["en"]
    for p in posts:
        text = p["text"]
        assert socialtext.graphemes(text) <= 300 and "reply" not in p
        data = text.encode()
        (facet,) = p["facets"]
        start, end = facet["index"]["byteStart"], facet["index"]["byteEnd"]
        shown = data[start:end].decode()  # the link as Bluesky's app shows it: no scheme
        assert shown.startswith("status.chu-rouen.example/") and shown.endswith(".html")
        assert facet["features"] == [{"$type": "app.bsky.richtext.facet#link", "uri": f"https://{shown}"}]
        assert text.rstrip().endswith(shown)
        # bytes, not characters: accents and "·" before the link shift the offset
        assert start == len(text[: text.index(shown)].encode()) > text.index(shown)
    # The first statement keeps its leading paragraph and links the full text.
    assert posts[0]["text"] == (
        "Analyse en cours · Cyberattaque contre le système informatique du CHU de Rouen\n\n"
        "Ce vendredi 15 novembre, vers 19 h, le CHU de Rouen a été la cible d’une attaque "
        "informatique de grande ampleur.\n\n"
        f"Communiqué complet : status.chu-rouen.example/fr/incidents/{FIRST}.html"
    )
    # one login for the whole pass, the session kept for the next runs (mode 600)
    assert len(bsky.requests_for("session.create")) == 1
    cache = project / ".publisher/bluesky/bluesky.session.json"
    assert oct(cache.stat().st_mode & 0o777) == "0o600"
    assert BS_PASSWORD not in cache.read_text()
    receipt = driver.receipts[f"post:{FIRST}:fr"]
    assert receipt.url.startswith("https://bsky.app/profile/chu-exemple.bsky.social/post/")
    assert receipt.remote_id.startswith(f"at://{bsky.did}/app.bsky.feed.post/")


def test_the_session_is_reused_across_runs_and_renewed_when_the_server_ends_it(
    project: Path, bsky: BlueskyEmulator
) -> None:
    driver = Driver()
    driver.run(channel(project, "bluesky"), context(project))
    edit_update(project, "20191115T2130", "vers 19 h", "vers 18 h 45", front="correction: Heure corrigée.")
    driver.run(channel(project, "bluesky"), context(project))
    assert len(bsky.requests_for("session.create")) == 1  # the second run used the cached session
    # the server expires every access token: refreshed once, then the call goes through
    bsky.expire_sessions()
    edit_update(project, "20191115T2130", "Heure corrigée.", "Heure corrigée (2).")
    driver.run(channel(project, "bluesky"), context(project))
    assert driver.errors == []
    assert len(bsky.requests_for("session.refresh")) == 1
    assert len(bsky.requests_for("session.create")) == 1
    # a refresh token the server no longer knows: a new login with the app password
    bsky.expire_sessions()
    bsky.refresh.clear()
    edit_update(project, "20191115T2130", "Heure corrigée (2).", "Heure corrigée (3).")
    driver.run(channel(project, "bluesky"), context(project))
    assert driver.errors == []
    assert len(bsky.requests_for("session.create")) == 2


def test_a_correction_is_a_reply_to_the_original_post(project: Path, bsky: BlueskyEmulator) -> None:
    driver = Driver()
    driver.run(channel(project, "bluesky"), context(project))
    originals = {k: r for k, r in driver.receipts.items()}
    edit_update(project, "20191115T2130", "vers 19 h", "vers 18 h 45", front="correction: Heure corrigée.")
    sent = driver.run(channel(project, "bluesky"), context(project))
    assert [d.key for d in sent] == [f"post:{FIRST}:fr", f"post:{FIRST}:en"]
    fr_reply, en_reply = created(bsky)[-2:]
    first = originals[f"post:{FIRST}:fr"]
    assert fr_reply["reply"]["root"] == fr_reply["reply"]["parent"]
    root = fr_reply["reply"]["root"]
    assert (root["uri"], root["cid"]) == (first.remote_id, first.extra["cid"])
    # under the original (which carries the title): the note, then the corrected text
    assert fr_reply["text"] == (
        "Analyse en cours\n\nCorrection : Heure corrigée.\n\n"
        "Ce vendredi 15 novembre, vers 18 h 45, le CHU de Rouen a été la cible d’une attaque "
        "informatique de grande ampleur.\n\n"
        f"Communiqué complet : status.chu-rouen.example/fr/incidents/{FIRST}.html"
    )
    assert fr_reply["langs"] == ["fr"]
    assert en_reply["reply"]["root"]["uri"] == originals[f"post:{FIRST}:en"].remote_id
    # nothing deleted: the original post is still there, and the receipt links the reply to it
    assert len(bsky.posts) == 14
    receipt = driver.receipts[f"post:{FIRST}:fr"]
    assert receipt.extra["reply_to"] == first.remote_id and receipt.remote_id != first.remote_id
    # a second correction still replies to the original post, not to the first reply
    edit_update(project, "20191115T2130", "Heure corrigée.", "Heure corrigée, deux fois.")
    driver.run(channel(project, "bluesky"), context(project))
    assert created(bsky)[-2]["reply"]["root"]["uri"] == first.remote_id


def test_a_withdrawal_is_a_reply_linking_the_new_statement(project: Path, bsky: BlueskyEmulator) -> None:
    driver = Driver()
    driver.run(channel(project, "bluesky"), context(project))
    retract(project)
    sent = driver.run(channel(project, "bluesky"), context(project))
    withdrawn = f"{INCIDENT}/20191116T1130"
    assert sorted(d.key for d in sent) == sorted(
        [f"post:{withdrawn}:fr", f"post:{withdrawn}:en", f"post:{INCIDENT}/20191116T1400:fr"]
    )
    reply = next(r for r in created(bsky) if "reply" in r and r["langs"] == ["fr"])
    assert reply["text"].startswith("RETIRÉ")
    new_url = f"https://status.chu-rouen.example/fr/incidents/{INCIDENT}/20191116T1400.html"
    assert reply["text"].endswith(new_url.removeprefix("https://"))
    assert any(f["features"][0]["uri"] == new_url for f in reply["facets"])
    assert reply["reply"]["root"]["uri"] == driver.receipts[f"post:{withdrawn}:fr"].extra["reply_to"]


def test_a_deleted_original_is_reported_not_reposted(project: Path, bsky: BlueskyEmulator) -> None:
    driver = Driver()
    driver.run(channel(project, "bluesky"), context(project))
    bsky.delete(driver.receipts[f"post:{FIRST}:fr"].remote_id)
    edit_update(project, "20191115T2130", "vers 19 h", "vers 18 h 45", front="correction: Heure corrigée.")
    driver.run(channel(project, "bluesky"), context(project))
    (error,) = [e for e in driver.errors]
    assert not error.transient and "no longer on Bluesky" in str(error) and "by hand" in str(error)


def test_the_300_grapheme_rule_is_the_servers(project: Path, bsky: BlueskyEmulator) -> None:
    ch = channel(project, "bluesky")
    d = next(d for d in ch.plan(context(project)) if d.key == f"post:{FIRST}:fr")
    # the channel counts graphemes as the PDS does: 300 family emoji pass, 301 do not
    family = "👨‍👩‍👧"  # one grapheme, five code points, 18 bytes
    assert socialtext.graphemes(family * 300) == 300
    fits = type(d)(
        d.channel, d.key, "x", {"text": "é" * 300, "langs": ["fr"], "facets": []}, d.update_id, "fr"
    )
    ch.send(fits, None, "k1")
    too_long = type(d)(d.channel, d.key, "y", {"text": "é" * 301, "langs": ["fr"], "facets": []}, d.update_id)
    with pytest.raises(DeliveryError, match="301 characters, over the limit of 300") as exc:
        ch.send(too_long, None, "k2")
    assert not exc.value.transient
    assert len(bsky.requests_for("record.create")) == 1  # refused before sending
    # and what the PDS says when a post does reach it too long
    ch.options["max_graphemes"] = 400
    ch.limit = lambda: 400  # type: ignore[method-assign]
    with pytest.raises(DeliveryError, match="longer than 300 graphemes") as exc:
        ch.send(too_long, None, "k3")
    assert not exc.value.transient


def test_rate_limit_on_login_is_retried_after_ratelimit_reset(project: Path, bsky: BlueskyEmulator) -> None:
    reset = int(time.time()) + 240
    bsky.inject(
        "session.create",
        xrpc_error(429, "RateLimitExceeded", "Rate Limit Exceeded", {"RateLimit-Reset": str(reset)}),
    )
    driver = Driver()
    driver.run(channel(project, "bluesky"), context(project))
    assert len(driver.errors) == 12 and all(e.transient for e in driver.errors)
    assert 200 < (driver.errors[0].retry_after or 0) <= 240
    assert "429" in str(driver.errors[0]) and "30 per 5 minutes" in str(driver.errors[0])
    assert len(bsky.requests_for("session.create")) == 1  # the pass stopped asking
    driver.errors.clear()
    driver.run(channel(project, "bluesky"), context(project))
    assert driver.errors == [] and len(bsky.posts) == 12


def test_the_emulators_own_login_limit(bsky: BlueskyEmulator) -> None:
    import requests

    url = f"{bsky.base_url}/xrpc/com.atproto.server.createSession"
    body = {"identifier": bsky.handle, "password": BS_PASSWORD}
    for _ in range(30):
        assert requests.post(url, json=body, timeout=5).status_code == 200
    refused = requests.post(url, json=body, timeout=5)
    assert refused.status_code == 429 and refused.json()["error"] == "RateLimitExceeded"
    assert int(refused.headers["RateLimit-Reset"]) > time.time() + 200
    assert refused.headers["RateLimit-Policy"] == "30;w=300"


def test_server_errors_are_transient_and_bad_passwords_are_not(
    project: Path, bsky: BlueskyEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    bsky.inject("record.create", xrpc_error(502, "UpstreamFailure", "Upstream Failure"))
    bsky.inject("record.create", xrpc_error(500, "InternalServerError", "Internal Server Error"))
    ch = channel(project, "bluesky")
    d = next(d for d in ch.plan(context(project)) if d.key == f"post:{FIRST}:fr")
    for _ in range(2):
        with pytest.raises(DeliveryError) as exc:
            ch.send(d, None, idempotency_key(d))
        assert exc.value.transient and "will retry" in str(exc.value)
    assert ch.send(d, None, idempotency_key(d)).remote_id.startswith("at://")
    monkeypatch.setenv("TEST_BS_PASSWORD", "wrong-pass-word-0000")
    (project / ".publisher/bluesky/bluesky.session.json").unlink()
    with pytest.raises(DeliveryError) as exc:
        channel(project, "bluesky").send(d, None, "k")
    assert not exc.value.transient and "App passwords" in str(exc.value)
    assert "TEST_BS_PASSWORD" in str(exc.value) and "wrong-pass-word" not in str(exc.value)


def test_dropped_connection_after_commit_is_adopted_not_reposted(
    project: Path, bsky: BlueskyEmulator
) -> None:
    ch = channel(project, "bluesky")
    d = next(d for d in ch.plan(context(project)) if d.key == f"post:{FIRST}:fr")
    bsky.inject("record.create", Drop(commit=True))
    with pytest.raises(DeliveryError) as exc:
        ch.send(d, None, idempotency_key(d))
    assert exc.value.transient and len(bsky.posts) == 1  # the PDS did commit it
    again = channel(project, "bluesky")
    found = again.reconcile(d, idempotency_key(d))
    assert found is not None and found.remote_id == bsky.uri(next(iter(bsky.posts)))
    # even without the ledger's help, a send finds it first
    assert again.send(d, None, idempotency_key(d)).remote_id == found.remote_id
    assert len(bsky.posts) == 1


def test_sigkill_after_the_post_then_rerun_posts_once(project: Path, bsky: BlueskyEmulator) -> None:
    env = {"TEST_BS_PASSWORD": BS_PASSWORD, "PUBLISHER_TEST_CRASH_AT": "after_send:bluesky"}
    r = run_publisher(project, "publish", "--now", AFTER_ALL, env=env)
    assert r.returncode != 0
    assert len(bsky.posts) == 1
    r = run_publisher(project, "publish", "--now", AFTER_ALL, env={"TEST_BS_PASSWORD": BS_PASSWORD})
    assert r.returncode == 0, r.stderr
    assert len(bsky.posts) == 12 and len(set(bsky.texts())) == 12
    done = [row for row in rows(project) if row["channel"] == "bluesky"]
    assert len(done) == 12 and all(row["remote_id"].startswith("at://") for row in done)
    assert BS_PASSWORD not in r.stdout + r.stderr
    assert all(BS_PASSWORD not in json.dumps(row) for row in rows(project))


def test_without_a_password_posts_wait_in_the_outbox(example: Path, cli, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("TEST_BS_PASSWORD", raising=False)
    configure(example, bluesky=bsky_options("http://127.0.0.1:9"))
    assert cli("-C", example, "publish", "--now", AFTER_ALL).code == 0
    folder = example / "outbox/bluesky"
    files = sorted(p.name for p in folder.iterdir())
    assert len(files) == 12 and f"{FIRST.replace('/', '_')}.fr.txt" in files
    edit_update(example, "20191115T2130", "vers 19 h", "vers 18 h 45", front="correction: Heure corrigée.")
    r = cli("-C", example, "publish", "--now", AFTER_ALL)
    assert r.code == 0
    assert "as a reply to the post made for it" in r.out + r.err or any(
        ".edit-" in p.name for p in folder.iterdir()
    )
    assert not (example / ".publisher/bluesky").exists()  # no login was attempted


def test_check_reports_posts_over_300_graphemes_and_bad_options(example: Path, cli) -> None:  # type: ignore[no-untyped-def]
    configure(example, bluesky=bsky_options("http://127.0.0.1:9", overflow="error"))
    r = cli("-C", example, "check", "--now", AFTER_ALL)
    assert r.code == 2
    assert "bluesky: the post for update 2019-11-15-cyberattaque/20191115T2130 (fr) is" in r.err
    assert "over the limit of 300" in r.err
    text = (example / "publisher.toml").read_text().replace('overflow = "error"', "max_graphemes = 500")
    (example / "publisher.toml").write_text(text)
    r = cli("-C", example, "check", "--now", AFTER_ALL)
    assert r.code == 2 and "Bluesky accepts at most 300 per post" in r.err
