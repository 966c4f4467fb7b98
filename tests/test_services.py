"""Services declared in publisher.toml, their states set by updates, and [contacts]."""

from __future__ import annotations

from pathlib import Path

import pytest

from publisher.config import load_config, tel_number
from publisher.content import load_site
from publisher.errors import ConfigError
from publisher.localize import localize_incident
from publisher.services import grid, history
from publisher.timeutil import parse_local

CONFIG = """\
[languages]
source = "fr"
targets = ["en"]

[contacts]
emergency = "15"
switchboard = "+33 2 32 88 89 90"
phones = { fr = ["Maternité : 02 00 00 00 01"], en = ["Maternity: 02 00 00 00 01"] }
email = "crise@example.org"
hours = { fr = "24 h/24", en = "24 hours a day" }

[services.urgences]
name = { fr = "Urgences", en = "Emergency department" }
order = 1

[services.labo]
name = "Laboratoire"
group = { fr = "Examens", en = "Tests" }
order = 2
"""
INCIDENT = "content/incidents/2019-11-15-panne"


def project(tmp_path: Path, files: dict[str, str], config: str = CONFIG) -> Path:
    (tmp_path / "publisher.toml").write_text(config, encoding="utf-8")
    base = {
        f"{INCIDENT}/incident.md": (
            '---\ntitle: Panne\nimpact: major\nstarted: "2019-11-15T19:00"\n'
            'what_to_do: ["Appelez le [15](tel:15) en cas d’urgence vitale."]\n---\n'
        )
    }
    for name, data in {**base, **files}.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(data, encoding="utf-8")
    return tmp_path


def update(publish_at: str, services: str, status: str = "investigating") -> str:
    return f"---\nstatus: {status}\npublish_at: {publish_at}\napproved_by: Comms\n{services}---\nTexte.\n"


def test_services_and_contacts_are_read_in_order(tmp_path: Path) -> None:
    config = load_config(project(tmp_path, {}))
    assert [s.id for s in config.services] == ["urgences", "labo"]
    assert config.services[0].name("en", "fr") == ("Emergency department", "en")
    assert config.services[1].name("en", "fr") == ("Laboratoire", "fr")  # marked lang="fr"
    assert config.services[1].group("en", "fr") == ("Tests", "en")
    lines = config.contacts("en")
    assert [(c.kind, c.label, c.value, c.href) for c in lines] == [
        ("emergency", "", "15", "tel:15"),
        ("switchboard", "", "+33 2 32 88 89 90", "tel:+33232888990"),
        ("phone", "Maternity", "02 00 00 00 01", "tel:0200000001"),
        ("email", "", "crise@example.org", "mailto:crise@example.org"),
    ]
    assert config.contact_hours("fr") == ("24 h/24", "fr")
    assert tel_number("02 32 88 89 90") == "0232888990"


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ('[services.urgences]\nnom = "Urgences"\n', "unknown key 'nom' in [services.urgences]"),
        ('[services.Urgences]\nname = "U"\n', "service id 'Urgences' must be lower-case"),
        ("[services.urgences]\norder = 1\n", "[services.urgences] has no name"),
        ('[services.urgences]\nname = { en = "ED" }\n', "must have an entry for 'fr'"),
        ('[contacts]\nemergency = "appelez le 15"\n', "[contacts] emergency 'appelez le 15' is not a phone"),
        ('[contacts]\nphones = ["02 00 00 00 01"]\n', 'is not "Label: number"'),
        ('[contacts]\nemail = "crise"\n', "[contacts] email 'crise' is not an e-mail address"),
    ],
)
def test_bad_services_and_contacts_are_config_errors(tmp_path: Path, extra: str, message: str) -> None:
    (tmp_path / "publisher.toml").write_text(extra, encoding="utf-8")
    with pytest.raises(ConfigError) as exc:
        load_config(tmp_path)
    text = "\n".join(str(d) for d in exc.value.diagnostics)
    assert message in text
    assert "publisher.toml:" in text


