"""The accessibility statement page (déclaration d'accessibilité), one per language.

French public bodies must publish one, reachable from every page (loi 2005-102 art. 47,
décret 2019-768); every page's footer links here. Its content is ``[accessibility]`` in
publisher.toml, its wording the ``web/accessibility.html`` template.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import TYPE_CHECKING

from publisher import urls
from publisher.cli_text import Text
from publisher.config import Config, line_of
from publisher.errors import Diagnostic, display_path
from publisher.pages import alternates
from publisher.release import Page

if TYPE_CHECKING:
    from publisher.content import LoadResult
    from publisher.localize import IncidentView
    from publisher.render import Renderer


def pages(config: Config, views: dict[str, list[IncidentView]], renderer: Renderer) -> Iterator[Page]:
    for lang in config.languages:
        path = urls.accessibility(lang)
        html = renderer.render(
            "web/accessibility.html",
            lang,
            page=path,
            canonical=None,
            alternates=alternates(config, urls.accessibility),
        )
        yield Page(path, html.encode())


def check_contact(config: Config, result: LoadResult, now: datetime) -> list[Diagnostic]:
    """`publisher check`: a statement must give a way to report an accessibility problem."""
    a = config.accessibility
    if a.contact_email or a.contact_url or config.contact or config.phone:
        return []
    text = config.path.read_text(encoding="utf-8") if config.path.exists() else ""
    return [
        Diagnostic(
            display_path(config.path, config.root),
            line_of(text, "accessibility"),
            Text("the accessibility statement gives no way to contact you"),
            Text(
                'add contact_email = "accessibilite@example.org" (or contact_url) under '
                "[accessibility]: the law requires a way to report a problem"
            ),
            severity="warning",
        )
    ]
