"""A seeded corpus shaped like a hospital's real statements, in the project's own format.

    python -m benchmarks.realistic DIR [--incidents 1000] [--updates 10] [--seed 16]

Each update body is 150–400 words of French: paragraphs, a bullet list, links (tel:,
https:), strong and plain emphasis, sometimes a section heading. Every incident has a
complete English catalog (title and each block), except a share of updates whose
translation has not arrived yet (the English page then shows the French text with a
notice); a few updates carry a ``correction:`` note and a few incidents end with an update
that ``retracts:`` an earlier one. The same seed gives the same bytes, so runs compare.

:func:`documents` yields the same content in a neutral shape (incident, update, French
and English Markdown) for the peers' exports in :mod:`benchmarks.peers`.
"""

from __future__ import annotations

import argparse
import random
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import write_po

from publisher.markup import blocks

# (French, English) sentence pairs; {s} is a service, {n} a number, {d} a day.
SENTENCES = [
    (
        "Le CHU fait face depuis {d} à un incident informatique qui perturbe le service {s}.",
        "Since {d} the hospital has faced an IT incident that disrupts the {s} department.",
    ),
    (
        "Les équipes de la direction des systèmes d’information sont mobilisées jour et nuit.",
        "The IT department's teams are working day and night.",
    ),
    (
        "Les soins sont assurés, mais les délais d’attente peuvent être plus longs qu’à l’habitude.",
        "Care continues, but waiting times may be longer than usual.",
    ),
    (
        "Environ {n} % des applications utilisées par les services de soins sont de nouveau accessibles.",
        "About {n}% of the applications used by the care departments are available again.",
    ),
    (
        "Chaque serveur et chaque poste de travail est vérifié avant d’être reconnecté au réseau.",
        "Every server and workstation is checked before it is reconnected to the network.",
    ),
    (
        "Les prescriptions et les comptes rendus sont traités sur papier dans certains services.",
        "Prescriptions and reports are handled on paper in some departments.",
    ),
    (
        "Les patients hospitalisés n’ont aucune démarche à faire"
        " : les équipes continuent de les prendre en charge.",
        "Inpatients have nothing to do: the teams continue to look after them.",
    ),
    (
        "Des experts de l’Agence nationale de la sécurité des"
        " systèmes d’information sont présents sur place.",
        "Experts from the national cybersecurity agency are on site.",
    ),
    (
        "Nous remercions les patients pour leur patience et les professionnels pour leur engagement.",
        "We thank patients for their patience and staff for their commitment.",
    ),
    (
        "La remise en service se fait progressivement, en commençant"
        " par les logiciels indispensables aux soins.",
        "Systems are being restored step by step, starting with the software that care depends on.",
    ),
    (
        "Les résultats d’analyses du laboratoire sont transmis par téléphone aux médecins.",
        "Laboratory results are phoned through to the doctors.",
    ),
    (
        "Aucune donnée de santé n’a, à ce stade, été publiée ; une plainte a été déposée.",
        "No health data has been published so far; a complaint has been filed.",
    ),
    (
        "Le service {s} accueille de nouveau les patients aux horaires habituels depuis le {d}.",
        "The {s} department has been seeing patients at the usual times again since {d}.",
    ),
    (
        "Les rendez-vous du {d} sont maintenus, sauf si le service vous a contacté pour les reporter.",
        "Appointments on {d} go ahead unless the department has contacted you to move them.",
    ),
    (
        "La messagerie du personnel fonctionne à nouveau, ce"
        " qui facilite les échanges avec les médecins de ville.",
        "Staff email works again, which makes it easier to work with family doctors.",
    ),
    (
        "Un numéro dédié répond aux questions des patients de 8 h à 20 h, du lundi au samedi.",
        "A dedicated number answers patients' questions from 8 am to 8 pm, Monday to Saturday.",
    ),
    (
        "Les examens d’imagerie non urgents du service {s} sont reprogrammés dans les {n} prochains jours.",
        "Non-urgent imaging in the {s} department is being rescheduled within the next {n} days.",
    ),
    (
        "Nous ferons un nouveau point dès que la situation aura évolué.",
        "We will post a new update as soon as the situation changes.",
    ),
]

