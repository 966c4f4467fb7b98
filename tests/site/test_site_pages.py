"""Structure of every generated page: landmarks, headings, languages, links, weight.

These are the checks a parser can make without a browser (the browser and axe-core tests
are in test_site_browser.py), run on every HTML page of both built states.
"""

from __future__ import annotations

import posixpath
import re
from pathlib import Path

import pytest
from htmlscan import Node, parse
from sitetools import INCIDENT, SECOND, html_pages

LANGS = ("fr", "en")
BASE_URL = "https://status.chu-rouen.example/"
BUDGET = 30 * 1024


# The pages of the status site itself (other HTML, such as printable notices, has its own
# layout and is covered by the validator and weight tests only).
SITE_PAGE = re.compile(
    r"^(index\.html|(fr|en)/(index|accessibility)\.html"
    r"|(fr|en)/incidents/[^/]+/(index|\d{8}T\d{4})\.html)$"
)


def every_page(sites: dict[str, Path]) -> list[tuple[str, Path, Path]]:
    return [
        (name, site, page)
        for name, site in sites.items()
        for page in html_pages(site)
        if SITE_PAGE.match(page.relative_to(site).as_posix())
    ]


def page_lang(site: Path, page: Path) -> str:
    rel = page.relative_to(site).as_posix()
    return rel.split("/", 1)[0] if "/" in rel else "fr"


def resolve(site: Path, page: Path, href: str) -> Path:
    return Path(posixpath.normpath(str(page.parent / href.split("#")[0])))


def test_every_page_has_the_landmarks_one_h1_and_a_skip_link(sites: dict[str, Path]) -> None:
    checked = 0
    for _name, site, page in every_page(sites):
        doc = parse(page)
        where = page.relative_to(site)
        html = doc.find("html")
        assert html is not None and html.attrs.get("lang") == page_lang(site, page), where
        assert len(doc.find_all("h1")) == 1, f"{where}: exactly one h1"
        body = doc.find("body")
        assert body is not None
        landmarks = [c.tag for c in body.children if c.tag in ("header", "main", "footer")]
        assert landmarks == ["header", "main", "footer"], where
        main = doc.find("main")
        assert main is not None and main.attrs.get("id") == "main", where
        # The skip link is the first thing a keyboard reaches, and it leads to <main>.
        first_link = next(n for n in body.iter() if n.tag == "a")
        assert first_link.attrs == {"class": "skip", "href": "#main"}, where
        navs = doc.find_all("nav")
        assert navs and all(n.attrs.get("aria-label") for n in navs), where
        # No JavaScript anywhere: no script element, no inline event handler.
        assert not doc.find_all("script"), where
        assert not [n for n in doc.iter() if any(a.startswith("on") for a in n.attrs)], where
        checked += 1
    # final: root + 2 homes + 2 incidents + 12 updates + 2 statements; crisis: root + 2 homes
    # + 4 incidents + 8 updates + 2 statements.
    assert checked == 19 + 17


def test_headings_never_skip_a_level(sites: dict[str, Path]) -> None:
    for _name, site, page in every_page(sites):
        levels = [int(n.tag[1]) for n in parse(page).iter() if re.fullmatch(r"h[1-6]", n.tag)]
        assert levels[0] == 1, page
        for before, after in zip(levels, levels[1:], strict=False):
            assert after <= before + 1, f"{page.relative_to(site)}: h{before} then h{after}"


def test_markdown_headings_are_demoted_below_the_update_heading(sites: dict[str, Path]) -> None:
    site = sites["crisis"]
    update = parse(site / "fr" / "incidents" / INCIDENT / "20191116T1145.html")
    assert [h.content() for h in update.find_all("h3")] == ["Pour les patients attendus lundi"]
    incident = parse(site / "fr" / "incidents" / INCIDENT / "index.html")
    assert "Pour les patients attendus lundi" in [h.content() for h in incident.find_all("h4")]


def test_language_switcher_links_carry_hreflang_and_lang(sites: dict[str, Path]) -> None:
    for _name, site, page in every_page(sites):
        lang = page_lang(site, page)
        nav = next(
            n
            for n in parse(page).find_all("nav")
            if n.find("ul") is not None and "languages" in n.find("ul").attrs.get("class", "")
        )  # type: ignore[union-attr]
        links = nav.find_all("a")
        assert [a.attrs["hreflang"] for a in links] == [c for c in LANGS if c != lang]
        for a in links:
            assert a.attrs["lang"] == a.attrs["hreflang"]
            target = resolve(site, page, a.attrs["href"])
            assert target.exists(), f"{page}: switcher points to missing {target}"
            html = parse(target).find("html")
            assert html is not None and html.attrs["lang"] == a.attrs["hreflang"]
        current = nav.find("span")
        assert current is not None and current.attrs == {"aria-current": "true", "lang": lang}


