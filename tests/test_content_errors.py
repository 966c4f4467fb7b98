"""Every class of content error names path:line, says what is wrong and how to fix it."""

from __future__ import annotations

from pathlib import Path

import pytest

from publisher.config import load_config
from publisher.content import load_site

INCIDENT = "content/incidents/2019-11-15-panne"
GOOD_INCIDENT = "---\ntitle: Panne\nimpact: major\n---\nRésumé.\n"
GOOD_UPDATE = (
    "---\nstatus: investigating\npublish_at: 2019-11-15T19:00\napproved_by: Comms\n---\n"
    "Nous analysons la panne.\n"
)


def project(tmp_path: Path, files: dict[str, str | bytes]) -> Path:
    (tmp_path / "publisher.toml").write_text('[languages]\nsource = "fr"\ntargets = ["en"]\n')
    for name, data in {f"{INCIDENT}/incident.md": GOOD_INCIDENT, **files}.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, bytes):
            path.write_bytes(data)
        else:
            path.write_text(data, encoding="utf-8")
    return tmp_path


def errors(tmp_path: Path, files: dict[str, str | bytes]) -> list[str]:
    root = project(tmp_path, files)
    return [str(d) for d in load_site(load_config(root)).diagnostics]


def update(front: str, body: str = "Texte.\n") -> str:
    return f"---\n{front}---\n{body}"


CASES = [
    # (file content, expected "path:line: error: message" start, expected fix fragment)
    pytest.param(
        update("status: investigating\napproved_by: Comms\n"),
        "20191115T1900.md:1: error: missing 'publish_at'",
        "add a line 'publish_at:",
        id="missing-field",
    ),
    pytest.param(
        update("status: investigating\npublish_at: 2019-11-15T19:00\napprouved_by: x\n"),
        "20191115T1900.md:4: error: unknown key 'approuved_by'",
        "did you mean 'approved_by'",
        id="unknown-key",
    ),
    pytest.param(
        update("status: investigatin\npublish_at: 2019-11-15T19:00\n"),
        "20191115T1900.md:2: error: 'investigatin' is not a valid status",
        "did you mean 'investigating'",
        id="bad-status",
    ),
    pytest.param(
        update("status: identified\npublish_at: 2019-03-31T02:30\n"),
        "20191115T1900.md:3: error: publish_at: '2019-03-31T02:30' does not exist",
        "2019-03-31T03:30+02:00",
        id="dst-gap",
    ),
    pytest.param(
        update("status: identified\npublish_at: 2019-10-27T02:30\n"),
        "20191115T1900.md:3: error: publish_at: '2019-10-27T02:30' happens twice",
        "2019-10-27T02:30+01:00",
        id="dst-overlap",
    ),
    pytest.param(
        update("status: identified\npublish_at: 2019-11-15T19:00\nnext_update: demain\n"),
        "20191115T1900.md:4: error: next_update: 'demain' is not a date and time",
        "YYYY-MM-DDTHH:MM",
        id="bad-time",
    ),
    pytest.param(
        b"---\nstatus: identified\npublish_at: 2019-11-15T19:00\n---\nCaf\xe9 ferm\xe9.\n",
        "20191115T1900.md:5: error: not UTF-8 text (byte 0xe9)",
        "save the file as UTF-8",
        id="not-utf8",
    ),
    pytest.param(
        update("status: [investigating\npublish_at: 2019-11-15T19:00\n"),
        "20191115T1900.md:",
        "a value containing ': ' needs quotes",
        id="bad-yaml",
    ),
    pytest.param(
        "Nous analysons.\n",
        "20191115T1900.md:1: error: missing front matter",
        "start the file with a line '---'",
        id="no-front-matter",
    ),
    pytest.param(
        "---\nstatus: identified\n",
        "20191115T1900.md:1: error: front matter is not closed",
        "add a line '---'",
        id="unclosed-front-matter",
    ),
    pytest.param(
        update("status: identified\nstatus: resolved\npublish_at: 2019-11-15T19:00\n"),
        "20191115T1900.md:3: error: 'status' is given twice",
        "first at line 2",
        id="duplicate-key",
    ),
    pytest.param(
        update("status: identified\npublish_at: 2019-11-15T19:00\n", "Voir [ici](javascript:alert(1)).\n"),
        "20191115T1900.md:5: error: link to 'javascript:alert(1' is not allowed",
        "http(s)://, mailto:, tel:",
        id="bad-link",
    ),
    pytest.param(
        update("status: identified\npublish_at: 2019-11-15T19:00\n", ""),
        "20191115T1900.md:4: error: the update has no text",
        "write the statement",
        id="empty-body",
    ),
    pytest.param(
        update("status: identified\npublish_at: 2019-07-01T12:00+01:00\n"),
        "20191115T1900.md:3: error: publish_at: offset of",
        "2019-07-01T13:00+02:00",
        id="wrong-offset",
    ),
]


