"""Localisation: gettext catalogs for UI strings (``messages``) and for content (one per incident).

Runtime lookup lives in :mod:`publisher.i18n.catalogs`; the translator commands (extract,
update, compile, stats) live in their own modules and are imported only by the CLI.
"""
