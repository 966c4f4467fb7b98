"""The A4 notice for the hospital door: one per incident, every language, black and white.

When the network is down, paper is the channel that works (CHU Rouen taped a hand-written
notice on the A&E door). ``print/<incident id>.html`` holds one A4 page per language (source
language first), each complete on its own so a page can be posted alone: status, time,
the latest update (what to do), the fallback phone numbers, and the status site's address
with a QR code. Large type, no colour carries meaning, vector QR code.

With the optional ``pdf`` extra (WeasyPrint: pure Python wheels, uses the system's Pango,
downloads no browser) the build also writes ``print/<incident id>.pdf`` for incidents in
progress, cached by the HTML's hash so the every-minute cron does not pay for it again.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

from markupsafe import Markup

from publisher import urls
from publisher.cache import fingerprint
from publisher.config import Config
from publisher.fsutil import write_atomic
from publisher.i18n.catalogs import content_po_path
from publisher.localize import IncidentView
from publisher.release import Page
from publisher.render import Renderer

notice_path = urls.print_notice


def pdf_path(incident_id: str) -> str:
    return f"print/{incident_id}.pdf"


@lru_cache(maxsize=8)
def qr_svg(url: str, size_mm: int = 50) -> Markup:
    """The URL as a QR code in inline SVG: one path of module runs, crisp at any size.

    Error correction M survives a crease or a bit of tape; the quiet zone of 4 modules is
    what the standard asks for, so phones read it from a door at arm's length.
    """
    # Imported here: QR codes only when a notice is rendered (cached otherwise).
    import segno

    qr = segno.make(url, error="m", micro=False)
    rows = [list(row) for row in qr.matrix_iter(scale=1, border=4)]
    size = len(rows)
    runs = []
    for y, row in enumerate(rows):
        x = 0
        while x < size:
            if row[x]:
                start = x
                while x < size and row[x]:
                    x += 1
                runs.append(f"M{start},{y}h{x - start}v1h-{x - start}z")
            else:
                x += 1
    return Markup(
        f'<svg class="qr" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" '
        f'width="{size_mm}mm" height="{size_mm}mm" role="img" aria-label="QR code: {Markup.escape(url)}" '
        f'shape-rendering="crispEdges"><rect width="{size}" height="{size}" fill="#fff"/>'
        f'<path fill="#000" d="{"".join(runs)}"/></svg>'
    )


def phones(config: Config) -> list[str]:
    """Numbers printed besides [contacts] (which already holds the site's phone)."""
    return [p for p in config.strings("print", "phones") if p]


def render_notice(
    config: Config,
    views: dict[str, list[IncidentView]],
    index: int,
    renderer: Renderer,
    pdf: str | None = None,
) -> str:
    """The notice for the incident at `index` in each language's list of views."""
    sections = []
    for lang in config.languages:
        iv = views[lang][index]
        sections.append(
            Markup(
                renderer.render(
                    "print/section.html",
                    lang,
                    iv=iv,
                    page=notice_path(iv.incident.id),
                    phones=phones(config),
                    qr=qr_svg(config.base_url, 42),
                    site_url=config.base_url,
                )
            )
        )
    iv = views[config.source_lang][index]
    return renderer.render(
        "print/notice.html",
        config.source_lang,
        iv=iv,
        sections=sections,
        page=notice_path(iv.incident.id),
        pdf=pdf,
    )


def pdf_available() -> bool:
    try:
        # Imported here: the optional pdf extra, heavy: only when a PDF is made.
        import weasyprint  # noqa: F401
    except (ImportError, OSError):  # OSError: the wheel is there but Pango is not
        return False
    return True


def html_to_pdf(html: str, cache_dir: Path | None = None) -> bytes:
    """PDF bytes for a print page (WeasyPrint), cached by the HTML's hash."""
    key = hashlib.sha256(html.encode()).hexdigest()[:32]
    cached = cache_dir / f"{key}.pdf" if cache_dir is not None else None
    if cached is not None and cached.exists():
        return cached.read_bytes()
    # Imported here: the optional pdf extra, heavy: only when a PDF is made.
    import weasyprint

    data: bytes = weasyprint.HTML(string=html).write_pdf()
    if cached is not None:
        cached.parent.mkdir(parents=True, exist_ok=True)
        tmp = cached.with_suffix(".tmp")
        tmp.write_bytes(data)
        tmp.replace(cached)
    return data


def _key(config: Config, global_fp: str, iv: IncidentView, with_pdf: bool) -> str:
    """Everything one notice depends on: like the render cache's key, for every language."""

    h = hashlib.sha256(f"{global_fp}\0{iv.incident.id}\0{iv.incident.source_hash}\0{with_pdf}".encode())
    for u in iv.incident.updates:
        h.update(f"\0{u.stem}:{u.source_hash}".encode())
    for lang in config.languages:
        try:
            st = os.stat(content_po_path(config.dir("locales"), lang, iv.incident.id))
            h.update(f"\0{lang}:{st.st_mtime_ns}:{st.st_size}".encode())
        except OSError:
            h.update(f"\0{lang}:absent".encode())
    return h.hexdigest()[:40]


def pages(config: Config, views: dict[str, list[IncidentView]], renderer: Renderer) -> Iterator[Page]:
    """Build hook: the notice of every incident, and its PDF when the extra is installed.

    Notices are cached under ``<state>/cache/print/`` by what they depend on, so a build
    after one new update renders one notice, not one per incident.
    """

    source = views.get(config.source_lang, [])
    make_pdf = pdf_available()
    if not renderer.corrections.publishing:  # a dry run or the preview writes nothing in the state dir
        for index, iv in enumerate(source):
            with_pdf = make_pdf and iv.incident.is_active
            pdf = pdf_path(iv.incident.id).removeprefix("print/") if with_pdf else None
            html = render_notice(config, views, index, renderer, pdf)
            yield Page(notice_path(iv.incident.id), html.encode())
            if with_pdf:
                yield Page(pdf_path(iv.incident.id), html_to_pdf(html))
        return
    cache = config.cache_path("print")
    global_fp = fingerprint(config)
    used: set[str] = set()
    for index, iv in enumerate(source):
        with_pdf = make_pdf and iv.incident.is_active
        pdf = pdf_path(iv.incident.id).removeprefix("print/") if with_pdf else None
        cached = cache / f"{_key(config, global_fp, iv, with_pdf)}.html"
        used.add(cached.name)
        try:
            html = cached.read_text(encoding="utf-8")
        except OSError:
            html = render_notice(config, views, index, renderer, pdf)
            write_atomic(cached, html.encode())
        yield Page(notice_path(iv.incident.id), html.encode())
        if with_pdf:
            pdf_file = cache / f"{hashlib.sha256(html.encode()).hexdigest()[:32]}.pdf"
            used.add(pdf_file.name)
            yield Page(pdf_path(iv.incident.id), html_to_pdf(html, cache))
    if cache.is_dir():  # entries this build did not use are old versions: drop them
        for path in cache.iterdir():
            if path.name not in used and not path.name.startswith("."):
                path.unlink(missing_ok=True)
