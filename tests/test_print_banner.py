"""The A4 notice for the door and the banner for the main site, as the build writes them."""

from __future__ import annotations

import json
import os
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from publisher.printing import pdf_available
from tests.needs import unavailable

INCIDENT = "2019-11-15-cyberattaque"
URL = "https://status.chu-rouen.example/"


def need(module: str) -> None:
    """Skip locally when a test tool is missing; in CI a skip would hide a gap, so fail."""
    try:
        __import__(module)
    except ImportError:
        unavailable(f"{module} is not installed", "scripts/test installs it")


class Text(HTMLParser):
    """Visible text per `lang` section, to check each language reads on its own."""

    def __init__(self) -> None:
        super().__init__()
        self.sections: list[tuple[str, list[str]]] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "section" and "sheet" in (a.get("class") or ""):
            self.sections.append((a.get("lang") or "", []))
        if tag in ("style", "svg"):
            self.skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "svg"):
            self.skip -= 1

    def handle_data(self, data: str) -> None:
        if self.sections and not self.skip and data.strip():
            self.sections[-1][1].append(" ".join(data.split()))


def qr_modules(svg: str) -> list[list[bool]]:
    """The module grid drawn by the notice's SVG path (runs of 'M x,y h w v1 h-w z')."""
    size = int(re.search(r'viewBox="0 0 (\d+) \d+"', svg).group(1))  # type: ignore[union-attr]
    grid = [[False] * size for _ in range(size)]
    for x, y, w in re.findall(r"M(\d+),(\d+)h(\d+)v1h-\d+z", svg):
        for dx in range(int(w)):
            grid[int(y)][int(x) + dx] = True
    return grid


def decode(grid: list[list[bool]]) -> list[str]:
    import numpy as np
    import zxingcpp

    scale = 8
    image = np.array(
        [[0 if dark else 255 for dark in row for _ in range(scale)] for row in grid for _ in range(scale)],
        dtype=np.uint8,
    )
    return [r.text for r in zxingcpp.read_barcodes(image)]


def test_print_notice_is_bilingual_and_its_qr_code_decodes_to_the_site(example: Path, cli) -> None:
    need("zxingcpp")
    need("numpy")
    toml = example / "publisher.toml"
    toml.write_text(toml.read_text() + '\n[print]\nphones = ["Urgences / A&E : 02 32 88 00 00"]\n')
    r = cli("-C", example, "build", "--now", "2019-11-16T12:00")
    assert r.code == 0, r.err
    html = (example / f"public/print/{INCIDENT}.html").read_text()
    assert "@page { size: A4;" in html
    parser = Text()
    parser.feed(html)
    (fr_lang, fr), (en_lang, en) = parser.sections
    assert (fr_lang, en_lang) == ("fr", "en")  # French then English
    fr_text, en_text = " ".join(fr), " ".join(en)
    for expected in (
        "CHU de Rouen",
        "Information des patients et du public",
        "Cyberattaque contre le système informatique du CHU de Rouen",
        "État : Cause identifiée",
        "samedi 16 novembre 2019 à 11:30",
        "Les urgences restent ouvertes.",
        "Prochain point : dimanche 17 novembre 2019",
        "Besoin d’aide ? Appelez le :",
        "Urgence vitale : 15",  # [contacts], then the [print] extra numbers
        "Standard : 02 32 88 89 90",
        "Courriel (adresse temporaire) : crise.chu-rouen@example.org",
        "Lignes joignables : 24 h/24, 7 j/7",
        "Urgences / A&E : 02 32 88 00 00",
        "Services Urgences : ◐ Mode dégradé — Ouvertes ; attente plus longue",
        "Que faire : Urgences ouvertes",
        URL,
    ):
        assert expected in fr_text, expected
    for expected in (
        "Information for patients and visitors",
        "Cyber attack on Rouen University Hospital’s IT systems",
        "Status: Identified",
        "Saturday, 16 November 2019 at 11:30 (Paris time)",
        "A&E remains open.",
        "Next update: Sunday, 17 November 2019",
        "If you need help, call:",
        "Switchboard: 02 32 88 89 90",
        "Emergency department",
        "◐ Degraded mode — Open; longer waits",
        URL,
    ):
        assert expected in en_text, expected
    # black and white: the notice's own stylesheet uses no colour but black and white
    style = html[html.index("<style>") : html.index("</style>")]
    assert set(re.findall(r"#[0-9a-fA-F]{3,6}\b", style)) <= {"#000", "#fff"}
    svgs = re.findall(r"<svg class=\"qr\".*?</svg>", html)
    assert len(svgs) == 2  # each page stands alone
    assert decode(qr_modules(svgs[0])) == [URL]
    # the incident page links to the notice
    page = (example / f"public/fr/incidents/{INCIDENT}/index.html").read_text()
    assert f'href="../../../print/{INCIDENT}.html"' in page


