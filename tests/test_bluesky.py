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


PHONES = ("15", "02 32 88 89 90")  # the example's [contacts]: every thread carries them whole


def test_each_update_is_a_thread_with_langs_byte_facets_and_every_essential_whole(
    project: Path, bsky: BlueskyEmulator
) -> None:
    driver = Driver()
    driver.run(channel(project, "bluesky"), context(project))
    assert driver.errors == []
    posts = created(bsky)
    # what to do and whom to call do not fit in 300 graphemes with the statement: each update
    # and language is a first post and one reply under it
    assert [p["langs"] for p in posts] == [["fr"], ["fr"], ["en"], ["en"]] * 6  # never ["en"] only
    firsts, replies = posts[0::2], posts[1::2]
    for first, reply in zip(firsts, replies, strict=True):
        text = first["text"]
        assert socialtext.graphemes(text) <= 300 and "reply" not in first
        data = text.encode()
        (facet,) = first["facets"]
        start, end = facet["index"]["byteStart"], facet["index"]["byteEnd"]
        shown = data[start:end].decode()  # the link as Bluesky's app shows it: host, path cut
        lang = first["langs"][0]
        assert shown == f"status.chu-rouen.example/{lang}/incidents…"
        (uri,) = [f["uri"] for f in facet["features"]]  # the facet carries the whole address
        assert uri.startswith(f"https://status.chu-rouen.example/{lang}/incidents/{INCIDENT}/")
        assert uri.endswith(".html")
        assert text.rstrip().endswith(shown)
        # bytes, not characters: accents and "·" before the link shift the offset
        assert start == len(text[: text.index(shown)].encode()) > text.index(shown)
        # the reply sits under the first post and carries the rest of the essentials, whole
        assert socialtext.graphemes(reply["text"]) <= 300 and not reply.get("facets")
        assert reply["reply"]["root"] == reply["reply"]["parent"]
        thread = text + "\n" + reply["text"]
        for number in PHONES:
            assert f": {number}" in reply["text"]
        what_to_do = "• Venez à vos rendez-vous" if lang == "fr" else "• Come to your appointment"
        assert thread.count(what_to_do) == 1
    (first_uri,) = {r["reply"]["root"]["uri"] for r in replies[:1]}
    assert first_uri == driver.receipts[f"post:{FIRST}:fr"].remote_id
    assert driver.receipts[f"post:{FIRST}:fr:2"].extra["reply_to"] == first_uri
    # The first statement: status, title, its leading paragraph, the link to the full text;
    # what to do and whom to call in the reply.
    assert firsts[0]["text"] == (
        "Analyse en cours · Cyberattaque contre le système informatique du CHU de Rouen\n\n"
        "Ce vendredi 15 novembre, vers 19 h, le CHU de Rouen a été la cible d’une attaque "
        "informatique de grande ampleur.\n\n"
        "Communiqué complet : status.chu-rouen.example/fr/incidents…"
    )
    assert replies[0]["text"] == (
        "Que faire :\n"
        "• Urgences ouvertes ; si ce n’est pas urgent, voyez votre médecin traitant.\n"
        "• Venez à vos rendez-vous, sauf avis contraire du service.\n\n"
        "Urgence vitale : 15 · Standard : 02 32 88 89 90 · Courriel : crise.chu-rouen@example.org"
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
    # (what to do and whom to call are unchanged: their reply is not posted again)
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
        "Communiqué complet : status.chu-rouen.example/fr/incidents…"
    )
    assert fr_reply["langs"] == ["fr"]
    assert en_reply["reply"]["root"]["uri"] == originals[f"post:{FIRST}:en"].remote_id
    # nothing deleted: the original posts are still there, and the receipt links the reply to it
    assert len(bsky.posts) == 24 + 2
    receipt = driver.receipts[f"post:{FIRST}:fr"]
    assert receipt.extra["reply_to"] == first.remote_id and receipt.remote_id != first.remote_id
    # a second correction still replies to the original post, not to the first reply
    edit_update(project, "20191115T2130", "Heure corrigée.", "Heure corrigée, deux fois.")
    driver.run(channel(project, "bluesky"), context(project))
    newest_fr = [r for r in created(bsky) if r["langs"] == ["fr"]][-1]
    assert "deux fois" in newest_fr["text"] and newest_fr["reply"]["root"]["uri"] == first.remote_id


