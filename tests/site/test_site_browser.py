"""The built site in a real headless Chromium: axe-core, keyboard focus, reflow, print.

axe-core is injected into each page served from http://127.0.0.1 and run with the WCAG 2.0
and 2.1 level A and AA rules (the legal level of RGAA 4.1). Zero violations is the bar.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sitetools import CORRECTED_STEM, INCIDENT, SECOND

TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

# page kind -> path in each language (the update is the crisis's untranslated one in the
# "crisis" state, so the French-inside-English markup is what axe sees).
PAGES = {
    "home": "{lang}/index.html",
    "incident": "{lang}/incidents/" + INCIDENT + "/index.html",
    "update": "{lang}/incidents/" + INCIDENT + "/{stem}.html",
    "accessibility": "{lang}/accessibility.html",
}
STEMS = {"final": "20191117T1800", "crisis": "20191116T1145"}
CASES = [(state, kind, lang) for state in ("final", "crisis") for kind in PAGES for lang in ("fr", "en")]


def run_axe(browser: Any, axe_source: str, url: str) -> list[dict[str, Any]]:
    browser.get(url)
    browser.execute_script(axe_source)
    result = browser.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {runOnly: {type: 'tag', values: arguments[0]}})"
        ".then(r => done(JSON.stringify({violations: r.violations, passes: r.passes.length})))"
        ".catch(e => done(JSON.stringify({error: String(e)})));",
        TAGS,
    )
    data = json.loads(result)
    assert "error" not in data, data
    assert data["passes"] > 0, "axe ran no rule: is the page empty?"
    return list(data["violations"])


def describe(violations: list[dict[str, Any]]) -> str:
    lines = []
    for v in violations:
        targets = ", ".join(str(n["target"]) for n in v["nodes"][:5])
        lines.append(f"{v['id']} ({v['impact']}, {len(v['nodes'])} nodes): {v['help']} — {targets}")
    return "\n".join(lines)


@pytest.mark.parametrize(("state", "kind", "lang"), CASES)
def test_axe_finds_no_wcag21_aa_violation(
    browser: Any, axe_source: str, served: dict[str, str], state: str, kind: str, lang: str
) -> None:
    path = PAGES[kind].format(lang=lang, stem=STEMS[state])
    violations = run_axe(browser, axe_source, served[state] + path)
    assert violations == [], f"{state} {path}:\n{describe(violations)}"


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_axe_on_a_corrected_update_and_its_previous_version(
    browser: Any, axe_source: str, served: dict[str, str], sites: dict[str, Path], lang: str
) -> None:
    folder = sites["crisis"] / lang / "incidents" / INCIDENT
    versions = sorted((folder / CORRECTED_STEM).glob("v-*.html"))
    assert len(versions) == 1
    for page in (folder / f"{CORRECTED_STEM}.html", versions[0]):
        path = page.relative_to(sites["crisis"]).as_posix()
        violations = run_axe(browser, axe_source, served["crisis"] + path)
        assert violations == [], f"{path}:\n{describe(violations)}"


@pytest.mark.parametrize("state", ["final", "crisis"])
def test_axe_on_the_pages_linked_from_incident_pages(
    browser: Any, axe_source: str, served: dict[str, str], sites: dict[str, Path], state: str
) -> None:
    """Every page the public reaches from an incident page: its printable notice too."""
    pages = sorted((sites[state] / "print").glob("*.html"))
    assert pages, "no printable notice was built"
    for page in pages:
        path = page.relative_to(sites[state]).as_posix()
        violations = run_axe(browser, axe_source, served[state] + path)
        assert violations == [], f"{state} {path}:\n{describe(violations)}"


def test_axe_reports_a_broken_page(browser: Any, axe_source: str, tmp_path: Path) -> None:
    """The check above can fail: a page with known WCAG failures is reported."""
    import functools
    import http.server
    import threading

    (tmp_path / "bad.html").write_text(
        "<!DOCTYPE html><html><head><title>x</title></head><body>"
        "<img src='x.png'><p style='color:#bbb;background:#fff'>low contrast</p>"
        "<a href='#'></a></body></html>",
        encoding="utf-8",
    )
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/bad.html"
        found = {v["id"] for v in run_axe(browser, axe_source, url)}
    finally:
        server.shutdown()
        server.server_close()
    assert {"html-has-lang", "image-alt", "color-contrast", "link-name"} <= found, found


def test_skip_link_is_first_and_visible_on_focus(browser: Any, served: dict[str, str]) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    browser.get(served["crisis"] + f"en/incidents/{INCIDENT}/index.html")
    skip = browser.find_element(By.CSS_SELECTOR, "a.skip")
    assert not skip.is_displayed() or skip.rect["x"] < 0  # off-screen until focused
    browser.find_element(By.TAG_NAME, "body").send_keys(Keys.TAB)
    focused = browser.switch_to.active_element
    assert focused.get_attribute("class") == "skip"
    assert focused.is_displayed() and focused.rect["x"] >= 0 and focused.rect["y"] >= 0
    assert focused.text == "Skip to content"
    focused.send_keys(Keys.ENTER)
    assert browser.execute_script("return location.hash") == "#main"


def test_focus_is_visible_on_every_link(browser: Any, served: dict[str, str]) -> None:
    """Each link, once focused, gets the focus style: a background and an underline bar."""
    from selenium.webdriver.common.by import By

    browser.get(served["crisis"] + "fr/index.html")
    links = browser.find_elements(By.CSS_SELECTOR, "a[href]")
    assert len(links) > 5
    for link in links:
        before = browser.execute_script(
            "const s = getComputedStyle(arguments[0]); return [s.backgroundColor, s.boxShadow];", link
        )
        browser.execute_script("arguments[0].focus()", link)
        after = browser.execute_script(
            "const s = getComputedStyle(arguments[0]); return [s.backgroundColor, s.boxShadow];", link
        )
        assert after != before, link.get_attribute("href")
        assert after[1] != "none" and after[0] != "rgba(0, 0, 0, 0)", after


def test_reflows_at_320_css_pixels_without_horizontal_scrolling(browser: Any, served: dict[str, str]) -> None:
    """WCAG 1.4.10 Reflow: readable at 320 CSS px wide (a phone, or 400% zoom)."""
    size = browser.get_window_size()
    try:
        browser.set_window_size(320, 800)
        for path in (
            "fr/index.html",
            f"en/incidents/{INCIDENT}/index.html",
            f"fr/incidents/{SECOND}/20191116T1000.html",
            "fr/accessibility.html",
        ):
            browser.get(served["crisis"] + path)
            width = browser.execute_script("return document.documentElement.clientWidth")
            scroll = browser.execute_script("return document.documentElement.scrollWidth")
            assert width <= 340 and scroll <= width, f"{path}: {scroll}px wide in {width}px"
    finally:
        browser.set_window_size(size["width"], size["height"])


def test_print_stylesheet_hides_navigation_and_keeps_the_text(browser: Any, served: dict[str, str]) -> None:
    from selenium.webdriver.common.by import By

    browser.get(served["crisis"] + f"fr/incidents/{INCIDENT}/index.html")
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        assert not browser.find_element(By.CSS_SELECTOR, "header.site nav").is_displayed()
        assert not browser.find_element(By.CSS_SELECTOR, ".footer-links").is_displayed()
        assert browser.find_element(By.TAG_NAME, "h1").is_displayed()
        body = browser.find_element(By.CSS_SELECTOR, "article.update .body")
        assert body.is_displayed() and "consultations" in body.text
        color = browser.execute_script("return getComputedStyle(document.querySelector('.status')).color")
        assert color == "rgb(0, 0, 0)"  # black on white, whatever the printer
    finally:
        browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