def test_pdf_notice_when_the_pdf_extra_is_installed(example: Path, cli) -> None:
    if not pdf_available():
        if os.environ.get("CI") == "true":
            pytest.fail("WeasyPrint is not usable: scripts/test installs the pdf extra")
        pytest.skip("pdf extra (WeasyPrint) not installed")
    r = cli("-C", example, "build", "--now", "2019-11-16T12:00")
    assert r.code == 0, r.err
    need("pypdf")
    import pypdf

    reader = pypdf.PdfReader(example / f"public/print/{INCIDENT}.pdf")
    assert len(reader.pages) == 2  # one A4 page per language
    for page in reader.pages:
        assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (595, 842)
    fr, en = (" ".join(p.extract_text().split()) for p in reader.pages)
    assert "État : Cause identifiée" in fr and "Status: Identified" in en
    assert "https://status.chu-rouen.example/" in en
    html = (example / f"public/print/{INCIDENT}.html").read_text()
    assert f'href="{INCIDENT}.pdf"' in html
    # a resolved incident is no longer worth a PDF on every build
    r = cli("-C", example, "build", "--now", "2019-11-23T12:00")
    assert not (example / f"public/print/{INCIDENT}.pdf").exists()


def test_banner_points_to_the_incident_in_progress(example: Path, cli) -> None:
    cli("-C", example, "build", "--now", "2019-11-16T12:00")
    data = json.loads((example / "public/banner/banner.json").read_text())
    assert data["active"] is True
    (incident,) = data["incidents"]
    assert incident["id"] == INCIDENT and incident["status"] == "identified"
    assert incident["url"]["en"] == f"{URL}en/incidents/{INCIDENT}/"
    assert incident["title"]["en"] == "Cyber attack on Rouen University Hospital’s IT systems"
    assert incident["status_label"] == {"fr": "Cause identifiée", "en": "Identified"}
    assert incident["next_update"] == "2019-11-17T17:00:00Z"
    snippet = (example / "public/banner/fr.html").read_text()
    assert 'role="region" aria-labelledby="publisher-banner-title" lang="fr"' in snippet
    assert f'href="{URL}fr/incidents/{INCIDENT}/"' in snippet
    assert "1 incident en cours" in snippet and "<script" not in snippet
    cli("-C", example, "build", "--now", "2019-11-23T12:00")
    assert json.loads((example / "public/banner/banner.json").read_text())["active"] is False
    assert (
        example / "public/banner/en.html"
    ).read_text().strip() == "<!-- publisher banner: No incident in progress. -->"


def test_notices_are_rendered_again_only_when_their_incident_changes(example: Path, cli, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from publisher import printing

    assert cli("-C", example, "build", "--now", "2019-11-23T12:00").code == 0
    rendered: list[str] = []
    original = printing.render_notice

    def counting(config, views, index, renderer, pdf=None):  # type: ignore[no-untyped-def]
        rendered.append(views[config.source_lang][index].incident.id)
        return original(config, views, index, renderer, pdf)

    monkeypatch.setattr(printing, "render_notice", counting)
    assert cli("-C", example, "build", "--now", "2019-11-23T12:00").code == 0
    assert rendered == []  # nothing changed: every notice comes from the cache
    update = example / f"content/incidents/{INCIDENT}/20191122T1700.md"
    edited = update.read_text().replace("Une semaine", "Sept jours")
    update.write_text(edited.replace("\n---\n", "\ncorrection: Durée précisée\n---\n", 1))
    assert cli("-C", example, "approve", f"{INCIDENT}/20191122T1700", "--as", "jpetit", "--yes").code == 0
    assert cli("-C", example, "build", "--now", "2019-11-23T12:00").code == 0
    assert rendered == [INCIDENT]
    assert "Sept jours" in (example / f"public/print/{INCIDENT}.html").read_text()
