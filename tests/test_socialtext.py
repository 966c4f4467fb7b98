"""Markdown → plain text for social posts, and lengths counted as Mastodon counts them."""

from __future__ import annotations

from publisher import socialtext

PAGE = "https://status.example/fr/incidents/2019-11-15-x/20191115T2130.html"


def test_emphasis_goes_links_become_urls_lists_become_lines() -> None:
    text = socialtext.to_text(
        "**Les urgences** restent *ouvertes*.\n\n"
        "- Appelez le [15](tel:15).\n- Voir [le site](https://www.chu-rouen.fr/infos).\n\n"
        "1. un\n2. deux\n\n"
        "## Pour lundi\n\nSuite [ici](../index.html) et <https://x.example/a>.",
        PAGE,
    )
    assert text == (
        "Les urgences restent ouvertes.\n\n"
        "• Appelez le 15.\n• Voir le site (https://www.chu-rouen.fr/infos).\n\n"
        "1. un\n2. deux\n\n"
        "Pour lundi\n\n"
        "Suite ici (https://status.example/fr/incidents/index.html) et https://x.example/a."
    )


def test_link_whose_text_is_its_address_is_written_once() -> None:
    assert socialtext.to_text("[chu-rouen.fr](https://www.chu-rouen.fr/)") == "https://www.chu-rouen.fr/"


def test_blocks_have_kinds_for_shortening() -> None:
    kinds = [k for k, _ in socialtext.blocks("# T\n\nP\n\n- a\n- b\n\n> q\n\n```\nc\n```\n\n---")]
    assert kinds == ["heading", "paragraph", "list", "quote", "code", "rule"]


def test_raw_html_stays_text() -> None:
    assert socialtext.to_text("a <b>bold</b>") == "a <b>bold</b>"


def test_length_counts_urls_as_23_and_graphemes_once() -> None:
    url = "https://status.example/fr/incidents/2019-11-15-cyberattaque/20191115T2130.html"
    assert socialtext.length(f"Voir {url}.") == len("Voir .") + 23
    assert socialtext.length(url, None) == len(url)
    assert socialtext.length("👍🏽é") == 2  # skin tone joins its emoji; e + combining accent
    assert socialtext.length("🇫🇷") == 1
    assert socialtext.length("@ops@social.example.org salut") == len("@ops salut")
