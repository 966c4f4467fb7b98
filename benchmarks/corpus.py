"""Generate a synthetic bilingual corpus shaped like DESIGN.md's peer comparison.

N incidents x M updates, French source with a complete English catalog per incident, so a
build exercises parsing, translation lookup, rendering and writing in both languages.
"""

from __future__ import annotations

import shutil
from datetime import datetime, timedelta
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import write_po

from publisher.markup import blocks

STATUSES = ["investigating", "identified", "monitoring", "monitoring", "resolved"]

BODY = (
    "Point n°{n} sur l’incident {i} : le service **{svc}** est perturbé depuis {h} h. "
    "Nos équipes travaillent au rétablissement.\n\n"
    "- Les urgences restent ouvertes ({i}.{n}).\n"
    "- Pour toute question, appelez le [standard](tel:+33232888990).\n\n"
    "Prochain point dès que possible ; voir [la page](https://status.example.org/{i}/{n}).\n"
)


def generate(root: Path, incidents: int = 1000, updates: int = 10) -> Path:
    if root.exists():
        shutil.rmtree(root)
    (root / "content/incidents").mkdir(parents=True)
    (root / "publisher.toml").write_text(
        '[site]\ntitle = "Bench"\nbase_url = "https://status.example.org/"\n'
        "[publish]\nrequire_approval = false\n"
    )
    start = datetime(2019, 1, 1, 8, 0)
    for i in range(incidents):
        day = start + timedelta(days=i // 3, hours=(i % 3) * 3)
        iid = f"{day:%Y-%m-%d}-incident-{i}"
        d = root / "content/incidents" / iid
        d.mkdir()
        title = f"Incident {i} : perturbation du service {i % 17}"
        (d / "incident.md").write_text(f'---\ntitle: "{title}"\nimpact: major\n---\n')
        cat = Catalog(locale="en")
        cat.add(title, f"Incident {i}: disruption of service {i % 17}", context="title")
        for n in range(updates):
            t = day + timedelta(minutes=17 * n)
            body = BODY.format(n=n, i=i, svc=f"svc{i % 7}", h=t.hour)
            (d / f"{t:%Y%m%dT%H%M}.md").write_text(
                f"---\nstatus: {STATUSES[min(n * len(STATUSES) // updates, 4)]}\n"
                f'publish_at: "{t:%Y-%m-%dT%H:%M}"\n---\n{body}'
            )
            for b in blocks(body):
                cat.add(b.text, "EN " + b.text)
        po = root / "locales/en/LC_MESSAGES/incidents" / f"{iid}.po"
        po.parent.mkdir(parents=True, exist_ok=True)
        with open(po, "wb") as f:
            write_po(f, cat, width=None)
    return root
