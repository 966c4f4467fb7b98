"""The webhook channel end to end: `publisher publish` POSTs each update, signed, to a loopback
receiver that verifies the signature; 500s, timeouts and dropped connections are retried with
the same Idempotency-Key, 4xx needs a person, a crash in flight never stores a second copy."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import jsonschema
import pytest
from referencing import Registry, Resource

from tests.emulators import Delay, Drop, HttpFault
from tests.emulators.webhook import WebhookReceiver, verify
from tests.publishing import AFTER_ALL, INCIDENT, REPO, rows, run_publisher, write_update
from tests.socialkit import edit_update

SECRET = "whsec-Tq93-secret-x7"
UPDATES = 6
SCHEMAS = REPO / "docs" / "schemas"


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    with WebhookReceiver(SECRET) as r:
        yield r
        assert r.server_errors == []


@pytest.fixture
def project(example: Path, receiver: WebhookReceiver, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TEST_WEBHOOK_SECRET", SECRET)
    config = example / "publisher.toml"
    config.write_text(
        config.read_text(encoding="utf-8")
        + '\n[channels.website]\ntype = "directory"\n\n[channels.ars]\ntype = "webhook"\n'
        f'url = "{receiver.url}"\nsecret_env = "TEST_WEBHOOK_SECRET"\ntimeout = 1\nretries = 3\nbackoff = 0.05\n',
        encoding="utf-8",
    )
    return example


def validator() -> jsonschema.Draft202012Validator:
    resources = []
    for name in ("incident", "webhook"):
        schema = json.loads((SCHEMAS / f"{name}.schema.json").read_text(encoding="utf-8"))
        resources.append((schema["$id"], Resource.from_contents(schema)))
    registry: Registry = Registry().with_resources(resources)
    schema = json.loads((SCHEMAS / "webhook.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema, registry=registry)


def test_each_update_is_posted_once_signed_and_valid(project: Path, cli, receiver: WebhookReceiver) -> None:
    result = cli("-C", project, "publish", "--now", AFTER_ALL)
    assert result.code == 0, result.out + result.err
    assert len(receiver.accepted) == UPDATES and receiver.refused == []
    check = validator()
    for doc in receiver.documents():
        check.validate(doc)
    first = next(d for d in receiver.documents() if d["update"]["id"] == f"{INCIDENT}/20191115T2130")
    assert first["event"] == "update.published"
    assert first["update"]["content"]["en"]["url"].endswith(
        "/en/incidents/2019-11-15-cyberattaque/20191115T2130.html"
    )
    assert "vers 19 h" in first["update"]["content"]["fr"]["markdown"]
    # The body is the incident's JSON entry for that update, exactly.
    site_doc = json.loads((project / "public" / "incidents" / f"{INCIDENT}.json").read_text(encoding="utf-8"))
    entry = next(u for u in site_doc["incident"]["updates"] if u["id"] == first["update"]["id"])
    assert first["update"] == entry
    req = receiver.requests_for("hook")[0]
    assert verify(SECRET, req.raw_body, req.header("X-Publisher-Signature"))
    assert req.header("Idempotency-Key") in {r["idempotency_key"] for r in rows(project)}
    assert req.header("Content-Type") == "application/json; charset=utf-8"
    assert (
        SECRET not in result.out
        and SECRET.encode() not in (project / ".publisher" / "ledger.db").read_bytes()
    )

    again = cli("-C", project, "publish", "--now", AFTER_ALL)
    assert again.code == 0 and len(receiver.requests_for("hook")) == UPDATES

    edit_update(project, "20191115T2130", "vers 19 h", "vers 18 h 45", front="correction: Heure corrigée.")
    fixed = cli("-C", project, "publish", "--now", AFTER_ALL)
    assert fixed.code == 0, fixed.out
    corrected = [d for d in receiver.documents() if d["event"] == "update.corrected"]
    assert len(corrected) == 1 and corrected[0]["update"]["correction"] == "Heure corrigée."
    assert "vers 18 h 45" in corrected[0]["update"]["content"]["fr"]["markdown"]

    # A new update is one more POST: the earlier updates' documents do not change with it.
    write_update(project, "20191122T1800", "2019-11-22T18:00", "Un dernier point.", status="resolved")
    new = cli("-C", project, "publish", "--now", AFTER_ALL)
    assert new.code == 0, new.out
    assert len(receiver.requests_for("hook")) == UPDATES + 2
    latest = receiver.documents()[-1]
    assert latest["update"]["id"].endswith("/20191122T1800") and latest["incident"]["status"] == "resolved"


def test_500_timeout_and_drop_are_retried_with_the_same_key(
    project: Path, cli, receiver: WebhookReceiver
) -> None:
    receiver.inject("hook", HttpFault(500, {"error": "boom"}), times=1)
    receiver.inject("hook", Delay(3.0, commit=True), times=1)  # stored, but the answer is lost
    receiver.inject("hook", Drop(), times=1)
    result = cli("-C", project, "publish", "--now", AFTER_ALL)
    assert result.code == 0, result.out + result.err
    assert len(receiver.accepted) == UPDATES
    first_key = receiver.requests_for("hook")[0].header("Idempotency-Key")
    assert [r.header("Idempotency-Key") for r in receiver.requests_for("hook")[:4]] == [first_key] * 4
    assert receiver.duplicates == [first_key]  # the copy after the lost answer was dropped


def test_a_receiver_still_down_after_the_retries_is_retried_by_the_next_run(
    project: Path, cli, receiver: WebhookReceiver
) -> None:
    receiver.inject(
        "hook", HttpFault(503, "<html>maintenance</html>", content_type="text/html"), times=4 * UPDATES
    )
    down = cli("-C", project, "publish", "--now", AFTER_ALL)
    assert down.code == 1
    assert "answered 503" in down.out and "will retry" in down.out and "[temporary]" in down.out
    later = cli("-C", project, "publish", "--now", AFTER_ALL, "--retry")
    assert later.code == 0, later.out
    assert len(receiver.accepted) == UPDATES


def test_4xx_needs_a_person_and_a_wrong_secret_is_refused(
    project: Path, cli, receiver: WebhookReceiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEST_WEBHOOK_SECRET", "not-the-agreed-secret")
    result = cli("-C", project, "publish", "--now", AFTER_ALL)
    assert result.code == 1
    assert "refused the update (401" in result.out and "[needs a person]" in result.out
    assert "TEST_WEBHOOK_SECRET" in result.out and "not-the-agreed-secret" not in result.out
    assert receiver.accepted == {} and len(receiver.refused) == UPDATES  # no retry of a 4xx in the pass


@pytest.mark.parametrize("point", ["before_send", "after_send"])
def test_sigkill_in_flight_then_rerun_stores_each_update_once(
    project: Path, receiver: WebhookReceiver, point: str
) -> None:
    env = {"TEST_WEBHOOK_SECRET": SECRET}
    crashed = run_publisher(
        project, "publish", "--now", AFTER_ALL, env={**env, "PUBLISHER_TEST_CRASH_AT": f"{point}:ars"}
    )
    assert crashed.returncode == -9, crashed.stdout + crashed.stderr
    assert len(receiver.accepted) == (1 if point == "after_send" else 0)
    recovered = run_publisher(project, "publish", "--now", AFTER_ALL, env=env)
    assert recovered.returncode == 0, recovered.stdout + recovered.stderr
    assert len(receiver.accepted) == UPDATES
    assert len(receiver.duplicates) == (1 if point == "after_send" else 0)


def test_check_reports_an_unset_secret(project: Path, cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TEST_WEBHOOK_SECRET")
    result = cli("-C", project, "check", "--now", AFTER_ALL)
    assert result.code == 2
    assert "[channels.ars] the environment variable TEST_WEBHOOK_SECRET is not set" in result.err


def test_golden_body_of_the_first_update(project: Path) -> None:
    from datetime import UTC, datetime

    from publisher.channels.base import PublishContext
    from publisher.channels.webhook import WebhookChannel, body_bytes
    from publisher.config import load_config
    from publisher.content import load_site
    from publisher.site import localized
    from tests.golden import compare_text

    config = load_config(project)
    site = load_site(config).site
    now = datetime(2019, 11, 23, tzinfo=UTC)
    cfg = config.channel("ars")
    assert cfg is not None
    ctx = PublishContext(config, site, now, localized(config, site, now), project / "public", dry_run=True)
    first = next(
        d for d in WebhookChannel(cfg, config).plan(ctx) if d.key == f"hook:{INCIDENT}/20191115T2130"
    )
    validator().validate(first.payload)
    assert json.loads(body_bytes(first.payload)) == first.payload
    compare_text(json.dumps(first.payload, ensure_ascii=False, indent=2) + "\n", "webhook/first-update.json")


def test_a_lost_state_dir_re_posts_with_the_same_keys_and_the_receiver_drops_them(
    project: Path, cli, receiver: WebhookReceiver
) -> None:
    import shutil

    assert cli("-C", project, "publish", "--now", AFTER_ALL).code == 0
    keys = set(receiver.accepted)
    shutil.rmtree(project / ".publisher")  # a new machine, a lost disk
    again = cli("-C", project, "publish", "--now", AFTER_ALL)
    assert again.code == 0, again.out + again.err
    # The Idempotency-Key comes from the delivery, not from the ledger: the same on any machine.
    assert sorted(receiver.duplicates) == sorted(keys) and set(receiver.accepted) == keys
