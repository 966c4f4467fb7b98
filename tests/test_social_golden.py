"""Golden files: what the Facebook Graph API and Mastodon receive for the example incident.

Regenerate after an intended change of the posts (then review `git diff tests/golden/social`)::

    PUBLISHER_UPDATE_GOLDEN=1 python -m pytest tests/test_social_golden.py
"""

from __future__ import annotations

import json
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