def test_a_changed_contact_is_a_new_reply_under_each_first_post(project: Path, bsky: BlueskyEmulator) -> None:
    driver = Driver()
    driver.run(channel(project, "bluesky"), context(project))
    before = dict(driver.receipts)
    toml = project / "publisher.toml"
    toml.write_text(toml.read_text().replace("crise.chu-rouen@example.org", "cellule-crise@example.org"))
    sent = driver.run(channel(project, "bluesky"), context(project))
    assert sorted(d.key for d in sent) == sorted(k for k in before if k.endswith(":2"))
    for d in sent:
        (record,) = [
            p.record for p in bsky.posts.values() if bsky.uri(p.rkey) == driver.receipts[d.key].remote_id
        ]
        first = before[d.key.removesuffix(":2")]
        assert record["reply"]["root"]["uri"] == record["reply"]["parent"]["uri"] == first.remote_id
        assert ": cellule-crise@example.org" in record["text"]
    assert len(bsky.posts) == 24 + 12  # the replies with the old address stay: nothing deleted


def test_a_withdrawal_is_a_reply_linking_the_new_statement(project: Path, bsky: BlueskyEmulator) -> None:
    driver = Driver()
    driver.run(channel(project, "bluesky"), context(project))
    retract(project)
    sent = driver.run(channel(project, "bluesky"), context(project))
    withdrawn = f"{INCIDENT}/20191116T1130"
    # (the new statement is a thread of its own)
    assert sorted(d.key for d in sent) == sorted(
        [
            f"post:{withdrawn}:fr",
            f"post:{withdrawn}:en",
            f"post:{INCIDENT}/20191116T1400:fr",
            f"post:{INCIDENT}/20191116T1400:fr:2",
        ]
    )
    reply = next(r for r in created(bsky) if "reply" in r and r["text"].startswith("RETIRÉ"))
    new_url = f"https://status.chu-rouen.example/fr/incidents/{INCIDENT}/20191116T1400.html"
    assert reply["text"].endswith("status.chu-rouen.example/fr/incidents…")
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
    assert len(driver.errors) == 24 and all(e.transient for e in driver.errors)  # 12 threads of 2
    assert 200 < (driver.errors[0].retry_after or 0) <= 240
    assert "429" in str(driver.errors[0]) and "30 per 5 minutes" in str(driver.errors[0])
    assert len(bsky.requests_for("session.create")) == 1  # the pass stopped asking
    driver.errors.clear()
    driver.run(channel(project, "bluesky"), context(project))
    assert driver.errors == [] and len(bsky.posts) == 24


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


def test_a_crash_between_the_parts_of_a_thread_posts_only_the_missing_reply(
    project: Path, bsky: BlueskyEmulator
) -> None:
    planned = channel(project, "bluesky").plan(context(project))
    first, second = (d for d in planned if d.key.startswith(f"post:{FIRST}:fr"))
    assert (first.key, second.key) == (f"post:{FIRST}:fr", f"post:{FIRST}:fr:2")
    made = channel(project, "bluesky").send(first, None, idempotency_key(first))
    # the process dies here; the next one knows nothing of the first post but its ledger row
    # (and a lost ledger not even that): the first post is found in the author feed
    again = channel(project, "bluesky")
    assert again.reconcile(second, idempotency_key(second)) is None  # the reply never left
    bsky.inject("record.create", Drop(commit=True))  # and this time the answer is lost
    with pytest.raises(DeliveryError) as exc:
        again.send(second, None, idempotency_key(second))
    assert exc.value.transient
    (reply,) = [p for p in bsky.posts.values() if "reply" in p.record]
    assert reply.record["reply"]["root"]["uri"] == made.remote_id
    found = channel(project, "bluesky").reconcile(second, idempotency_key(second))
    assert found is not None and found.remote_id == bsky.uri(reply.rkey)
    assert found.extra["reply_to"] == made.remote_id
    assert len(bsky.posts) == 2
    # Every update's French reply has the same text: a lost ledger adopts each reply under
    # its own first post, never another thread's, and posts nothing twice.
    Driver().run(channel(project, "bluesky"), context(project))
    assert len(bsky.posts) == 24
    lost = Driver()
    lost.run(channel(project, "bluesky"), context(project))
    assert lost.errors == [] and len(bsky.posts) == 24
    assert all(r.adopted for r in lost.receipts.values())
    for key, receipt in lost.receipts.items():
        if key.endswith(":2"):
            assert receipt.extra["reply_to"] == lost.receipts[key.removesuffix(":2")].remote_id


