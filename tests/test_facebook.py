"""Facebook Page channel against the Graph API emulator, over HTTP on 127.0.0.1."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from publisher.channels.base import DeliveryError
from tests.emulators import Delay, Drop, FacebookEmulator, HttpFault
from tests.socialkit import (
    FB_TOKEN,
    FIRST,
    INCIDENT,
    Driver,
    channel,
    configure,
    context,
    drop_translation,
    edit_update,
    fb_options,
    idempotency_key,
)


@pytest.fixture
def project(example: Path, fb: FacebookEmulator, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TEST_FB_TOKEN", FB_TOKEN)
    configure(example, facebook=fb_options(fb.base_url))
    return example


def first(project: Path) -> tuple[object, object]:
    ch = channel(project, "facebook")
    d = next(d for d in ch.plan(context(project)) if d.update_id == FIRST)
    return ch, d


def test_one_combined_post_per_update_french_first_then_english(project: Path, fb: FacebookEmulator) -> None:
    ch = channel(project, "facebook")
    sent = Driver().run(ch, context(project))
    assert len(sent) == len(fb.posts) == 6
    post = fb.posts[0]
    fr, _, en = post.message.partition("\n\n———\n\n")
    assert fr.startswith("Analyse en cours · Cyberattaque contre le système informatique")
    assert "appelez le 15." in fr and "**" not in fr  # Markdown flattened, no stray markers
    assert fr.endswith(f"https://status.chu-rouen.example/fr/incidents/{INCIDENT}/20191115T2130.html")
    assert en.startswith("Investigating · Cyber attack on Rouen University Hospital")
    assert "\n• In a life-threatening emergency" in en  # a list is one line per item
    assert en.endswith(f"/en/incidents/{INCIDENT}/20191115T2130.html")
    # Every call is pinned to the configured version; the token never travels in a URL/body.
    for req in fb.requests:
        assert req.path.startswith("/v26.0/")
        assert FB_TOKEN not in req.path and FB_TOKEN.encode() not in req.raw_body
        assert req.header("Authorization") == f"OAuth {FB_TOKEN}"


def test_translation_that_becomes_publishable_edits_the_same_post(
    project: Path, fb: FacebookEmulator
) -> None:
    po = project / "locales/en/LC_MESSAGES/incidents" / f"{INCIDENT}.po"
    full = po.read_bytes()
    drop_translation(project, "Les équipes de la direction des systèmes")
    driver = Driver()
    driver.run(channel(project, "facebook"), context(project))
    post = fb.posts[0]
    assert "Investigating" not in post.message and "———" not in post.message  # French only
    po.write_bytes(full)  # the translator finishes
    sent = driver.run(channel(project, "facebook"), context(project))
    assert [d.update_id for d in sent] == [FIRST]
    assert len(fb.posts) == 6 and fb.posts[0].id == post.id  # edited, not posted again
    assert "Investigating · Cyber attack" in fb.get_post(post.id).message
    assert len(fb.get_post(post.id).history) == 1
    assert len(fb.requests_for("post.edit")) == 1


def test_correction_edits_the_post_and_shows_the_note(project: Path, fb: FacebookEmulator) -> None:
    driver = Driver()
    driver.run(channel(project, "facebook"), context(project))
    post_id = driver.receipts[f"post:{FIRST}"].remote_id
    edit_update(
        project,
        "20191115T2130",
        "vers 19 h",
        "vers 18 h 45",
        front="correction: Heure de l’attaque corrigée.",
    )
    sent = driver.run(channel(project, "facebook"), context(project))
    assert [d.update_id for d in sent] == [FIRST]
    message = fb.get_post(post_id).message
    assert "Correction : Heure de l’attaque corrigée." in message and "vers 18 h 45" in message
    # The English translation of the changed block is now missing: the outdated English
    # section is taken out of the post (the corrected French is right above) until the
    # translator catches up, and then added again.
    assert "Investigating" not in message and "———" not in message
    assert len(fb.posts) == 6 and not fb.requests_for("post.delete")


def test_retraction_edits_the_old_post_and_links_the_new_statement(
    project: Path, fb: FacebookEmulator
) -> None:
    driver = Driver()
    driver.run(channel(project, "facebook"), context(project))
    old_id = driver.receipts[f"post:{FIRST}"].remote_id
    (project / "content/incidents" / INCIDENT / "20191122T1800.md").write_text(
        '---\nstatus: resolved\npublish_at: "2019-11-22T18:00"\napproved_by: Direction\n'
        "retracts: 20191115T2130\n---\nLe premier communiqué contenait une erreur sur les "
        "urgences.\n",
        encoding="utf-8",
    )
    sent = driver.run(channel(project, "facebook"), context(project))
    assert {d.update_id for d in sent} == {FIRST, f"{INCIDENT}/20191122T1800"}
    old = fb.get_post(old_id).message
    assert old.startswith("RETIRÉ : ce communiqué a été retiré le vendredi 22 novembre 2019")
    assert f"/fr/incidents/{INCIDENT}/20191122T1800.html" in old.split("\n")[1]
    # kept below a clear mark, not erased; the post keeps its own link
    assert "Texte retiré (n’est plus valable) :\nCe vendredi 15 novembre" in old
    assert f"/fr/incidents/{INCIDENT}/20191115T2130.html" in old
    assert len(fb.posts) == 7 and not fb.requests_for("post.delete")


def test_per_language_mode_makes_one_post_per_language(
    example: Path, fb: FacebookEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEST_FB_TOKEN", FB_TOKEN)
    configure(example, facebook=fb_options(fb.base_url, mode="per-language", api_version="v25.0"))
    Driver().run(channel(example, "facebook"), context(example))
    assert len(fb.posts) == 12
    assert all(r.path.startswith("/v25.0/") for r in fb.requests)
    assert fb.posts[0].message.startswith("Analyse en cours")
    assert fb.posts[1].message.startswith("Investigating")


@pytest.mark.parametrize("code", [1, 2, 4, 17, 32, 613, 80001])
def test_rate_limits_and_outages_are_transient(project: Path, fb: FacebookEmulator, code: int) -> None:
    ch, d = first(project)
    fb.inject("feed.create", fb.error(code, regain_minutes=7))
    with pytest.raises(DeliveryError) as info:
        ch.send(d, None, idempotency_key(d))
    assert info.value.transient and f"code {code}" in str(info.value)
    assert info.value.retry_after == (420 if code == 80001 else None)
    assert fb.posts == []
    if code not in (1, 2):  # a rate limit: the rest of this pass waits, no call is made
        count = len(fb.requests)
        with pytest.raises(DeliveryError) as again:
            ch.send(d, None, idempotency_key(d))
        assert again.value.transient and len(fb.requests) == count
        ch, d = first(project)  # the next pass
    assert ch.send(d, None, idempotency_key(d)).remote_id  # the retry goes through
    assert len(fb.posts) == 1


def test_is_transient_flag_makes_an_unknown_code_transient(project: Path, fb: FacebookEmulator) -> None:
    ch, d = first(project)
    fb.inject(
        "feed.create",
        HttpFault(500, {"error": {"message": "Please retry", "code": 9007, "is_transient": True}}),
    )
    with pytest.raises(DeliveryError) as info:
        ch.send(d, None, idempotency_key(d))
    assert info.value.transient


@pytest.mark.parametrize(
    "code,subcode,says",
    [
        (190, 463, "Renew the Page token"),
        (190, 467, "Renew the Page token"),
        (190, 492, "no longer has a role on the Page"),
        (200, None, "pages_manage_posts"),
        (10, None, "Page access token"),
        (100, None, "Check page_id"),
        (506, None, "identical consecutive post"),
        (368, None, "abusive"),
    ],
)
def test_permanent_errors_say_what_to_do(
    project: Path, fb: FacebookEmulator, code: int, subcode: int | None, says: str
) -> None:
    ch, d = first(project)
    fb.inject("feed.create", fb.error(code, subcode))
    with pytest.raises(DeliveryError) as info:
        ch.send(d, None, idempotency_key(d))
    assert not info.value.transient
    assert says in str(info.value) and f"code {code}" in str(info.value)
    if code == 190:
        assert "TEST_FB_TOKEN" in str(info.value)
    assert FB_TOKEN not in str(info.value)


def test_revoked_token_fails_permanently(project: Path, fb: FacebookEmulator) -> None:
    fb.revoke_token(FB_TOKEN, 460)
    ch, d = first(project)
    with pytest.raises(DeliveryError) as info:
        ch.send(d, None, idempotency_key(d))
    assert not info.value.transient and "changed their password" in str(info.value)


def test_unknown_version_is_a_config_error(
    example: Path, fb: FacebookEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEST_FB_TOKEN", FB_TOKEN)
    configure(example, facebook=fb_options(fb.base_url, api_version="v99.0"))
    ch, d = first(example)
    with pytest.raises(DeliveryError) as info:
        ch.send(d, None, idempotency_key(d))
    assert not info.value.transient and "set api_version" in str(info.value)


def test_duplicate_already_on_the_page_is_adopted(project: Path, fb: FacebookEmulator) -> None:
    ch, d = first(project)
    fb.add_post(d.payload["message"], by_app=True)
    # The read-back before posting misses it (a stale page of results): Facebook answers
    # #506 and the post is looked up again and adopted instead of failing.
    fb.inject("edge.list", HttpFault(200, {"data": []}))
    receipt = ch.send(d, None, idempotency_key(d))
    assert receipt.remote_id == fb.posts[0].id and len(fb.posts) == 1
    assert len(fb.requests_for("feed.create")) == 1


def test_timeout_after_the_post_landed_then_retry_gives_one_post(project: Path, fb: FacebookEmulator) -> None:
    ch, d = first(project)
    ch.options["timeout"] = 0.5
    fb.inject("feed.create", Delay(2.0, commit=True))
    with pytest.raises(DeliveryError) as info:
        ch.send(d, None, idempotency_key(d))
    assert info.value.transient
    assert len(fb.posts) == 1  # it did land
    receipt = ch.reconcile(d, idempotency_key(d))
    assert receipt is not None and receipt.remote_id == fb.posts[0].id
    # A retry without reconcile (e.g. after a transient error) finds it too.
    assert ch.send(d, None, idempotency_key(d)).remote_id == fb.posts[0].id
    assert len(fb.posts) == 1


def test_dropped_connection_before_posting_then_retry_posts_once(project: Path, fb: FacebookEmulator) -> None:
    ch, d = first(project)
    fb.inject("feed.create", Drop(commit=False))
    with pytest.raises(DeliveryError) as info:
        ch.send(d, None, idempotency_key(d))
    assert info.value.transient and fb.posts == []
    assert ch.reconcile(d, idempotency_key(d)) is None
    ch.send(d, None, idempotency_key(d))
    assert len(fb.posts) == 1


def test_reconcile_raises_when_facebook_cannot_be_asked(project: Path, fb: FacebookEmulator) -> None:
    ch, d = first(project)
    fb.inject("edge.list", fb.error(2))
    with pytest.raises(DeliveryError) as info:
        ch.reconcile(d, idempotency_key(d))
    assert info.value.transient


def test_too_long_is_refused_before_any_request(
    example: Path, fb: FacebookEmulator, monkeypatch: pytest.MonkeyPatch, cli
) -> None:
    monkeypatch.setenv("TEST_FB_TOKEN", FB_TOKEN)
    configure(example, facebook=fb_options(fb.base_url) + "\nmax_characters = 1500")
    ch, d = first(example)
    with pytest.raises(DeliveryError) as info:
        ch.send(d, None, idempotency_key(d))
    assert not info.value.transient and "cut at least" in str(info.value)
    assert fb.requests == []
    result = cli("-C", example, "check", "--now", "2019-11-15T12:00")  # before it is due
    assert result.code == 2
    assert "facebook: the post for update 2019-11-15-cyberattaque/20191115T2130 is" in result.err
    assert "over the limit of 1500" in result.err and "cut at least" in result.err
    assert "20191115T2130.md:" in result.err


def test_without_a_token_posts_go_to_the_outbox(
    example: Path, fb: FacebookEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TEST_FB_TOKEN", raising=False)
    configure(example, facebook=fb_options(fb.base_url))
    driver = Driver()
    driver.run(channel(example, "facebook"), context(example))
    files = sorted((example / "outbox" / "facebook").iterdir())
    assert len(files) == 6 and fb.requests == []
    text = files[0].read_text(encoding="utf-8")
    assert text.startswith("Analyse en cours") and text.endswith("20191115T2130.html\n")
    receipt = driver.receipts[f"post:{FIRST}"]
    assert receipt.remote_id.startswith("outbox:") and "TEST_FB_TOKEN" in receipt.extra["why"]
    # A correction of a post made by hand is written next to it, as an edit to make by hand.
    monkeypatch.setenv("TEST_FB_TOKEN", FB_TOKEN)
    edit_update(example, "20191115T2130", "vers 19 h", "vers 18 h 45")
    driver.run(channel(example, "facebook"), context(example))
    edits = list((example / "outbox" / "facebook").glob("*.edit-*.txt"))
    assert len(edits) == 1 and "vers 18 h 45" in edits[0].read_text(encoding="utf-8")
    assert fb.requests == []


def test_token_never_in_errors_or_logs(
    project: Path, fb: FacebookEmulator, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    caplog.set_level(logging.DEBUG)
    ch, d = first(project)
    messages = []
    for fault in (fb.error(190, 463), fb.error(80001), Drop(), fb.error(100)):
        fb.inject("feed.create", fault)
        try:
            ch.send(d, None, idempotency_key(d))
        except DeliveryError as exc:
            messages.append(str(exc))
    fb.stop()  # connection refused: the error names the address, not the token
    with pytest.raises(DeliveryError) as info:
        ch.send(d, None, idempotency_key(d))
    messages.append(str(info.value))
    out = capsys.readouterr()
    everything = "\n".join(messages) + caplog.text + out.out + out.err
    assert len(messages) == 5 and "renew" in everything.lower()
    assert FB_TOKEN not in everything


def test_edit_of_a_post_deleted_on_facebook_says_so(project: Path, fb: FacebookEmulator) -> None:
    ch, d = first(project)
    receipt = ch.send(d, None, idempotency_key(d))
    fb.get_post(receipt.remote_id).deleted = True
    with pytest.raises(DeliveryError) as info:
        ch.send(d, receipt, idempotency_key(d))
    assert not info.value.transient and "no longer on the Page" in str(info.value)