ITEMS = [
    (
        "En cas d’urgence vitale, appelez le [15](tel:15).",
        "In a life-threatening emergency, call [15](tel:15).",
    ),
    (
        "Pour toute question, le standard reste joignable au [02 32 88 89 90](tel:+33232888990).",
        "For any question, the switchboard is on [02 32 88 89 90](tel:+33232888990).",
    ),
    (
        "**Consultations programmées** : présentez-vous à l’heure prévue avec votre carte Vitale.",
        "**Scheduled appointments**: come at the planned time with your health card.",
    ),
    (
        "**Admissions** : prévoyez un délai supplémentaire et apportez vos *ordonnances récentes*.",
        "**Admissions**: allow extra time and bring your *recent prescriptions*.",
    ),
    (
        "Si votre état ne relève pas d’une urgence, consultez de préférence votre médecin traitant.",
        "If it is not an emergency, please see your family doctor.",
    ),
    (
        "Les informations pratiques sont sur [chu.example](https://www.chu.example/infos/{n}).",
        "Practical information is on [chu.example](https://www.chu.example/infos/{n}).",
    ),
    (
        "Le service {s} reste *fermé* jusqu’à nouvel ordre ; les patients sont orientés vers le site voisin.",
        "The {s} department stays *closed* until further notice; patients are sent to the nearby site.",
    ),
    (
        "Les visites sont autorisées de 13 h à 19 h, une personne à la fois.",
        "Visits are allowed from 1 pm to 7 pm, one person at a time.",
    ),
]

HEADINGS = [
    ("Pour les patients", "For patients"),
    ("Pour les professionnels de santé", "For health professionals"),
    ("Ce qui change demain", "What changes tomorrow"),
]

SERVICES = [
    ("urgences", "emergency"),
    ("radiologie", "radiology"),
    ("laboratoire", "laboratory"),
    ("consultations", "outpatient"),
    ("maternité", "maternity"),
    ("pharmacie", "pharmacy"),
    ("cardiologie", "cardiology"),
]

STATUSES = ["investigating", "identified", "monitoring", "monitoring", "resolved"]
IMPACTS = ["minor", "major", "major", "critical"]
UNTRANSLATED_SHARE = 0.08  # updates whose English has not arrived yet
CORRECTED_SHARE = 0.02  # updates carrying a visible correction note
RETRACTED_SHARE = 0.01  # incidents whose last update withdraws an earlier one

MONTHS = ["janvier", "février", "mars", "avril", "mai", "juin"]
MONTHS_EN = ["January", "February", "March", "April", "May", "June"]


@dataclass(frozen=True)
class Doc:
    """One update in both languages (en is None when its translation has not arrived)."""

    incident_id: str
    title: tuple[str, str]
    stem: str
    publish_at: datetime
    status: str
    fr: str
    en: str | None
    correction: str | None = None
    retracts: str | None = None


def _fill(pair: tuple[str, str], rng: random.Random) -> tuple[str, str]:
    s = rng.choice(SERVICES)
    n = rng.randint(2, 95)
    day = rng.randint(1, 28)
    m = rng.randrange(len(MONTHS))
    fr = pair[0].format(s=s[0], n=n, d=f"{day} {MONTHS[m]}")
    en = pair[1].format(s=s[1], n=n, d=f"{day} {MONTHS_EN[m]}")
    return fr, en


def body(rng: random.Random) -> tuple[str, str]:
    """A French body of 150–400 words and its English twin, block for block."""
    target = rng.randint(150, 400)
    fr: list[str] = []
    en: list[str] = []
    words = 0
    listed = False
    while words < target:
        if not listed and fr and rng.random() < 0.5:
            if rng.random() < 0.3:
                h = rng.choice(HEADINGS)
                fr.append(f"## {h[0]}")
                en.append(f"## {h[1]}")
            items = [_fill(p, rng) for p in rng.sample(ITEMS, rng.randint(3, 5))]
            fr.append("\n".join(f"- {a}" for a, _ in items))
            en.append("\n".join(f"- {b}" for _, b in items))
            words += sum(len(a.split()) for a, _ in items)
            listed = True
            continue
        sentences = [_fill(p, rng) for p in rng.sample(SENTENCES, rng.randint(2, 4))]
        if rng.random() < 0.4:  # emphasis on the sentence that matters most
            a, b = sentences[0]
            sentences[0] = (f"**{a}**", f"**{b}**")
        # Soft line breaks inside a paragraph, as authors type them.
        fr.append("\n".join(a for a, _ in sentences))
        en.append("\n".join(b for _, b in sentences))
        words += sum(len(a.split()) for a, _ in sentences)
    return "\n\n".join(fr) + "\n", "\n\n".join(en) + "\n"


