"""Golden files: what the Facebook Graph API and Mastodon receive for the example incident.

Regenerate after an intended change of the posts (then review `git diff tests/golden/social`)::

    PUBLISHER_UPDATE_GOLDEN=1 python -m pytest tests/test_social_golden.py
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.emulators import FacebookEmulator, MastodonEmulator
from tests.emulators.base import RecordedRequest
from tests.golden import compare_text
from tests.socialkit import (
    FB_TOKEN,
    MA_TOKEN,
    Driver,
    channel,
    configure,
    context,
    fb_options,
    masto_options,
)


def recorded(requests: list[RecordedRequest]) -> str:
    out: list[dict[str, Any]] = []
    for req in requests:
        entry: dict[str, Any] = {"method": req.method, "path": req.path}
        if req.query:
            entry["query"] = req.query
        if req.body:
            entry["body"] = req.body
        out.append(entry)
    return json.dumps(out, ensure_ascii=False, indent=1, sort_keys=True) + "\n"


def test_what_each_api_receives_for_the_example(example: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEST_FB_TOKEN", FB_TOKEN)
    monkeypatch.setenv("TEST_MA_TOKEN", MA_TOKEN)
    with FacebookEmulator(page_tokens=(FB_TOKEN,)) as fb, MastodonEmulator(token=MA_TOKEN) as masto:
        configure(example, facebook=fb_options(fb.base_url), mastodon=masto_options(masto.base_url))
        driver = Driver()
        for name in ("facebook", "mastodon"):
            driver.run(channel(example, name), context(example))
        assert driver.errors == []
        fb_text, masto_text = recorded(fb.requests), recorded(masto.requests)
    assert FB_TOKEN not in fb_text and MA_TOKEN not in masto_text
    compare_text(fb_text, "social/facebook.json")
    compare_text(masto_text, "social/mastodon.json")


def test_what_bluesky_receives_for_a_post_a_correction_and_a_withdrawal(
    example: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.emulators import BlueskyEmulator
    from tests.socialkit import BS_PASSWORD, bsky_options, edit_update

    monkeypatch.setenv("TEST_BS_PASSWORD", BS_PASSWORD)
    with BlueskyEmulator(password=BS_PASSWORD) as bsky:
        configure(example, bluesky=bsky_options(bsky.base_url))
        driver = Driver()
        names: dict[str, str] = {}

        def run() -> str:
            bsky.requests.clear()
            driver.run(channel(example, "bluesky"), context(example))
            assert driver.errors == []
            # Posts' keys and content ids depend on the clock: name them in order of creation.
            for rkey in sorted(bsky.posts):
                post = bsky.posts[rkey]
                names.setdefault(bsky.uri(rkey), f"at://did/post/{len(names) // 2 + 1}")
                names.setdefault(post.cid, f"cid-of-post-{len(names) // 2 + 1}")
            creates = [r for r in bsky.requests if r.route == "record.create"]
            text = recorded(creates)
            for real, name in names.items():
                text = text.replace(real, name)
            return re.sub(r'"createdAt": "[^"]+"', '"createdAt": "<send time>"', text)

        posts = run()
        edit_update(
            example, "20191115T2130", "vers 19 h", "vers 18 h 45", front="correction: Heure corrigée."
        )
        correction = run()
        (example / "content/incidents/2019-11-15-cyberattaque/20191116T1400.md").write_text(
            '---\nstatus: identified\npublish_at: "2019-11-16T14:00"\n'
            "approved_by: Direction de la communication\nretracts: 20191116T1130\n---\n"
            "Le point de 11 h 30 contenait une erreur : il est retiré.\n"
        )
        withdrawal = run()
    assert BS_PASSWORD not in posts + correction + withdrawal
    compare_text(posts, "social/bluesky/posts.json")
    compare_text(correction, "social/bluesky/correction-reply.json")
    compare_text(withdrawal, "social/bluesky/withdrawal-reply.json")
