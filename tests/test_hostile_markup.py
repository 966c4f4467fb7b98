"""No script from any catalog reaches a built page: every UI and content translation is text.

A project's UI catalog used to be inserted as HTML on every page, the banner snippet, the
print notices and the feeds (Jinja's newstyle gettext marks translations safe when
autoescaping). Here every UI string of the project catalog and every content translation is
made hostile; the built pages and feeds are parsed and must contain no ``on*`` attribute,
no ``javascript:`` URL and no element outside what publisher's templates and Markdown make.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from publisher.i18n.catalogs import PACKAGE_LOCALES

NOW = "2019-11-24T10:00"
UI_PO = "locales/en/LC_MESSAGES/messages.po"
CONTENT_PO = "locales/en/LC_MESSAGES/incidents/2019-11-15-cyberattaque.po"
# What the templates and CommonMark (raw HTML off) produce; anything else came from input.
ELEMENTS = {
    "a", "article", "blockquote", "body", "br", "code", "dd", "div", "dl", "dt", "em", "footer",
    "h1", "h2", "h3", "h4", "h5", "h6", "head", "header", "hr", "html", "li", "link", "main",
    "meta", "nav", "ol", "p", "path", "pre", "rect", "section", "span", "strong", "style", "svg",
    "time", "title", "ul",
}  # fmt: skip
# Text that is harmless only if escaped: a quote breaks out of an attribute.
QUOTE_ATTACK = '" onmouseover="alert(1)" x="'
TAG_ATTACK = "<img src=x onerror=alert(1)><script>alert(2)</script><a href='javascript:alert(3)'>x</a>"


def po_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def hostile_ui_catalog(attack: str) -> str:
    """Every UI msgid of publisher, translated as itself plus `attack`."""
    with open(PACKAGE_LOCALES / "messages.pot", "rb") as f:
        template = read_po(f)
    out = ['msgid ""', 'msgstr ""', '"Content-Type: text/plain; charset=UTF-8\\n"', '"Language: en\\n"', ""]
    for m in template:
        if not m.id:
            continue
        if m.context:
            out.append(f"msgctxt {po_string(m.context)}")
        if isinstance(m.id, tuple):
            out += [f"msgid {po_string(m.id[0])}", f"msgid_plural {po_string(m.id[1])}"]
            out += [f"msgstr[0] {po_string(m.id[0] + attack)}", f"msgstr[1] {po_string(m.id[1] + attack)}"]
        else:
            out += [f"msgid {po_string(m.id)}", f"msgstr {po_string(m.id + attack)}"]
        out.append("")
    return "\n".join(out)


class Scan(HTMLParser):
    def __init__(self, where: str, problems: list[str]) -> None:
        super().__init__()
        self.where = where
        self.problems = problems

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ELEMENTS:
            self.problems.append(f"{self.where}: unexpected element <{tag}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"{self.where}: <{tag} {name}=…>")
            if value and value.strip().lower().startswith(("javascript:", "vbscript:", "data:text")):
                self.problems.append(f"{self.where}: <{tag} {name}={value!r}>")


def scan_site(root: Path) -> tuple[list[str], int]:
    problems: list[str] = []
    scanned = 0
    for path in sorted(root.rglob("*")):
        where = str(path.relative_to(root))
        if path.suffix == ".html":
            Scan(where, problems).feed(path.read_text(encoding="utf-8"))
            scanned += 1
        elif path.suffix in (".atom", ".xml"):
            tree = ET.parse(path)  # well-formed, or this raises
            scanned += 1
            for el in tree.iter():
                if el.get("type") in ("html", "xhtml") and el.text:
                    Scan(f"{where} <{el.tag}>", problems).feed(el.text)
    return problems, scanned


def write_hostile_content(project: Path) -> None:
    po = project / CONTENT_PO
    text = po.read_text(encoding="utf-8")
    # Every filled msgstr gets the attack appended (raw HTML, a javascript: link).
    lines = [
        line[:-1] + TAG_ATTACK.replace('"', '\\"') + ' [clic](javascript:alert(4))"'
        if line.startswith('msgstr "') and line != 'msgstr ""'
        else line
        for line in text.split("\n")
    ]
    po.write_text("\n".join(lines), encoding="utf-8")


@pytest.mark.parametrize("attack", [QUOTE_ATTACK, TAG_ATTACK], ids=["quote", "tags"])
def test_no_script_from_any_catalog_reaches_a_page(
    example: Path, cli: Callable[..., object], attack: str
) -> None:
    (example / UI_PO).write_text(hostile_ui_catalog(attack), encoding="utf-8")
    write_hostile_content(example)
    checked = cli("-C", example, "check", "--now", NOW)
    if attack == TAG_ATTACK:
        # Refused with path:line, and the built-in string answers on the site.
        assert checked.code == 2  # type: ignore[attr-defined]
        assert f"{UI_PO}:6: error: msgid " in checked.err and "contains markup" in checked.err  # type: ignore[attr-defined]
    built = cli("-C", example, "build", "--now", NOW)
    assert "Traceback" not in built.err  # type: ignore[attr-defined]
    problems, scanned = scan_site(example / "public")
    assert scanned > 30
    assert problems == []
    en = (example / "public/en/index.html").read_text(encoding="utf-8")
    if attack == QUOTE_ATTACK:
        assert "&#34; onmouseover=&#34;alert(1)&#34;" in en  # shown as text, escaped
    else:
        # Content translations are text (shown escaped); UI strings with markup are not used.
        assert "<script>alert" not in en and "onerror=alert(1)>" not in en


def test_scan_finds_what_it_looks_for(tmp_path: Path) -> None:
    """The scanner itself: a page with a handler, a javascript: link and a script is caught."""
    (tmp_path / "a.html").write_text(f"<html><body><p>{TAG_ATTACK}</p><div onclick='x'></div></body></html>")
    problems, _ = scan_site(tmp_path)
    assert any("onerror" in p for p in problems) and any("onclick" in p for p in problems)
    assert any("<script>" in p for p in problems) and any("javascript:alert(3)" in p for p in problems)