def documents(incidents: int, updates: int, seed: int = 16) -> Iterator[Doc]:
    rng = random.Random(seed)
    start = datetime(2019, 1, 1, 8, 0)
    for i in range(incidents):
        day = start + timedelta(days=i // 3, hours=(i % 3) * 3)
        iid = f"{day:%Y-%m-%d}-incident-{i}"
        svc = SERVICES[i % len(SERVICES)]
        title = (f"Perturbation du service {svc[0]} n°{i}", f"Disruption of the {svc[1]} department no. {i}")
        stems: list[str] = []
        retract = rng.random() < RETRACTED_SHARE and updates >= 3
        for n in range(updates):
            t = day + timedelta(minutes=37 * n)
            stem = f"{t:%Y%m%dT%H%M}"
            fr, en = body(rng)
            last = n == updates - 1
            yield Doc(
                iid,
                title,
                stem,
                t,
                STATUSES[min(n * len(STATUSES) // updates, 4)],
                fr,
                None if rng.random() < UNTRANSLATED_SHARE else en,
                "Horaires du standard corrigés." if rng.random() < CORRECTED_SHARE else None,
                stems[-1] if retract and last else None,
            )
            stems.append(stem)


def generate(root: Path, incidents: int = 1000, updates: int = 10, seed: int = 16) -> Path:
    """Write the project (publisher.toml, content/, locales/) under `root` (replaced)."""
    if root.exists():
        shutil.rmtree(root)
    (root / "content/incidents").mkdir(parents=True)
    (root / "publisher.toml").write_text(
        "[site]\n"
        'title = { fr = "CHU — Information des patients", '
        'en = "University Hospital — Patient information" }\n'
        'organisation = "CHU"\n'
        'base_url = "https://status.chu.example/"\n'
        'phone = "+33 2 32 88 89 90"\n'
        '[languages]\nsource = "fr"\ntargets = ["en"]\n'
        '[time]\nzone = "Europe/Paris"\n'
        '[paths]\noutput = "public"\n'
        "[publish]\nrequire_approval = false\n"
    )
    catalogs: dict[str, Catalog] = {}
    for doc in documents(incidents, updates, seed):
        d = root / "content/incidents" / doc.incident_id
        if doc.incident_id not in catalogs:
            d.mkdir()
            impact = IMPACTS[len(catalogs) % len(IMPACTS)]
            (d / "incident.md").write_text(f'---\ntitle: "{doc.title[0]}"\nimpact: {impact}\n---\n')
            cat = catalogs[doc.incident_id] = Catalog(locale="en")
            cat.add(doc.title[0], doc.title[1], context="title")
        head = [f"status: {doc.status}", f'publish_at: "{doc.publish_at:%Y-%m-%dT%H:%M}"']
        head.append("approved_by: Direction de la communication")
        if doc.correction:
            head.append(f"correction: {doc.correction}")
        if doc.retracts:
            head.append(f'retracts: "{doc.retracts}"')
        (d / f"{doc.stem}.md").write_text("---\n" + "\n".join(head) + "\n---\n" + doc.fr)
        if doc.en is not None:
            for src, dst in zip(blocks(doc.fr), blocks(doc.en), strict=True):
                catalogs[doc.incident_id].add(src.text, dst.text)
    for iid, cat in catalogs.items():
        po = root / "locales/en/LC_MESSAGES/incidents" / f"{iid}.po"
        po.parent.mkdir(parents=True, exist_ok=True)
        with open(po, "wb") as f:
            write_po(f, cat, width=None)
    return root


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("directory", type=Path)
    ap.add_argument("--incidents", type=int, default=1000)
    ap.add_argument("--updates", type=int, default=10)
    ap.add_argument("--seed", type=int, default=16)
    args = ap.parse_args()
    generate(args.directory, args.incidents, args.updates, args.seed)


if __name__ == "__main__":
    main()