def test_every_footer_links_the_accessibility_statement(sites: dict[str, Path]) -> None:
    expected = {"fr": "Accessibilité : non conforme", "en": "Accessibility: not compliant"}
    for _name, site, page in every_page(sites):
        lang = page_lang(site, page)
        footer = parse(page).find("footer")
        assert footer is not None
        links = {a.content(): a.attrs["href"] for a in footer.find_all("a")}
        assert expected[lang] in links, page
        assert resolve(site, page, links[expected[lang]]) == site / lang / "accessibility.html"


def test_head_links_feeds_canonical_and_alternates(sites: dict[str, Path]) -> None:
    for _name, site, page in every_page(sites):
        lang = page_lang(site, page)
        rel = page.relative_to(site).as_posix()
        links = parse(page).find("head").find_all("link")  # type: ignore[union-attr]
        feeds = [
            resolve(site, page, n.attrs["href"])
            for n in links
            if n.attrs.get("type") == "application/atom+xml"
        ]
        assert site / lang / "feed.xml" in feeds, rel
        if "/incidents/" in rel:
            iid = rel.split("/")[2]
            assert site / lang / "incidents" / iid / "feed.xml" in feeds, rel
        assert all(f.exists() for f in feeds), rel
        canonical = [n.attrs["href"] for n in links if n.attrs.get("rel") == "canonical"]
        own = rel if rel != "index.html" else "fr/index.html"
        assert canonical == [BASE_URL + own.removesuffix("index.html")], rel
        alternates = {
            n.attrs["hreflang"]: n.attrs["href"]
            for n in links
            if n.attrs.get("rel") == "alternate" and "hreflang" in n.attrs and "type" not in n.attrs
        }
        assert sorted(alternates) == sorted(LANGS), rel
        assert alternates[lang] == canonical[0], rel


def test_status_is_conveyed_by_text(sites: dict[str, Path]) -> None:
    badges = 0
    for _name, _site, page in every_page(sites):
        for node in parse(page).iter():
            if "status" in node.attrs.get("class", "").split():
                assert node.content().strip(), f"{page}: an empty status badge"
                badges += 1
    assert badges > 20


def lang_of_text(doc: Node, text: str) -> str | None:
    """The language in force where `text` first appears in the page's body."""
    body = doc.find("body") or doc
    node = next(n for n in body.iter() if n.tag == "#text" and text in n.content())
    return node.lang()


def test_fragments_in_the_other_language_are_marked(sites: dict[str, Path]) -> None:
    site = sites["crisis"]
    # The untranslated French update on the English pages: its text is marked French, the
    # notice and the page's own words around it stay English.
    for page in (
        site / "en" / "incidents" / INCIDENT / "20191116T1145.html",
        site / "en" / "incidents" / INCIDENT / "index.html",
        site / "en" / "index.html",
    ):
        doc = parse(page)
        assert lang_of_text(doc, "Les consultations de lundi 18 novembre") == "fr", page
        assert lang_of_text(doc, "Translation in progress") == "en", page
    # The incident written in English, on the French pages: its title and text are English.
    home = parse(site / "fr" / "index.html")
    assert lang_of_text(home, "Switchboard overloaded") == "en"
    incident = parse(site / "fr" / "incidents" / SECOND / "index.html")
    assert lang_of_text(incident, "Switchboard overloaded") == "en"
    assert lang_of_text(incident, "The switchboard is overloaded") == "en"
    assert lang_of_text(incident, "Traduction en cours") == "fr"
    # The accessibility statement's French postal address on the English page.
    statement = parse(site / "en" / "accessibility.html")
    assert lang_of_text(statement, "Libre réponse 71120") == "fr"
    # The site title is translated in the example: no lang needed, and none is set.
    header = parse(site / "en" / "index.html").find("header")
    assert header is not None and lang_of_text(header, "Rouen University Hospital") == "en"


EXTERNAL = re.compile(r"^(https?:)?//", re.I)
# Elements whose src/href the browser fetches by itself when the page loads.
FETCHED = {
    "script": "src",
    "img": "src",
    "iframe": "src",
    "source": "src",
    "video": "src",
    "audio": "src",
    "embed": "src",
    "track": "src",
    "input": "src",
    "object": "data",
}


