"""The translation checker of `publisher check` (registered in publisher/checks.py).

- error: an enabled language whose UI strings are not all translated (project catalog or
  publisher's built-in one), listing the missing strings: the site would mix languages in its
  navigation, so such a language must not be switched on;
- error: an incident or UI catalog that does not parse, or a translation with wrong
  placeholders, link targets or code spans (the validation of `publisher i18n compile`;
  statement catalogs are checked by publisher.lints:statements).

Which updates each language's page will show untranslated is reported, once, by
publisher.lints:translations (the same per-update rule as localize and `i18n stats`).
"""

from __future__ import annotations

from datetime import datetime

from publisher.cli_text import Text
from publisher.config import Config
from publisher.content import LoadResult
from publisher.errors import Diagnostic, display_path
from publisher.i18n import pofiles
from publisher.i18n.compile import check_all
from publisher.i18n.stats import ui_status


def ui_diagnostics(config: Config) -> list[Diagnostic]:
    out = []
    for lang in pofiles.ui_languages(config.languages):
        status = ui_status(config, lang)
        if status.complete:
            continue
        po = display_path(pofiles.ui_po_path(config.dir("locales"), lang), config.root)
        listed = "; ".join(repr(i) + (f" (context {c!r})" if c else "") for i, c in status.missing)
        out.append(
            Diagnostic(
                po,
                0,
                Text(
                    "language '{lang}' is enabled but {missing} of {required} UI strings have no "
                    "translation: {listed}",
                    lang=lang,
                    missing=len(status.missing),
                    required=status.required,
                    listed=listed,
                ),
                Text(
                    "run `publisher i18n extract` and `publisher i18n update`, translate them in {po}, then "
                    "`publisher i18n compile`; or remove '{lang}' from [languages] in publisher.toml",
                    po=po,
                    lang=lang,
                ),
            )
        )
    return out


def check_translations(config: Config, result: LoadResult, now: datetime) -> list[Diagnostic]:
    return ui_diagnostics(config) + check_all(config, statements=False).problems
