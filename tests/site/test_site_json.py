"""/status.json and /incidents/<id>.json: valid against the schemas in docs/schemas/."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from sitetools import INCIDENT, REPO, SECOND

SCHEMAS = REPO / "docs" / "schemas"


def validator(name: str) -> jsonschema.Draft202012Validator:
    schema = json.loads((SCHEMAS / f"{name}.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())


def load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", ["final", "crisis"])
def test_every_json_document_validates_against_its_schema(sites: dict[str, Path], name: str) -> None:
    site = sites[name]
    validator("status").validate(load(site / "status.json"))
    documents = sorted((site / "incidents").glob("*.json"))
    assert documents
    for path in documents:
        validator("incident").validate(load(path))


def test_the_schemas_reject_what_they_should() -> None:
    """The schemas are strict enough to catch a wrong time format or a missing field."""
    good = {
        "format_version": 1,
        "site": {
            "url": "https://s.example/",
            "title": {"fr": {"text": "T", "lang": "fr"}},
            "languages": ["fr"],
            "source_lang": "fr",
            "home": {"fr": "https://s.example/fr/"},
            "feed": {"fr": "https://s.example/fr/feed.xml"},
        },
        "updated_at": "2019-11-16T10:45:00Z",
        "status": {"indicator": "none", "active_incidents": 0, "description": {"fr": "Rien"}},
        "incidents": [],
        "services": [
            {
                "id": "urgences",
                "state": "degraded",
                "since": "2019-11-15T20:30:00Z",
                "incident": "2019-11-15-cyberattaque",
                "name": {"fr": {"text": "Urgences", "lang": "fr"}},
                "group": None,
                "state_label": {"fr": "Mode dégradé"},
                "note": None,
            }
        ],
        "contacts": {
            "fr": {
                "lines": [{"kind": "emergency", "label": None, "value": "15", "href": "tel:15"}],
                "hours": None,
            }
        },
    }
    v = validator("status")
    v.validate(good)
    for bad in (
        {**good, "updated_at": "2019-11-16T11:45:00+01:00"},
        {**good, "status": {**good["status"], "indicator": "red"}},
        {k: v for k, v in good.items() if k != "incidents"},
        {**good, "extra": 1},
        {**good, "services": [{**good["services"][0], "state": "red"}]},  # type: ignore[dict-item]
        {k: v for k, v in good.items() if k != "contacts"},
        {
            **good,
            "contacts": {
                "fr": {
                    "lines": [{"kind": "emergency", "label": None, "value": "15", "href": "15"}],
                    "hours": None,
                }
            },
        },
    ):
        assert not v.is_valid(bad), bad


def test_status_json_in_the_middle_of_the_crisis(sites: dict[str, Path]) -> None:
    doc = load(sites["crisis"] / "status.json")
    assert doc["status"]["indicator"] == "critical"  # the worst of critical and minor
    assert doc["status"]["active_incidents"] == 2
    assert doc["status"]["description"] == {"fr": "2 incidents en cours", "en": "2 incidents in progress"}
    assert doc["updated_at"] == "2019-11-16T10:45:00Z"  # 11:45 Paris time, in UTC
    by_id = {i["id"]: i for i in doc["incidents"]}
    assert set(by_id) == {INCIDENT, SECOND}
    latest = by_id[INCIDENT]["latest_update"]
    assert latest["id"] == f"{INCIDENT}/20191116T1145"
    # Not yet translated: the English entry says so, and carries the French text.
    assert latest["content"]["en"]["lang"] == "fr"
    assert latest["content"]["en"]["translated"] is False
    assert "Les consultations de lundi" in latest["content"]["en"]["html"]
    assert latest["content"]["en"]["status_label"] == "Identified"
    assert latest["content"]["fr"]["status_label"] == "Cause identifiée"
    assert latest["content"]["en"]["url"].endswith(f"/en/incidents/{INCIDENT}/20191116T1145.html")
    assert by_id[SECOND]["title"]["fr"] == {"text": "Switchboard overloaded", "lang": "en"}


def test_status_json_when_all_is_resolved(sites: dict[str, Path]) -> None:
    doc = load(sites["final"] / "status.json")
    assert doc["status"] == {
        "indicator": "none",
        "active_incidents": 0,
        "description": {"fr": "Aucun incident en cours.", "en": "No incident in progress."},
    }
    assert doc["incidents"] == []
    assert doc["site"]["title"]["en"] == {
        "text": "Rouen University Hospital — Patient information",
        "lang": "en",
    }


def test_incident_json_holds_every_update_newest_first(sites: dict[str, Path]) -> None:
    doc = load(sites["final"] / "incidents" / f"{INCIDENT}.json")["incident"]
    stems = [u["id"].split("/")[1] for u in doc["updates"]]
    assert stems == sorted(stems, reverse=True) and len(stems) == 6
    assert doc["active"] is False and doc["status"] == "resolved"
    # started: 19:00 Paris time in incident.md (the attack), not the first update (21:30);
    # no ended: so the last update's time once resolved.
    assert doc["started_at"] == "2019-11-15T18:00:00Z"
    assert doc["ended_at"] == "2019-11-22T16:00:00Z"
    assert all(u["content"]["en"]["translated"] for u in doc["updates"])
    assert doc["updates"][1]["next_update_at"] == "2019-11-22T17:00:00Z"
    first = doc["updates"][-1]["services"]
    assert {c["id"]: c["state"] for c in first}["urgences"] == "degraded"
    urgences = next(c for c in first if c["id"] == "urgences")
    assert urgences["note"]["en"] == {
        "markdown": "Open; longer waits",
        "html": "Open; longer waits",
        "lang": "en",
    }
    assert [i["markdown"] for i in doc["what_to_do"]["fr"]][0].startswith("Urgences ouvertes")


def test_status_json_carries_the_service_grid_and_the_contacts(sites: dict[str, Path]) -> None:
    doc = load(sites["final"] / "status.json")
    states = {s["id"]: s for s in doc["services"]}
    assert list(states) == ["urgences", "consultations", "admissions", "laboratoire", "imagerie"]
    assert all(s["state"] == "operational" for s in states.values())  # resolved
    assert states["laboratoire"]["group"]["en"] == {"text": "Tests and scans", "lang": "en"}
    assert states["urgences"]["state_label"] == {"fr": "Fonctionnement normal", "en": "Operating normally"}
    lines = doc["contacts"]["fr"]["lines"]
    assert lines[0] == {"kind": "emergency", "label": None, "value": "15", "href": "tel:15"}
    assert {
        "kind": "switchboard",
        "label": None,
        "value": "02 32 88 89 90",
        "href": "tel:0232888990",
    } in lines


def test_a_corrected_update_says_when_in_json(sites: dict[str, Path]) -> None:
    from sitetools import CORRECTED_STEM, CORRECTION_NOTE

    doc = load(sites["crisis"] / "incidents" / f"{INCIDENT}.json")["incident"]
    by_id = {u["id"]: u for u in doc["updates"]}
    corrected = by_id[f"{INCIDENT}/{CORRECTED_STEM}"]
    assert corrected["corrected_at"] == "2019-11-16T11:30:00Z"
    assert corrected["correction"] == CORRECTION_NOTE
    assert corrected["content"]["en"]["translated"] is True
    assert all(u["corrected_at"] is None for k, u in by_id.items() if k != corrected["id"])
