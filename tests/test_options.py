"""The one option schema: config sections and every channel's options report alike."""

from __future__ import annotations

import pytest

from publisher.channels import channel_types
from publisher.options import Option, at_least, resolve, validate

SCHEMA = (
    Option("url", str, "", "where", required=True, example="https://x.example"),
    Option("mode", str, "a", "a or b", choices=("a", "b")),
    Option("keep", int, 5, "how many", check=at_least(2)),
    Option("timeout", float, 20, "seconds"),
)


def test_each_kind_of_problem_names_the_key_what_is_wrong_and_a_fix():
    problems = validate(SCHEMA, {"mdoe": "a", "mode": "c", "keep": 1, "timeout": True}, "a test channel")
    assert problems == [
        (
            "mdoe",
            "unknown option 'mdoe' for a test channel",
            "did you mean 'mode'? known options: url, mode, keep, timeout",
        ),
        ("mode", 'mode must be one of a, b, not "c"', "a or b"),
        ("keep", "keep must be at least 2", "for example: keep = 5"),
        ("timeout", "timeout must be a number (seconds)", "for example: timeout = 20"),
        ("url", "missing 'url' (where)", 'add url = "https://x.example"'),
    ]


def test_resolve_fills_defaults_and_an_int_is_a_number():
    assert validate(SCHEMA, {"url": "https://x", "timeout": 3}, "x") == []
    assert resolve(SCHEMA, {"url": "https://x", "timeout": 3}) == {
        "url": "https://x",
        "mode": "a",
        "keep": 5,
        "timeout": 3,
    }


@pytest.mark.parametrize("name", sorted(channel_types()[0]))
def test_every_installed_channel_validates_through_the_schema(name):
    cls = channel_types()[0][name]
    [problem] = [p for p in cls.validate_options({"tokn_env": "X"}) if p[0] == "tokn_env"]
    article = "an" if name[0] in "aeiou" else "a"
    assert problem[1] == f"unknown option 'tokn_env' for {article} {name} channel"
    assert "known options:" in problem[2]
