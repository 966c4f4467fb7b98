"""Fixtures for the public-site tests: the example built in two states, served over HTTP.

``final``  the example as it stands today: one resolved incident, everything translated.
``crisis`` the example at 16 Nov 2019 12:30, mid-crisis, plus what a real crisis brings:
           a French update not yet translated (the English pages show it in French, marked
           ``lang="fr"``), a Markdown heading inside an update, a second incident written
           in English whose title the French pages show untranslated (``lang="en"``), and a
           correction made at 12:30 to the 11:30 update after a first build at 12:00.

Tools the tests need (Chromium, chromedriver, Java, axe-core) are installed by
scripts/test; a test that needs a missing one skips locally and FAILS under CI=true.
"""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sitetools import (
    AXE,
    INCIDENT,
    SECOND,
    SECOND_INCIDENT,
    SECOND_UPDATE,
    UNTRANSLATED,
    build,
    copy_example,
    correct,
    missing,
)

from tests.approvals import approve_all


@pytest.fixture(scope="session")
def sites(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """name -> built public/ directory."""
    base = tmp_path_factory.mktemp("sites")
    final = copy_example(base / "final")
    crisis = copy_example(base / "crisis")
    incident_dir = crisis / "content" / "incidents" / INCIDENT
    (incident_dir / "20191116T1145.md").write_text(UNTRANSLATED, encoding="utf-8")
    second = crisis / "content" / "incidents" / SECOND
    second.mkdir()
    (second / "incident.md").write_text(SECOND_INCIDENT, encoding="utf-8")
    (second / "20191116T1000.md").write_text(SECOND_UPDATE, encoding="utf-8")
    approve_all(crisis)
    build(crisis, "2019-11-16T12:00")
    correct(crisis)
    return {"final": build(final, "2026-01-01T00:00"), "crisis": build(crisis, "2019-11-16T12:30")}


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="session")
def served(sites: dict[str, Path]) -> Iterator[dict[str, str]]:
    """name -> http://127.0.0.1:PORT/ base URL serving that built site."""
    servers = []
    bases = {}
    for name, root in sites.items():
        handler = functools.partial(QuietHandler, directory=str(root))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        bases[name] = f"http://127.0.0.1:{server.server_address[1]}/"
    yield bases
    for server in servers:
        server.shutdown()
        server.server_close()


CHROMIUM = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
CHROMEDRIVER = ("/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
    "--window-size=1280,900",
)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """A real headless Chromium driven by Selenium through Debian's chromedriver."""
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        missing("selenium", "pip install selenium")
    binary = next((p for p in CHROMIUM if Path(p).exists()), None)
    driver_path = next((p for p in CHROMEDRIVER if Path(p).exists()), None)
    if binary is None or driver_path is None:
        missing("Chromium / chromedriver", "apt-get install chromium chromium-driver")
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for flag in FLAGS:
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="session")
def axe_source() -> str:
    if not AXE.exists():
        missing("axe-core", "npm install --prefix .cache/node axe-core")
    return AXE.read_text(encoding="utf-8")
