"""The object-storage website channel against a real S3-compatible server on 127.0.0.1 (moto).

See tests/s3server.py for why moto. Every test has its own bucket; the publishing job runs in
its own process (SIGKILL tests need that).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from publisher.channels.s3 import content_type, plan_changes, step
from publisher.release import read_manifest
from tests import s3server
from tests.publishing import AFTER_ALL, INCIDENT, REPO, rows, run_publisher, set_config, write_update

LATER = "2019-11-24T12:00"


@pytest.fixture(scope="module")
def s3() -> Iterator[s3server.S3Server]:
    yield from s3server.start()


@pytest.fixture
def bucket(s3: s3server.S3Server) -> str:
    return s3.new_bucket()


def configure(
    project: Path, s3: s3server.S3Server, bucket: str, name: str = "cloud", extra: str = ""
) -> None:
    set_config(
        project,
        f"""[channels.{name}]
type = "s3"
bucket = "{bucket}"
endpoint_url = "{s3.url}"
region = "us-east-1"
access_key_env = "S3_ACCESS_KEY_ID"
secret_key_env = "S3_SECRET_ACCESS_KEY"
{extra}
""",
    )


def publish(
    project: Path, s3: s3server.S3Server, *args: str, env: dict[str, str] | None = None, now: str = AFTER_ALL
):
    return run_publisher(project, "publish", "--now", now, *args, env={**s3.env(), **(env or {})})


def built(project: Path) -> dict[str, str]:
    manifest = read_manifest(project / ".publisher" / "site")
    assert manifest is not None
    manifest.pop(".publisher-manifest.json", None)
    return manifest


def site_objects(s3: s3server.S3Server, bucket: str) -> dict[str, bytes]:
    client = s3.client()
    return {
        key: client.get_object(Bucket=bucket, Key=key)["Body"].read()
        for key in s3.objects(bucket)
        if not key.startswith(".publisher/")
    }


def assert_bucket_is_site(project: Path, s3: s3server.S3Server, bucket: str) -> None:
    site = project / ".publisher" / "site"
    objects = site_objects(s3, bucket)
    assert set(objects) == set(built(project))
    for key, body in objects.items():
        assert body == (site / key).read_bytes(), key


def receipt(project: Path, channel: str = "cloud") -> dict:
    [row] = [r for r in rows(project) if r["channel"] == channel and r["state"] == "delivered"][-1:]
    return json.loads(row["extra"])


def add_update(
    project: Path, stem: str = "20191123T0900", text: str = "Les consultations reprennent lundi."
) -> None:
    write_update(project, stem, "2019-11-23T09:00", text)


def test_full_deploy_uploads_the_site_once_and_records_it(example, s3, bucket):
    configure(example, s3, bucket)
    first = publish(example, s3)
    assert first.returncode == 0, first.stdout + first.stderr
    assert_bucket_is_site(example, s3, bucket)
    [row] = rows(example)
    assert row["state"] == "delivered" and row["attempts"] == 1
    assert row["url"] == f"{s3.url}/{bucket}/"
    assert receipt(example)["uploaded"] == len(built(example))
    pointer = json.loads(s3.client().get_object(Bucket=bucket, Key=".publisher/live.json")["Body"].read())
    assert pointer["live"]["id"] == row["remote_id"] and pointer["pending"] is None
    manifest = json.loads(
        s3.client()
        .get_object(Bucket=bucket, Key=f".publisher/releases/{row['remote_id']}.json")["Body"]
        .read()
    )
    assert manifest == built(example)

    again = publish(example, s3)
    assert again.returncode == 0 and "nothing new for cloud" in again.stdout, again.stdout
    assert len(rows(example)) == 1

    status = run_publisher(example, "status", "--now", AFTER_ALL, env=s3.env())
    assert f"cloud      site  {s3.url}/{bucket}/ (id {row['remote_id']})" in status.stdout, status.stdout


def test_content_types_and_cache_headers_read_back(example, s3, bucket):
    configure(example, s3, bucket, extra="html_max_age = 30\nasset_max_age = 604800")
    assert publish(example, s3).returncode == 0
    client = s3.client()
    expected = {
        "fr/index.html": ("text/html; charset=utf-8", "public, max-age=30"),
        f"fr/incidents/{INCIDENT}/feed.xml": ("application/atom+xml; charset=utf-8", "public, max-age=30"),
        "sitemap.xml": ("application/xml; charset=utf-8", "public, max-age=30"),
        "status.json": ("application/json; charset=utf-8", "public, max-age=30"),
        "robots.txt": ("text/plain; charset=utf-8", "public, max-age=30"),
        "style.css": ("text/css; charset=utf-8", "public, max-age=604800"),
        "cap/index.atom": ("application/atom+xml; charset=utf-8", "public, max-age=30"),
    }
    for key, (ctype, cache) in expected.items():
        head = client.head_object(Bucket=bucket, Key=key)
        assert (head["ContentType"], head["CacheControl"]) == (ctype, cache), key
    for key in s3.objects(bucket):
        if not key.startswith(".publisher/"):
            assert client.head_object(Bucket=bucket, Key=key)["ContentType"] != "application/octet-stream", (
                key
            )


def test_one_update_uploads_only_what_changed(example, s3, bucket):
    configure(example, s3, bucket)
    assert publish(example, s3).returncode == 0
    before = built(example)
    etags = s3.objects(bucket)
    add_update(example)
    second = publish(example, s3)
    assert second.returncode == 0, second.stdout + second.stderr
    after = built(example)
    changed = {p for p, digest in after.items() if before.get(p) != digest}
    assert 0 < len(changed) < len(after)
    assert receipt(example)["uploaded"] == len(changed)
    now = s3.objects(bucket)
    untouched = {k for k in after if k not in changed}
    assert all(now[k] == etags[k] for k in untouched)
    assert_bucket_is_site(example, s3, bucket)
    assert [r["state"] for r in rows(example)] == ["delivered", "delivered"]  # each release once


def test_a_removed_update_is_deleted_after_the_new_pages_are_in(example, s3, bucket):
    configure(example, s3, bucket)
    add_update(example)
    assert publish(example, s3).returncode == 0
    (example / "content" / "incidents" / INCIDENT / "20191123T0900.md").unlink()
    assert publish(example, s3).returncode == 0
    objects = s3.objects(bucket)
    assert f"fr/incidents/{INCIDENT}/20191123T0900.html" not in objects
    assert receipt(example)["deleted"] >= 2  # its page in each language
    assert_bucket_is_site(example, s3, bucket)


def test_upload_order_steps_and_deletions_last():
    assert [
        step(p) for p in ("style.css", f"fr/incidents/{INCIDENT}/20191115T2130.html", "print/x.html")
    ] == [0, 0, 0]
    assert [step(p) for p in (f"en/incidents/{INCIDENT}/index.html", f"incidents/{INCIDENT}.json")] == [1, 1]
    assert [
        step(p) for p in ("index.html", "fr/index.html", "fr/feed.xml", "status.json", "banner/fr.html")
    ] == [2] * 5
    live = {
        "index.html": "a",
        "fr/index.html": "a",
        "fr/incidents/i/index.html": "a",
        "fr/incidents/i/old.html": "a",
    }
    new = {
        "index.html": "b",
        "fr/index.html": "b",
        "fr/incidents/i/index.html": "b",
        "fr/incidents/i/new.html": "b",
        "fr/incidents/j/index.html": "b",
    }
    plan = plan_changes(new, live)
    assert plan.uploads == [
        ["fr/incidents/i/new.html"],
        ["fr/incidents/j/index.html"],  # a new incident page before the changed one linking to it
        ["fr/incidents/i/index.html"],
        ["fr/index.html", "index.html"],
    ]
    assert plan.deletions == [["fr/incidents/i/old.html"]]
    # After an interrupted release, what it may have replaced or deleted is uploaded again,
    # and what it added is deleted.
    plan = plan_changes(
        live, live, [{**live, "fr/incidents/i/index.html": "x", "fr/incidents/k/index.html": "x"}]
    )
    assert plan.uploads == [["fr/incidents/i/index.html"]] and plan.deletions == [
        ["fr/incidents/k/index.html"]
    ]
    assert content_type("a/feed.xml").startswith("application/atom+xml")


@pytest.mark.parametrize("after", [3, 12])
def test_sigkill_between_objects_is_finished_by_the_next_run_in_order(example, s3, bucket, after):
    configure(example, s3, bucket, extra="workers = 1")
    assert publish(example, s3).returncode == 0
    old_home = s3.client().get_object(Bucket=bucket, Key="fr/index.html")["Body"].read()
    first_release = rows(example)[0]["remote_id"]
    add_update(example)
    crashed = publish(example, s3, env={"PUBLISHER_TEST_CRASH_AT": f"s3_put_{after}:cloud"})
    assert crashed.returncode == -9, crashed.stdout + crashed.stderr
    pointer = json.loads(s3.client().get_object(Bucket=bucket, Key=".publisher/live.json")["Body"].read())
    assert pointer["live"]["id"] == first_release and pointer["pending"] is not None
    # Home pages go last: a reader still gets the previous home page, whole.
    assert s3.client().get_object(Bucket=bucket, Key="fr/index.html")["Body"].read() == old_home
    assert rows(example)[-1]["state"] == "sending"

    again = publish(example, s3)
    assert again.returncode == 0, again.stdout + again.stderr
    assert_bucket_is_site(example, s3, bucket)
    states = [r["state"] for r in rows(example)]
    assert states.count("delivered") == 1 + (states[0] == "delivered") and "sending" not in states
    pointer = json.loads(s3.client().get_object(Bucket=bucket, Key=".publisher/live.json")["Body"].read())
    assert pointer["pending"] is None and pointer["live"]["id"] == rows(example)[-1]["remote_id"]


def test_a_fresh_machine_takes_over_from_the_bucket(example, s3, bucket, tmp_path):
    configure(example, s3, bucket)
    assert publish(example, s3).returncode == 0
    before = built(example)
    import shutil

    shutil.rmtree(example / ".publisher")  # the machine is gone: no ledger, no state dir
    add_update(example)
    again = publish(example, s3)
    assert again.returncode == 0, again.stdout + again.stderr
    # Only what changed went up, known from the manifest kept in the bucket.
    after = built(example)
    assert receipt(example)["uploaded"] == len({p for p, d in after.items() if before.get(p) != d})
    assert_bucket_is_site(example, s3, bucket)


def test_a_lost_ledger_adopts_the_live_release_without_uploading(example, s3, bucket):
    configure(example, s3, bucket)
    assert publish(example, s3).returncode == 0
    [first] = rows(example)
    import shutil

    shutil.rmtree(example / ".publisher")  # ledger and state lost, the bucket still serves the site
    again = publish(example, s3)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "publish: adopted" in again.stdout and "created" not in again.stdout, again.stdout
    [row] = rows(example)
    assert row["remote_id"] == first["remote_id"] and row["state"] == "delivered"
    pointer = json.loads(s3.client().get_object(Bucket=bucket, Key=".publisher/live.json")["Body"].read())
    assert pointer["live"]["id"] == first["remote_id"] and len(pointer["history"]) == 1
    assert_bucket_is_site(example, s3, bucket)


def test_upload_refused_half_way_keeps_the_old_home_page_and_is_retried(example, s3, bucket):
    configure(example, s3, bucket)
    assert publish(example, s3).returncode == 0
    old_home = s3.client().get_object(Bucket=bucket, Key="fr/index.html")["Body"].read()
    add_update(example)
    s3.deny(bucket, "fr/index.html")
    try:
        failed = publish(example, s3)
    finally:
        s3.deny(bucket, None)
    assert failed.returncode != 0
    assert "refused fr/index.html" in failed.stdout + failed.stderr
    assert "[needs a person]" in failed.stdout + failed.stderr
    row = rows(example)[-1]
    assert row["state"] == "failed" and row["next_attempt_at"]
    assert s3.client().get_object(Bucket=bucket, Key="fr/index.html")["Body"].read() == old_home
    # Incident pages went up before the refusal (they come before home pages).
    incident = s3.client().get_object(Bucket=bucket, Key=f"fr/incidents/{INCIDENT}/index.html")["Body"].read()
    assert b"20191123T0900" in incident

    retried = publish(example, s3, "--retry")
    assert retried.returncode == 0, retried.stdout + retried.stderr
    assert_bucket_is_site(example, s3, bucket)


@pytest.mark.parametrize("which", ["access", "secret"])
def test_wrong_key_needs_a_person_and_names_the_variable(example, s3, bucket, which):
    configure(example, s3, bucket)
    env = s3.env()
    wrong = "AKIAWRONGWRONGWRONG1" if which == "access" else "wrong-secret-value-123456"
    env["S3_ACCESS_KEY_ID" if which == "access" else "S3_SECRET_ACCESS_KEY"] = wrong
    done = run_publisher(example, "publish", "--now", AFTER_ALL, env=env)
    out = done.stdout + done.stderr
    assert done.returncode != 0
    variable = "S3_ACCESS_KEY_ID" if which == "access" else "S3_SECRET_ACCESS_KEY"
    assert variable in out and "[needs a person]" in out, out
    assert wrong not in out and s3.secret_key not in out
    assert wrong not in json.dumps(rows(example))
    assert "Traceback" not in out


def test_missing_bucket_names_the_bucket(example, s3):
    configure(example, s3, "no-such-bucket-here")
    done = publish(example, s3)
    out = done.stdout + done.stderr
    assert done.returncode != 0
    assert "bucket 'no-such-bucket-here'" in out and "does not exist" in out and "[needs a person]" in out, (
        out
    )
    assert "Traceback" not in out


def test_unset_variable_is_reported_by_check_and_publish(example, s3, bucket):
    configure(example, s3, bucket)
    env = {"S3_ACCESS_KEY_ID": "", "S3_SECRET_ACCESS_KEY": ""}
    done = run_publisher(example, "publish", "--now", AFTER_ALL, env=env)
    assert done.returncode != 0 and "S3_ACCESS_KEY_ID is not set" in done.stdout + done.stderr
    checked = run_publisher(example, "check", env=env)
    assert "S3_ACCESS_KEY_ID is not set" in checked.stdout + checked.stderr


def test_bad_options_are_config_errors_with_a_line(example):
    set_config(
        example, '[channels.cloud]\ntype = "s3"\nbucket = "Not_A_Bucket"\naccess_key_env = "AKIA123 secret"\n'
    )
    done = run_publisher(example, "check")
    out = done.stdout + done.stderr
    assert done.returncode == 2, out
    assert "bucket is not a bucket name" in out
    assert "missing 'secret_key_env'" in out
    assert "access_key_env is the *name* of an environment variable" in out
    assert "publisher.toml:" in out


def test_rollback_puts_the_previous_release_back(example, s3, bucket):
    configure(example, s3, bucket)
    assert publish(example, s3).returncode == 0
    first = site_objects(s3, bucket)
    add_update(example)
    assert publish(example, s3).returncode == 0
    assert site_objects(s3, bucket) != first
    done = run_publisher(example, "rollback", env=s3.env())
    assert done.returncode == 0, done.stdout + done.stderr
    assert site_objects(s3, bucket) == first
    assert f"{s3.url}/{bucket}/" in done.stdout
    listed = run_publisher(example, "rollback", "--list", env=s3.env())
    assert listed.returncode == 0 and listed.stdout.count("\n") >= 3, listed.stdout
    # The job does not put the rolled-back version straight back.
    again = publish(example, s3)
    assert again.returncode == 0
    assert site_objects(s3, bucket) == first


def test_several_website_channels_are_independent(example, s3, bucket):
    configure(example, s3, "no-such-bucket-here", name="broken")
    configure(example, s3, bucket, name="cloud")
    set_config(example, '[channels.website]\ntype = "directory"\n')
    done = publish(example, s3)
    assert done.returncode != 0  # one channel failed
    assert (example / "public" / "fr" / "index.html").is_file()
    assert_bucket_is_site(example, s3, bucket)
    states = {r["channel"]: r["state"] for r in rows(example)}
    assert states == {"broken": "failed", "cloud": "delivered", "website": "delivered"}


def new_incident(project: Path, iid: str, title: str) -> None:
    d = project / "content" / "incidents" / iid
    d.mkdir()
    (d / "incident.md").write_text(f"---\ntitle: {title}\nimpact: minor\nlang: fr\n---\n", encoding="utf-8")
    write_update(
        project,
        "20191123T1000",
        "2019-11-23T10:00",
        f"Point sur {title}.",
        incident=iid,
        status="investigating",
    )


def test_a_reader_during_deploys_never_meets_a_missing_page(example, s3, bucket, tmp_path):
    configure(example, s3, bucket, extra="workers = 1")
    assert publish(example, s3).returncode == 0
    stop, result = tmp_path / "stop", tmp_path / "result.json"

    def reader() -> subprocess.Popen[str]:
        stop.unlink(missing_ok=True)
        result.unlink(missing_ok=True)
        return subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.s3reader",
                s3.url,
                s3.access_key,
                s3.secret_key,
                bucket,
                str(stop),
                str(result),
            ],
            cwd=REPO,
            text=True,
        )

    def rounds() -> int:
        try:
            return int(json.loads(result.read_text())["rounds"])
        except (OSError, ValueError):
            return 0

    def wait_rounds(more: int) -> None:
        target, deadline = rounds() + more, time.monotonic() + 120
        while rounds() < target and time.monotonic() < deadline:
            time.sleep(0.2)

    def finish(process: subprocess.Popen[str]) -> dict:
        stop.touch()
        assert process.wait(60) == 0
        return json.loads(result.read_text())

    process = reader()
    try:
        wait_rounds(1)
        new_incident(example, "2019-11-23-panne-telephone", "Panne du standard")
        assert publish(example, s3).returncode == 0
        add_update(example)
        assert publish(example, s3).returncode == 0
        new_incident(example, "2019-11-23-panne-messagerie", "Panne de la messagerie")
        (example / "content" / "incidents" / INCIDENT / "20191123T0900.md").unlink()
        assert publish(example, s3).returncode == 0
        wait_rounds(1)
    finally:
        seen = finish(process)
    assert seen["violations"] == [], seen
    assert seen["rounds"] >= 3 and seen["checked"] > 100, seen

    # The same reader catches the order a plain sync uses (home page first): the check can fail.
    process = reader()
    try:
        wait_rounds(1)
        new_incident(example, "2019-11-23-panne-parking", "Panne du parking")
        run_publisher(example, "build", "--now", AFTER_ALL)
        site = example / "public"
        client = s3.client()
        client.put_object(Bucket=bucket, Key="fr/index.html", Body=(site / "fr" / "index.html").read_bytes())
        wait_rounds(2)  # two whole rounds after the bad upload: one started after it
    finally:
        seen = finish(process)
    assert any("panne-parking" in v["missing"] for v in seen["violations"]), seen


def test_init_deploys_a_standby_site_and_the_first_update_makes_it_live(tmp_path, s3, bucket):
    target = tmp_path / "hopital"
    done = run_publisher(
        tmp_path,
        "init",
        str(target),
        "--organisation",
        "CH de Test",
        "--phone",
        "02 00 00 00 99",
        "--bucket",
        bucket,
        "--endpoint-url",
        s3.url,
        "--region",
        "us-east-1",
        "--standby",
        env=s3.env(),
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "standby site deployed" in done.stdout
    client = s3.client()

    def page(key: str) -> str:
        return client.get_object(Bucket=bucket, Key=key)["Body"].read().decode()

    for key in ("fr/index.html", "en/index.html", "index.html", "fr/accessibility.html"):
        assert '<meta name="robots" content="noindex">' in page(key), key
    assert "CH de Test" in page("fr/index.html") and "02 00 00 00 99" in page("fr/index.html")
    assert "No incident in progress." in page("en/index.html")
    assert page("robots.txt") == "User-agent: *\nDisallow: /\n"
    assert 'content="noindex"' in (target / "public" / "fr" / "index.html").read_text()  # every website

    new_incident(target, "2026-12-01-panne", "Panne informatique")
    # Real time: init --standby published at real time, and --now never takes the site back.
    live = run_publisher(target, "publish", env=s3.env())
    assert live.returncode == 0, live.stdout + live.stderr
    for key in ("fr/index.html", "en/index.html", "fr/incidents/2026-12-01-panne/index.html"):
        assert "noindex" not in page(key), key
    assert "Allow: /" in page("robots.txt") and "Sitemap:" in page("robots.txt")
    assert "noindex" not in (target / "public" / "fr" / "index.html").read_text()


def pointer_of(s3: s3server.S3Server, bucket: str) -> dict:
    return json.loads(s3.client().get_object(Bucket=bucket, Key=".publisher/live.json")["Body"].read())


@pytest.mark.parametrize("finish", ["publish", "rollback"])
def test_sigkill_mid_rollback_is_finished_by_the_next_run_in_order(example, s3, bucket, finish):
    configure(example, s3, bucket, extra="workers = 1")
    assert publish(example, s3).returncode == 0
    first = site_objects(s3, bucket)
    add_update(example)
    assert publish(example, s3).returncode == 0
    second = site_objects(s3, bucket)
    crashed = run_publisher(
        example, "rollback", env={**s3.env(), "PUBLISHER_TEST_CRASH_AT": "s3_put_3:cloud"}
    )
    assert crashed.returncode == -9, crashed.stdout + crashed.stderr
    half = site_objects(s3, bucket)
    assert half != first and half != second  # three objects are back, the rest not yet
    # Home pages go last: a reader still gets the newer home page, whole, and its links work.
    assert half["fr/index.html"] == second["fr/index.html"]
    assert pointer_of(s3, bucket)["pending"]["id"] == rows(example)[0]["remote_id"]
    assert [r["state"] for r in rows(example) if r["idempotency_key"].startswith("rollback-")] == ["sending"]

    if finish == "publish":
        again = publish(example, s3)
    else:
        again = run_publisher(example, "rollback", env=s3.env())
    assert again.returncode == 0, again.stdout + again.stderr
    assert site_objects(s3, bucket) == first
    [rollback] = [r for r in rows(example) if r["idempotency_key"].startswith("rollback-")]
    assert rollback["state"] == "delivered" and rollback["remote_id"] == rows(example)[0]["remote_id"]
    pointer = pointer_of(s3, bucket)
    assert pointer["pending"] is None and pointer["live"]["id"] == rollback["remote_id"]
    # The rolled-back version stays off the site.
    later = publish(example, s3)
    assert later.returncode == 0 and site_objects(s3, bucket) == first, later.stdout


def test_a_release_deployed_elsewhere_is_rolled_back_from_the_bucket_alone(example, s3, bucket):
    import shutil

    configure(example, s3, bucket)
    assert publish(example, s3).returncode == 0
    first = site_objects(s3, bucket)
    add_update(example)
    assert publish(example, s3).returncode == 0
    second = site_objects(s3, bucket)
    releases = [r["remote_id"] for r in rows(example)]
    shutil.rmtree(example / ".publisher")  # another machine: no ledger, no state dir, no build
    done = run_publisher(example, "rollback", env=s3.env())
    assert done.returncode == 0, done.stdout + done.stderr
    assert site_objects(s3, bucket) == first
    head = s3.client().head_object(Bucket=bucket, Key="fr/index.html")
    assert (head["ContentType"], head["CacheControl"]) == ("text/html; charset=utf-8", "public, max-age=60")
    # That machine's ledger knows the newer version was rolled back: cron does not redeploy it.
    later = publish(example, s3)
    assert later.returncode == 0 and "rolled-back" in later.stdout, later.stdout
    assert site_objects(s3, bucket) == first
    forward = run_publisher(example, "rollback", "--to", releases[1], env=s3.env())
    assert forward.returncode == 0, forward.stdout + forward.stderr
    assert site_objects(s3, bucket) == second


def test_bytes_kept_for_rollback_follow_the_kept_releases(example, s3, bucket):
    configure(example, s3, bucket, extra="keep = 2")
    assert publish(example, s3).returncode == 0
    for hour in (9, 10, 11):
        write_update(example, f"20191123T{hour:02d}00", f"2019-11-23T{hour:02d}:00", f"Point de {hour} h.")
        assert publish(example, s3).returncode == 0
    pointer = pointer_of(s3, bucket)
    kept = [r["id"] for r in pointer["history"]]
    assert len(kept) == 2
    keys = s3.objects(bucket, ".publisher")
    assert {k.split("/")[-1].split(".")[0] for k in keys if "/releases/" in k} == set(kept)
    client = s3.client()
    wanted = set()
    for release in kept:
        body = client.get_object(Bucket=bucket, Key=f".publisher/releases/{release}.json")["Body"].read()
        wanted |= set(json.loads(body).values())
    blobs = {k.rsplit("/", 1)[-1] for k in keys if k.startswith(".publisher/objects/")}
    assert blobs and blobs <= wanted
    assert run_publisher(example, "rollback", env=s3.env()).returncode == 0


def tamper(s3: s3server.S3Server, bucket: str) -> None:
    """What someone with the keys does behind publisher's back (a console, another tool)."""
    client = s3.client()
    client.put_object(Bucket=bucket, Key="fr/index.html", Body=b"<p>Tout va bien.</p>")
    client.delete_object(Bucket=bucket, Key="style.css")
    client.put_object(Bucket=bucket, Key="fr/faux-communique.html", Body=b"<p>Faux.</p>")


