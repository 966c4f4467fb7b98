"""The bilingual static site: translations, fallback, safety, atomic swap."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from publisher import site as site_module
from publisher.config import load_config
from publisher.content import load_site
from publisher.site import build

INCIDENT = "2019-11-15-cyberattaque"
PO = f"locales/en/LC_MESSAGES/incidents/{INCIDENT}.po"


def build_example(root: Path) -> Path:
    config = load_config(root)
    result = load_site(config)
    assert result.diagnostics == []
    return build(config, result.site).output


def page(out: Path, lang: str, stem: str | None = None) -> str:
    name = f"{stem}.html" if stem else "index.html"
    return (out / lang / "incidents" / INCIDENT / name).read_text()


def test_every_update_in_french_and_english(example: Path) -> None:
    out = build_example(example)
    fr, en = page(out, "fr"), page(out, "en")
    assert '<html lang="fr">' in fr and '<html lang="en">' in en
    assert "vendredi 15 novembre 2019 à 21:30 (heure de Paris)" in fr
    assert "Friday, 15 November 2019 at 21:30 (Paris time)" in en
    assert '<time datetime="2019-11-15T20:30:00Z">' in en
    assert "Aucune fuite de données médicales ou personnelles" in fr
    assert "no leak of medical or personal data" in en
    assert "Translation in progress" not in en
    assert en.count('class="update"') == fr.count('class="update"') == 6
    for lang in ("fr", "en"):
        for stem in ("20191115T2130", "20191122T1700"):
            assert (out / lang / "incidents" / INCIDENT / f"{stem}.html").exists()


def test_pages_link_alternates_and_switch_language(example: Path) -> None:
    en = page(build_example(example), "en", "20191115T2130")
    assert (
        f'hreflang="fr" href="https://status.chu-rouen.example/fr/incidents/{INCIDENT}/20191115T2130.html"'
        in en
    )
    assert (
        f'<a href="../../../fr/incidents/{INCIDENT}/20191115T2130.html" hreflang="fr" lang="fr">Français</a>'
        in en
    )


def test_root_index_is_readable_from_disk(example: Path) -> None:
    out = build_example(example)
    root = (out / "index.html").read_text()
    assert "Cyberattaque contre le système informatique du CHU de Rouen" in root
    for href in re.findall(r'href="([^"]+)"', root):
        if not href.startswith(("http", "#", "tel:", "mailto:", "data:")):
            assert (out / href).exists(), href


def fuzz(po: Path, msgid_start: str) -> None:
    """Mark the entry whose msgid starts with `msgid_start` fuzzy, as msgmerge would."""
    lines = po.read_text().split("\n")
    for i, line in enumerate(lines):
        if line.startswith(f'msgid "{msgid_start}'):
            j = i
            while j > 0 and lines[j - 1].startswith("#"):
                j -= 1
            lines.insert(j, "#, fuzzy")
            po.write_text("\n".join(lines))
            return
    raise AssertionError(f"no msgid starting with {msgid_start!r}")


def test_fuzzy_entry_makes_that_whole_update_fall_back(example: Path) -> None:
    fuzz(example / PO, "Le CHU de Rouen a déposé plainte")
    out = build_example(example)
    en = page(out, "en")
    closing = en[en.index('id="u20191122T1700"') :]
    closing = closing[: closing.index("</article>")]
    assert '<article class="update" lang="fr" id="u20191122T1700">' in en
    assert "Translation in progress: the original text is shown." in closing
    # the whole update is French, not a mix: its translated paragraphs are not used either
    assert "Aucune fuite de données médicales ou personnelles" in closing
    assert "no leak of medical" not in closing
    # status label and time stay in the page's language
    assert "Resolved" in closing and "Friday, 22 November 2019 at 17:00" in closing
    # other updates are still in English, and the French site does not wait
    assert "A&amp;E remains open" in en
    assert "Translation in progress" not in page(out, "fr")


def test_missing_catalog_falls_back_every_update(example: Path) -> None:
    (example / PO).unlink()
    en = page(build_example(example), "en")
    assert en.count("Translation in progress: the original text is shown.") == 6
    assert '<h1 lang="fr">Cyberattaque contre le système informatique du CHU de Rouen</h1>' in en


def test_translation_that_changes_a_link_target_is_not_published(example: Path) -> None:
    po = example / PO
    po.write_text(po.read_text().replace("(tel:+33232888990)", "(tel:+33000000000)", 1))
    en = page(build_example(example), "en")
    assert 'href="tel:+33000000000"' not in en
    assert "Translation in progress" in en


XSS = (
    "---\nstatus: investigating\npublish_at: 2019-11-15T19:00\n---\n"
    "<script>alert('x')</script>\n\n"
    "<img src=x onerror=alert(1)> and [click](javascript:alert(1)) and "
    "[data](data:text/html;base64,PHNjcmlwdD4=)\n\n"
    '**ok** <b onclick="alert(1)">bold</b>\n'
)


def test_html_and_script_in_content_are_shown_as_text(tmp_path: Path) -> None:
    directory = tmp_path / "content/incidents/2019-11-15-xss"
    directory.mkdir(parents=True)
    (directory / "incident.md").write_text("---\ntitle: <script>alert(2)</script>\nimpact: minor\n---\n")
    (directory / "20191115T1900.md").write_text(XSS)
    config = load_config(tmp_path)
    result = load_site(config)
    # the bad links are reported by check, and the update is held
    assert any("javascript:" in str(d) for d in result.diagnostics)
    (directory / "20191115T1900.md").write_text(
        XSS.replace("[click](javascript:alert(1)) and ", "").replace(
            "[data](data:text/html;base64,PHNjcmlwdD4=)", ""
        )
    )
    result = load_site(config)
    assert result.diagnostics == []
    out = build(config, result.site).output
    for path in out.rglob("*.html"):
        html = path.read_text()
        assert "<script" not in html
        assert "<img" not in html
        assert "onclick=" not in html.replace("onclick=&quot;", "")
        assert "<b " not in html
    update = (out / "fr/incidents/2019-11-15-xss/20191115T1900.html").read_text()
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in update or "&lt;script&gt;" in update
    assert "<strong>ok</strong>" in update


def test_markdown_renderer_refuses_dangerous_links_even_unchecked() -> None:
    from publisher.markup import to_html

    html = to_html(
        "[a](javascript:alert(1)) [b](vbscript:x) [c](file:///etc/passwd) "
        "[d](https://ok.example) [e](mailto:a@b.c) [f](tel:15)"
    )
    assert 'href="javascript' not in html and 'href="vbscript' not in html and 'href="file' not in html
    assert 'href="https://ok.example"' in html and 'href="mailto:a@b.c"' in html and 'href="tel:15"' in html


def snapshot(out: Path) -> dict[Path, bytes]:
    return {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}


def test_failed_build_leaves_the_previous_site_untouched(
    example: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = build_example(example)
    build_example(example)  # now a staging twin with a manifest exists too
    before = snapshot(out)
    original = site_module.pages

    def explode_midway(*args, **kwargs):  # type: ignore[no-untyped-def]
        for n, item in enumerate(original(*args, **kwargs)):
            if n == 5:
                raise RuntimeError("disk full")
            yield item

    monkeypatch.setattr(site_module, "pages", explode_midway)
    (example / "content/incidents" / INCIDENT / "20191122T1700.md").write_text(
        (example / "content/incidents" / INCIDENT / "20191122T1700.md")
        .read_text()
        .replace("Une semaine", "Huit jours")
    )
    with pytest.raises(RuntimeError, match="disk full"):
        build_example(example)
    assert snapshot(out) == before
    # the half-updated twin has no manifest, so the next build rewrites it in full
    monkeypatch.setattr(site_module, "pages", original)
    build_example(example)
    assert "Huit jours" in page(out, "fr")
    # same files, plus the archived previous text of the corrected update (corrections.py)
    # and the CAP message of its new text (cap.py)
    added = set(snapshot(out).keys()) - set(before.keys())
    assert set(before.keys()) <= set(snapshot(out).keys())
    new_text = f"cap/{INCIDENT}.20191122T1700."
    assert added and all("/20191122T1700/v-" in str(p) or str(p).startswith(new_text) for p in added), added


def test_rebuild_writes_only_what_changed_and_swaps_in_one_step(example: Path) -> None:
    config = load_config(example)
    first = build(config, load_site(config).site)
    second = build(config, load_site(config).site)
    assert first.written == first.pages  # nothing to reuse yet
    assert second.written == second.pages  # the twin was empty before
    third = build(config, load_site(config).site)
    assert third.written == 0
    (example / "content/incidents" / INCIDENT / "20191122T1700.md").unlink()
    fourth = build(config, load_site(config).site)
    out = fourth.output
    assert not (out / "fr/incidents" / INCIDENT / "20191122T1700.html").exists()
    assert (out / "fr/incidents" / INCIDENT / "20191120T1800.html").exists()
    assert 0 < fourth.written < fourth.pages
    leftovers = sorted(p.name for p in out.parent.iterdir() if p.name.startswith(".public"))
    assert leftovers == [".public.staging"]
    # the live site is exactly what a full build produces
    fresh = build(config, load_site(config).site, output=example / "fresh")
    assert snapshot(out) == snapshot(fresh.output)


def test_future_updates_are_not_on_the_site_yet(example: Path, cli) -> None:  # type: ignore[no-untyped-def]
    result = cli("-C", example, "build", "--now", "2019-11-16T12:00")
    assert result.code == 0, result.err
    fr = page(example / "public", "fr")
    assert "20191116T1130" in fr and "20191117T1800" not in fr


def test_build_holds_unapproved_updates_like_publish(example: Path, cli) -> None:  # type: ignore[no-untyped-def]
    path = example / "content/incidents" / INCIDENT / "20191122T1700.md"
    import re

    path.write_text(re.sub(r"(?m)^approved_(by|hash): .*\n", "", path.read_text()))
    result = cli("-C", example, "build")
    assert result.code == 0
    assert (
        f"content/incidents/{INCIDENT}/20191122T1700.md: held: {INCIDENT}/20191122T1700: due but not approved"
    ) in result.err
    assert not (example / "public/fr/incidents" / INCIDENT / "20191122T1700.html").exists()
    assert (example / "public/fr/incidents" / INCIDENT / "20191120T1800.html").exists()