@pytest.mark.parametrize(
    ("services", "line", "message", "fix"),
    [
        ("services:\n  urgence: degraded\n", 6, "unknown service 'urgence'", "did you mean 'urgences'"),
        ("services:\n  urgences: ouvert\n", 6, "'ouvert' is not a service state", "use one of: operational"),
        (
            "services:\n  urgences: {state: degraded, nota: x}\n",
            6,
            "service 'urgences' takes state and note",
            "note:",
        ),
        (
            "services:\n  urgences: {state: degraded, note: " + "x" * 81 + "}\n",
            6,
            "note of service 'urgences' is 81 characters",
            "a few words",
        ),
        ("services: [urgences]\n", 5, "'services' must be 'id: state' lines", "urgences: degraded"),
    ],
)
def test_a_bad_service_line_names_its_line(
    tmp_path: Path, services: str, line: int, message: str, fix: str
) -> None:
    root = project(tmp_path, {f"{INCIDENT}/20191115T2130.md": update("2019-11-15T21:30", services)})
    diags = load_site(load_config(root)).diagnostics
    found = [d for d in diags if message in d.message]
    assert found, [str(d) for d in diags]
    assert found[0].line == line and fix in found[0].hint
    assert found[0].path.endswith("20191115T2130.md")
    # a typo in the grid never holds back the statement: a warning, the update loads
    assert found[0].severity == "warning"
    assert [u.stem for u in load_site(load_config(root)).site.incidents[0].updates] == ["20191115T2130"]


def test_the_grid_says_since_when_and_a_closed_incident_gives_services_back(tmp_path: Path) -> None:
    root = project(
        tmp_path,
        {
            f"{INCIDENT}/20191115T2130.md": update(
                "2019-11-15T21:30", 'services:\n  urgences: {state: degraded, note: "Attente longue"}\n'
            ),
            # the same state again: "since" stays at 21:30, the note is this update's
            f"{INCIDENT}/20191116T1000.md": update("2019-11-16T10:00", "services:\n  urgences: degraded\n"),
            f"{INCIDENT}/20191116T1200.md": update("2019-11-16T12:00", "services:\n  labo: closed\n"),
            f"{INCIDENT}/20191117T1200.md": update("2019-11-17T12:00", "", status="resolved"),
        },
    )
    config = load_config(root)
    site = load_site(config).site
    assert not load_site(config).errors
    incident = site.incidents[0]
    assert incident.started_at == parse_local("2019-11-15T19:00", config.zone)
    locales = config.dir("locales")

    during = localize_incident(incident.visible(parse_local("2019-11-16T13:00", config.zone)), "fr", locales)
    states = {s.service.id: s for s in grid(config, [during], "fr")}
    assert states["urgences"].state == "degraded"
    assert states["urgences"].since == parse_local("2019-11-15T21:30", config.zone)
    assert states["urgences"].note is None
    assert states["labo"].state == "closed" and states["labo"].incident is during
    assert during.incident.ended_at is None

    after = localize_incident(incident, "fr", locales)
    states = {s.service.id: s for s in grid(config, [after], "fr")}
    resolved_at = parse_local("2019-11-17T12:00", config.zone)
    assert after.incident.ended_at == resolved_at
    assert states["labo"].state == "operational" and states["labo"].since == resolved_at
    hist = {h.service.id: [(c.state, c.changed) for c in h.changes] for h in history(config, after)}
    assert hist == {"urgences": [("degraded", True), ("degraded", False)], "labo": [("closed", True)]}


def test_a_note_and_a_what_to_do_line_fall_back_on_their_own(tmp_path: Path) -> None:
    """An untranslated note is shown in French, marked; it never holds back the update."""
    root = project(
        tmp_path,
        {
            f"{INCIDENT}/20191115T2130.md": update(
                "2019-11-15T21:30", 'services:\n  urgences: {state: degraded, note: "Attente longue"}\n'
            ),
            "locales/en/LC_MESSAGES/incidents/2019-11-15-panne.po": (
                'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
                'msgctxt "what_to_do"\nmsgid "Appelez le [15](tel:15) en cas d’urgence vitale."\n'
                'msgstr "Call [15](tel:15) in a life-threatening emergency."\n'
            ),
        },
    )
    config = load_config(root)
    incident = load_site(config).site.incidents[0]
    en = localize_incident(incident, "en", config.dir("locales"))
    assert [(t.markdown, t.lang) for t in en.what_to_do] == [
        ("Call [15](tel:15) in a life-threatening emergency.", "en")
    ]
    assert 'href="tel:15"' in en.what_to_do[0].html
    note = en.updates[0].note("urgences")
    assert note is not None and (note.markdown, note.lang) == ("Attente longue", "fr")


def test_ended_before_started_is_an_error(tmp_path: Path) -> None:
    root = project(
        tmp_path,
        {
            f"{INCIDENT}/incident.md": (
                '---\ntitle: Panne\nimpact: major\nstarted: "2019-11-15T19:00"\nended: "2019-11-15T18:00"\n---\n'
            )
        },
    )
    diags = load_site(load_config(root)).diagnostics
    assert any(d.message == "ended is before started" and d.line == 5 for d in diags)