@pytest.mark.parametrize("decision", ["--overwrite-remote", "--adopt-remote"])
def test_bucket_drift_is_reported_and_repaired_only_when_asked(example, s3, bucket, decision):
    configure(example, s3, bucket)
    assert publish(example, s3).returncode == 0
    tamper(s3, bucket)
    verify = run_publisher(example, "status", "--now", AFTER_ALL, "--verify", env=s3.env())
    out = verify.stdout
    assert verify.returncode == 1, out
    assert "1 changed (fr/index.html)" in out and "1 missing (style.css)" in out, out
    assert "1 added (fr/faux-communique.html)" in out and "--overwrite-remote" in out, out
    add_update(example)
    tampered = site_objects(s3, bucket)
    reported = publish(example, s3)
    assert reported.returncode == 1
    assert "publish: drift" in reported.stdout and "[needs a person]" in reported.stdout, reported.stdout
    assert site_objects(s3, bucket) == tampered  # nothing uploaded, nothing deleted
    resolved = publish(example, s3, decision)
    assert resolved.returncode == 0, resolved.stdout + resolved.stderr
    if decision == "--overwrite-remote":
        assert_bucket_is_site(example, s3, bucket)
        assert run_publisher(example, "status", "--now", AFTER_ALL, "--verify", env=s3.env()).returncode == 0
    else:
        assert "kept-remote" in resolved.stdout and site_objects(s3, bucket) == tampered
    decisions = [r["result"] for r in rows(example, "SELECT result FROM audit WHERE event = 'drift'")]
    assert decisions == ["reported", "overwritten" if decision == "--overwrite-remote" else "kept remote"]


def test_overwrite_remote_repairs_the_bucket_with_nothing_new_to_publish(example, s3, bucket):
    configure(example, s3, bucket)
    assert publish(example, s3).returncode == 0
    tamper(s3, bucket)
    quiet = publish(example, s3)  # nothing changed in the content: cron does not look
    assert quiet.returncode == 0 and "nothing new" in quiet.stdout, quiet.stdout
    repaired = publish(example, s3, "--overwrite-remote")
    assert repaired.returncode == 0 and "redeployed" in repaired.stdout, repaired.stdout
    assert_bucket_is_site(example, s3, bucket)
    assert receipt(example)["uploaded"] == 2 and receipt(example)["deleted"] == 1