@pytest.mark.parametrize("name", ["final", "crisis"])
def test_page_weight_budget_and_no_external_requests(sites: dict[str, Path], name: str) -> None:
    site = sites[name]
    sizes = {}
    for page in html_pages(site):
        doc = parse(page)
        css = 0
        for node in doc.iter():
            attr = FETCHED.get(node.tag)
            if attr and attr in node.attrs:
                assert not EXTERNAL.match(node.attrs[attr]), f"{page}: {node.tag} {attr}"
            if node.tag == "link" and set(node.attrs.get("rel", "").split()) & {
                "stylesheet",
                "icon",
                "preload",
                "prefetch",
                "modulepreload",
                "manifest",
            }:
                href = node.attrs["href"]
                assert not EXTERNAL.match(href), f"{page}: loads {href}"
                if "stylesheet" in node.attrs["rel"]:
                    sheet = resolve(site, page, href)
                    text = sheet.read_text(encoding="utf-8")
                    assert not re.search(r"@import|url\(\s*['\"]?(https?:)?//", text), sheet
                    css += sheet.stat().st_size
        for node in doc.iter():
            assert "style" not in node.attrs or "url(" not in node.attrs["style"], page
        sizes[page.relative_to(site).as_posix()] = page.stat().st_size + css
    heaviest = max(sizes, key=lambda k: sizes[k])
    print(f"{name}: heaviest page {heaviest} = {sizes[heaviest]} bytes of HTML+CSS")
    assert sizes[heaviest] < BUDGET, f"{heaviest} weighs {sizes[heaviest]} bytes"


def test_accessibility_statement_content(sites: dict[str, Path]) -> None:
    site = sites["final"]
    fr = parse(site / "fr" / "accessibility.html")
    text = " ".join(fr.find("main").content().split())  # type: ignore[union-attr]
    assert "Ce site est non conforme au référentiel RGAA 4.1." in text
    assert "Aucun audit d’accessibilité n’a encore été réalisé" in text
    assert "accessibilite@chu-rouen.example" in text
    assert "Défenseur des droits" in text and "Libre réponse 71120" in text
    hrefs = [a.attrs["href"] for a in fr.find_all("a")]
    assert "https://formulaire.defenseurdesdroits.fr/" in hrefs
    assert "mailto:accessibilite@chu-rouen.example" in hrefs
    en = parse(site / "en" / "accessibility.html")
    assert en.find("h1").content() == "Accessibility statement"  # type: ignore[union-attr]


def test_a_crisis_of_forty_updates_stays_within_budget(tmp_path: Path) -> None:
    """A long crisis (CHU Rouen lasted a week; others months): the incident page shows the
    latest ten updates in full and links the older ones, so no page outgrows the budget."""
    from datetime import datetime, timedelta

    from sitetools import build, copy_example

    project = copy_example(tmp_path / "long")
    folder = project / "content" / "incidents" / "2019-12-01-panne"
    folder.mkdir()
    (folder / "incident.md").write_text(
        "---\ntitle: Panne prolongée du système informatique\nimpact: major\n---\n"
        "Le système informatique est indisponible.\n",
        encoding="utf-8",
    )
    start = datetime(2019, 12, 1, 8, 0)
    paragraph = (
        "Les équipes poursuivent la remise en service des applications par ordre de "
        "priorité. Les consultations sont maintenues ; merci de vous présenter avec vos "
        "ordonnances et vos derniers résultats d’examens. "
    ) * 3
    for i in range(40):
        when = start + timedelta(hours=6 * i)
        (folder / f"{when:%Y%m%dT%H%M}.md").write_text(
            f'---\nstatus: identified\npublish_at: "{when:%Y-%m-%dT%H:%M}"\n'
            f'approved_by: Direction\nnext_update: "{when + timedelta(hours=6):%Y-%m-%dT%H:%M}"\n'
            f"---\n## Point n° {i + 1}\n\n{paragraph}\n\n- Urgences : ouvertes.\n"
            "- Standard : 02 32 88 89 90.\n",
            encoding="utf-8",
        )
    from tests.approvals import approve_all

    approve_all(project)
    site = build(project, "2019-12-12T00:00")
    css = (site / "style.css").stat().st_size
    for lang in LANGS:
        page = site / lang / "incidents" / "2019-12-01-panne" / "index.html"
        size = page.stat().st_size + css
        assert size < BUDGET, f"{page.relative_to(site)}: {size} bytes"
        doc = parse(page)
        assert len(doc.find_all("article")) == 10
        linked = {
            a.attrs["href"] for a in doc.find_all("a") if re.fullmatch(r"\d{8}T\d{4}\.html", a.attrs["href"])
        }
        assert len(linked) == 40  # ten permalinks, and every older update one link away
        assert all((page.parent / href).exists() for href in linked)