def test_a_reply_waits_for_the_first_post_of_its_thread(project: Path, bsky: BlueskyEmulator) -> None:
    planned = channel(project, "bluesky").plan(context(project))
    second = next(d for d in planned if d.key == f"post:{FIRST}:fr:2")
    with pytest.raises(DeliveryError, match="waits for it") as exc:
        channel(project, "bluesky").send(second, None, idempotency_key(second))
    assert exc.value.transient and bsky.posts == {}  # never a reply without its first post


def test_sigkill_after_the_post_then_rerun_posts_once(project: Path, bsky: BlueskyEmulator) -> None:
    env = {"TEST_BS_PASSWORD": BS_PASSWORD, "PUBLISHER_TEST_CRASH_AT": "after_send:bluesky"}
    r = run_publisher(project, "publish", "--now", AFTER_ALL, env=env)
    assert r.returncode != 0
    assert len(bsky.posts) == 1
    r = run_publisher(project, "publish", "--now", AFTER_ALL, env={"TEST_BS_PASSWORD": BS_PASSWORD})
    assert r.returncode == 0, r.stderr
    # 12 threads of two: each first post once, each reply once under its own first post
    assert len(bsky.posts) == 24
    firsts = [p for p in bsky.posts.values() if "reply" not in p.record]
    assert len({p.record["text"] + str(p.record["facets"]) for p in firsts}) == 12
    under = [
        (p.record["text"], p.record["reply"]["root"]["uri"]) for p in bsky.posts.values() if p not in firsts
    ]
    assert len(set(under)) == 12 and {uri for _t, uri in under} == {bsky.uri(p.rkey) for p in firsts}
    done = [row for row in rows(project) if row["channel"] == "bluesky"]
    assert len(done) == 24 and all(row["remote_id"].startswith("at://") for row in done)
    assert BS_PASSWORD not in r.stdout + r.stderr
    assert all(BS_PASSWORD not in json.dumps(row) for row in rows(project))


def test_without_a_password_posts_wait_in_the_outbox(example: Path, cli, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("TEST_BS_PASSWORD", raising=False)
    configure(example, bluesky=bsky_options("http://127.0.0.1:9"))
    assert cli("-C", example, "publish", "--now", AFTER_ALL).code == 0
    folder = example / "outbox/bluesky"
    files = sorted(p.name for p in folder.iterdir())
    stem = FIRST.replace("/", "_")
    assert len(files) == 24 and {f"{stem}.fr.txt", f"{stem}.fr.part2.txt"} <= set(files)
    reply = (folder / f"{stem}.fr.part2.txt").read_text()
    assert "Standard : 02 32 88 89 90" in reply and "Que faire" in reply
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


def test_check_says_how_many_posts_each_thread_has_and_names_a_line_too_long_for_any(
    example: Path, cli
) -> None:  # type: ignore[no-untyped-def]
    configure(example, bluesky=bsky_options("http://127.0.0.1:9"))
    r = cli("-C", example, "check", "--now", AFTER_ALL)
    assert r.code == 0, r.err
    assert (
        f"20191115T2130.md:15: note: bluesky: update {FIRST} (fr) will be a thread of 2 posts: "
        "whom to call ([contacts]) and what to do in the replies under the first" in r.err
    )
    assert r.err.count("will be a thread of 2 posts") == 12
    # One what-to-do line longer than a post: no thread can carry it whole, so check fails
    # and names it, instead of cutting it.
    incident = example / f"content/incidents/{INCIDENT}/incident.md"
    long_line = "Venez à vos rendez-vous, sauf avis contraire du service" + ", et cetera" * 25 + "."
    incident.write_text(
        incident.read_text().replace("Venez à vos rendez-vous, sauf avis contraire du service.", long_line)
    )
    r = cli("-C", example, "check", "--now", AFTER_ALL)
    assert r.code == 2
    assert (
        f"bluesky: reply 3 of the thread for update {FIRST} (fr) is 345 characters, over the limit of 300"
        in r.err
    )
    assert (
        f"shorten a what_to_do: line (content/incidents/{INCIDENT}/incident.md:9, 331 characters) by at "
        "least 45: a thread never cuts a line, and this one alone is longer than a post" in r.err
    )
    assert "the post for update" not in r.err  # the first posts fit: the line moved to a reply
