"""Drill mode: the whole path (build, site, every channel) into a separate site, state and
ledger, every artifact marked, social channels on the accounts named in [drill] or the
outbox; the live site, the live ledger and the production accounts are never touched."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.emulators import BlueskyEmulator, FacebookEmulator, MastodonEmulator
from tests.publishing import AFTER_ALL, run_publisher, set_config
from tests.socialkit import (
    BS_PASSWORD,
    FB_TOKEN,
    MA_TOKEN,
    bsky_options,
    configure,
    fb_options,
    masto_options,
)

DRILL_PASSWORD = "drill-pass-word-4kq1"
# The marker, each word marked with its language for screen readers (WCAG 3.1.2).
BANNER = '<span lang="fr">EXERCICE</span> — <span lang="en">EXERCISE</span>'


def tree(root: Path) -> dict[str, str]:
    """Every file under root (symlinks followed), by content hash."""
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def drill_bsky() -> Iterator[BlueskyEmulator]:
    with BlueskyEmulator(
        handle="chu-exercice.bsky.social", password=DRILL_PASSWORD, did="did:plc:drill"
    ) as emu:
        yield emu
        assert emu.server_errors == []


def test_a_drill_of_the_example_touches_nothing_live_and_marks_everything(
    example: Path,
    fb: FacebookEmulator,
    masto: MastodonEmulator,
    drill_bsky: BlueskyEmulator,
) -> None:
    with BlueskyEmulator(password=BS_PASSWORD) as bsky:
        configure(
            example,
            facebook=fb_options(fb.base_url),
            mastodon=masto_options(masto.base_url),
            bluesky=bsky_options(bsky.base_url),
        )
        set_config(
            example,
            '[channels.website]\ntype = "directory"\n\n'
            "[drill.channels.bluesky]\n"
            'handle = "chu-exercice.bsky.social"\n'
            f'service = "{drill_bsky.base_url}"\n'
            'password_env = "DRILL_BS_PASSWORD"\n',
        )
        env = {
            "TEST_FB_TOKEN": FB_TOKEN,
            "TEST_MA_TOKEN": MA_TOKEN,
            "TEST_BS_PASSWORD": BS_PASSWORD,
            "DRILL_BS_PASSWORD": DRILL_PASSWORD,
        }
        live = run_publisher(example, "publish", "--now", "2019-11-16T12:00", env=env)
        assert live.returncode == 0, live.stderr
        before_site = tree(example / "public")
        assert len(before_site) > 20
        before_ledger = (example / ".publisher/ledger.db").read_bytes()
        seen = (len(fb.requests), len(masto.requests), len(bsky.requests))

        drill = run_publisher(example, "drill", "publish", "--now", AFTER_ALL, env=env)
        assert drill.returncode == 0, drill.stdout + drill.stderr
        assert "drill" in drill.stderr.lower()
        # nothing live changed, no production account was called
        assert tree(example / "public") == before_site
        assert (example / ".publisher/ledger.db").read_bytes() == before_ledger
        assert (len(fb.requests), len(masto.requests), len(bsky.requests)) == seen
        assert bsky.posts and len(bsky.posts) == 8  # the two live updates only (threads of 2)

    # a complete site, marked on every page and print notice
    out = example / "drill/public"
    pages = sorted(out.rglob("*.html"))
    live_pages = {p for p in before_site if p.endswith(".html")}
    assert {str(p.relative_to(out)) for p in pages} >= live_pages
    assert len(pages) > len(live_pages)  # every update is due in the drill
    for page in pages:
        if page.parent.name == "banner":
            continue
        assert BANNER in page.read_text(), page
    assert "EXERCICE — EXERCISE" in (out / "banner/fr.html").read_text()  # an HTML comment: nothing active
    # the named drill account got every post, each starting with [EXERCICE]
    texts = drill_bsky.texts()  # 12 threads: each first post and its reply
    assert len(texts) == 24 and all(t.startswith("[EXERCICE] ") for t in texts)
    # accounts not named in [drill] were replaced by the drill's outbox
    for name in ("facebook", "mastodon"):
        files = sorted((example / "drill/outbox" / name).glob("*.txt"))
        assert files and all(f.read_text().startswith("[EXERCICE] ") for f in files), name
    # CAP: every alert is a Test
    alerts = sorted((out / "cap").glob("*.xml"))
    assert len(alerts) == 6
    assert all("<status>Test</status>" in a.read_text() for a in alerts)
    assert "<status>Actual</status>" in next((example / "public/cap").glob("*.xml")).read_text()
    # the drill's own ledger
    assert (example / "drill/.publisher/ledger.db").is_file()


def test_a_drill_without_drill_accounts_posts_nowhere(example: Path, fb: FacebookEmulator, cli) -> None:  # type: ignore[no-untyped-def]
    configure(example, facebook=fb_options(fb.base_url))
    set_config(example, '[channels.cms]\ntype = "directory"\npath = "mirror"\n')
    r = run_publisher(example, "--drill", "publish", "--now", AFTER_ALL, env={"TEST_FB_TOKEN": FB_TOKEN})
    assert r.returncode == 0, r.stderr
    assert fb.requests == []
    assert not (example / "mirror").exists()  # website channels are not rehearsed unless named
    assert len(list((example / "drill/outbox/facebook").glob("*.txt"))) == 6
    assert not (example / "public").exists()


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ('[drill]\noutput = "public"\n', "[drill] output must differ from the live site"),
        ('[drill.channels.twitter]\ntoken_env = "X"\n', "[drill.channels.twitter] names no channel"),
        (
            '[drill.channels.facebook]\npage_id = "abc"\n',
            "[drill.channels.facebook] page_id is not a numeric Page id",
        ),
    ],
)
def test_bad_drill_sections_are_refused(example: Path, cli, section: str, message: str) -> None:  # type: ignore[no-untyped-def]
    configure(example, facebook='page_id = "1647395831"')
    set_config(example, section)
    r = cli("-C", example, "check")
    assert r.code == 2 and message in r.err, r.err
