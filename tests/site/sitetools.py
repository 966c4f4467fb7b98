"""Helpers shared by the public-site tests (imported by name: tests/ has no package)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import NoReturn

from publisher.cli import main
from tests.approvals import approve_all
from tests.needs import unavailable
from tests.publishing import copy_example_config

REPO = Path(__file__).resolve().parents[2]
AXE = REPO / ".cache" / "node" / "node_modules" / "axe-core" / "axe.min.js"
INCIDENT = "2019-11-15-cyberattaque"
SECOND = "2019-11-16-standard"

UNTRANSLATED = """---
status: identified
publish_at: "2019-11-16T11:45"
approved_by: Direction de la communication
---
## Pour les patients attendus lundi

Les consultations de lundi 18 novembre sont maintenues. Munissez-vous de vos ordonnances.
"""

# A correction made at 12:30 to the update of 11:30: its text changes (and the English
# catalog follows), so the site shows "Corrected on", keeps the previous text readable and
# the feeds give the entry a new <updated>.
CORRECTED_STEM = "20191116T1130"
CORRECTED_FROM = "Merci à tous pour votre patience et votre compréhension."
CORRECTED_TO = "Merci à tous pour votre patience et votre compréhension. Nous vous tiendrons informés ici."
CORRECTED_TO_EN = "Thank you all for your patience and understanding. We will keep you informed here."
CORRECTION_NOTE = "Ajout de l’adresse où suivre les informations."


def correct(project: Path) -> None:
    update = project / "content" / "incidents" / INCIDENT / f"{CORRECTED_STEM}.md"
    text = update.read_text(encoding="utf-8")
    assert CORRECTED_FROM in text
    text = text.replace(CORRECTED_FROM, CORRECTED_TO)
    text = text.replace("---\n", f"---\ncorrection: {CORRECTION_NOTE}\n", 1)
    update.write_text(text, encoding="utf-8")
    po = project / "locales" / "en" / "LC_MESSAGES" / "incidents" / f"{INCIDENT}.po"
    with po.open("a", encoding="utf-8") as f:
        f.write(f'\nmsgid "{CORRECTED_TO}"\nmsgstr "{CORRECTED_TO_EN}"\n')
    approve_all(project)  # the correction is approved again before it goes out


SECOND_INCIDENT = """---
title: Switchboard overloaded
impact: minor
lang: en
---
Calls to the switchboard take longer than usual to be answered.
"""

SECOND_UPDATE = """---
status: monitoring
publish_at: "2019-11-16T10:00"
approved_by: Communications office
---
The switchboard is overloaded. For emergencies, call **15**.
"""


def missing(what: str, how: str) -> NoReturn:
    """Skip locally, fail under CI: CI must never go green by skipping."""
    unavailable(f"{what} is not available ({how}; bash scripts/test installs it)")


def copy_example(dest: Path) -> Path:
    dest.mkdir(parents=True)
    copy_example_config(REPO / "publisher.toml", dest / "publisher.toml")
    for name in ("content", "locales", "templates"):
        if (REPO / name).exists():
            shutil.copytree(REPO / name, dest / name)
    return dest


def build(project: Path, now: str) -> Path:
    code = main(["-C", str(project), "build", "--now", now])
    assert code == 0, f"publisher build exited {code}"
    return project / "public"


def html_pages(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))