@pytest.mark.parametrize(("text", "expected", "fix"), CASES)
def test_update_error(tmp_path: Path, text: str | bytes, expected: str, fix: str) -> None:
    found = errors(tmp_path, {f"{INCIDENT}/20191115T1900.md": text})
    assert len(found) == 1, found
    assert found[0].startswith(f"{INCIDENT}/{expected}"), found[0]
    assert fix in found[0]


def test_duplicate_timestamp_in_one_incident(tmp_path: Path) -> None:
    found = errors(
        tmp_path, {f"{INCIDENT}/20191115T1900.md": GOOD_UPDATE, f"{INCIDENT}/20191115T1901.md": GOOD_UPDATE}
    )
    assert found == [
        f"{INCIDENT}/20191115T1901.md: error: publish_at is the same as in "
        f"{INCIDENT}/20191115T1900.md\n    fix: give each update of an incident its own time"
    ]


def test_bad_update_file_name(tmp_path: Path) -> None:
    found = errors(tmp_path, {f"{INCIDENT}/vendredi.md": GOOD_UPDATE})
    assert found[0].startswith(f"{INCIDENT}/vendredi.md: error: update file name 'vendredi.md'")
    assert "20191115T2130.md" in found[0]


def test_bad_incident_directory_name(tmp_path: Path) -> None:
    found = errors(tmp_path, {"content/incidents/Panne Paris/incident.md": GOOD_INCIDENT})
    assert found[0].startswith("content/incidents/Panne Paris: error: incident directory name")


def test_incident_errors(tmp_path: Path) -> None:
    found = errors(tmp_path, {f"{INCIDENT}/incident.md": "---\ntitle: Panne\nimpact: huge\n---\n"})
    assert found[0].startswith(f"{INCIDENT}/incident.md:3: error: 'huge' is not a valid impact")
    assert "none, minor, major, critical" in found[0]


def test_retracts_unknown_update(tmp_path: Path) -> None:
    bad = update("status: identified\npublish_at: 2019-11-15T20:00\nretracts: 20191115T1800\n")
    found = errors(
        tmp_path, {f"{INCIDENT}/20191115T1900.md": GOOD_UPDATE, f"{INCIDENT}/20191115T2000.md": bad}
    )
    assert "retracts '20191115T1800', which is not an update" in found[0]
    assert "known: 20191115T1900" in found[0]


def test_all_errors_reported_at_once_and_valid_updates_still_load(tmp_path: Path) -> None:
    root = project(
        tmp_path,
        {
            f"{INCIDENT}/20191115T1900.md": GOOD_UPDATE,
            f"{INCIDENT}/20191115T2000.md": update("status: nope\npublish_at: 2019-11-15T20:00\n"),
            f"{INCIDENT}/20191115T2100.md": update("status: identified\npublish_at: 2019-03-31T02:30\n"),
        },
    )
    result = load_site(load_config(root))
    assert len(result.errors) == 2
    incident = result.site.incidents[0]
    assert [u.stem for u in incident.updates] == ["20191115T1900"]


def test_check_command_exits_2_and_lists_every_error(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    root = project(
        tmp_path,
        {
            f"{INCIDENT}/20191115T1900.md": GOOD_UPDATE,
            f"{INCIDENT}/20191115T2000.md": update("status: nope\npublish_at: 2019-11-15T20:00\n"),
            f"{INCIDENT}/20191115T2100.md": update("status: identified\npublish_at: 2019-03-31T02:30\n"),
        },
    )
    result = cli("-C", root, "check")
    assert result.code == 2
    assert f"{INCIDENT}/20191115T2000.md:2: error: 'nope' is not a valid status" in result.err
    assert f"{INCIDENT}/20191115T2100.md:3: error: publish_at:" in result.err
    assert "2 error(s)" in result.out


def test_build_still_publishes_valid_updates_when_one_file_is_broken(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    root = project(
        tmp_path,
        {
            f"{INCIDENT}/20191115T1900.md": GOOD_UPDATE,
            f"{INCIDENT}/20191115T2000.md": update("status: nope\npublish_at: 2019-11-15T20:00\n"),
        },
    )
    result = cli("-C", root, "build", "--now", "2019-11-16T00:00")
    assert result.code == 2
    page = (root / "public/fr/incidents/2019-11-15-panne/20191115T1900.html").read_text()
    assert "Nous analysons la panne." in page
