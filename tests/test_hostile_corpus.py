"""A hostile corpus: one bad file at a time, dropped next to the example's valid updates.

Every case once crashed or hung the whole run (a traceback, exit 1 "will retry", nothing
built, nothing delivered; a FIFO or /dev/zero hung with memory growing). Now each must give
its own clear error naming the file (exit 2) from `check`, `build` and `publish`, with no
traceback and no hang, while the site and the Mastodon emulator still receive every valid
update. docs/reliability.md lists the classes and the figures this test produces.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.emulators import MastodonEmulator
from tests.socialkit import MA_TOKEN, configure, masto_options

INCIDENT = "content/incidents/2019-11-15-cyberattaque"
BAD = f"{INCIDENT}/20191123T1000.md"  # due at NOW: a bad file that would go out
NOW = "2019-11-24T10:00"
VALID_STEMS = (
    "20191115T2130",
    "20191116T1130",
    "20191117T1800",
    "20191118T1800",
    "20191120T1800",
    "20191122T1700",
)
GOOD_FRONT = "status: monitoring\npublish_at: 2019-11-23T10:00\napproved_by: Comms\n"
HANG_LIMIT = 60  # seconds; a run of the example takes about one


def write(project: Path, name: str, data: str | bytes) -> None:
    path = project / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, bytes):
        path.write_bytes(data)
    else:
        path.write_text(data, encoding="utf-8")


def update(front: str, body: str = "Texte de la mise à jour.\n") -> str:
    return f"---\n{front}---\n{body}"


def replace_in(project: Path, name: str, old: str, new: str) -> None:
    text = (project / name).read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {name}"
    (project / name).write_text(text.replace(old, new), encoding="utf-8")


UI_PO = "locales/en/LC_MESSAGES/messages.po"
UI_HEADER = 'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n"Language: en\\n"\n\n'
CONTENT_PO = "locales/en/LC_MESSAGES/incidents/2019-11-15-cyberattaque.po"
LONG_ID = "2019-11-20-" + "a" * 240


def _long_dir(p: Path) -> None:
    write(p, f"content/incidents/{LONG_ID}/incident.md", "---\ntitle: Panne\nimpact: minor\n---\n")
    write(p, f"content/incidents/{LONG_ID}/20191120T1000.md", update(GOOD_FRONT.replace("23T", "20T")))


# (id, how to make the project bad, what the error names, what it says)
Case = tuple[str, Callable[[Path], None], str, str]
CASES: list[Case] = [
    ("nul-in-front-matter", lambda p: write(p, BAD, b"---\nstatus: monitoring\x00\n---\nx\n"), BAD, "U+0000"),
    (
        "control-in-front-matter",
        lambda p: write(p, BAD, b"---\nstatus: moni\x07toring\n---\nx\n"),
        BAD,
        "U+0007",
    ),
    ("control-in-body", lambda p: write(p, BAD, update(GOOD_FRONT, "Fin\x0c.\n")), BAD, "U+000C"),
    ("fffe-in-body", lambda p: write(p, BAD, update(GOOD_FRONT, "Fin\ufffe.\n")), BAD, "U+FFFE"),
    (
        "deep-yaml",
        lambda p: write(p, BAD, "---\nstatus: " + "[" * 5000 + "]" * 5000 + "\n---\nx\n"),
        BAD,
        "nested too deeply",
    ),
    (
        "year-1",
        lambda p: write(p, BAD, update("status: monitoring\npublish_at: 0001-01-01T00:00\napproved_by: C\n")),
        f"{BAD}:3",
        "out of range",
    ),
    (
        "year-9999-offset",
        lambda p: write(
            p, BAD, update("status: monitoring\npublish_at: 9999-12-31T23:59-05:00\napproved_by: C\n")
        ),
        f"{BAD}:3",
        "out of range",
    ),
    (
        "next-update-9999",
        lambda p: write(p, BAD, update(GOOD_FRONT + "next_update: 9999-12-31T23:59\n")),
        f"{BAD}:5",
        "out of range",
    ),
    ("long-incident-dir", _long_dir, LONG_ID[:40], "more than 100"),
    ("fifo", lambda p: os.mkfifo(p / BAD), BAD, "not a regular file (a named pipe"),
    ("link-to-device", lambda p: os.symlink("/dev/zero", p / BAD), BAD, "outside the project"),
    ("link-outside", lambda p: os.symlink("/etc/hostname", p / BAD), BAD, "outside the project"),
    ("dangling-link", lambda p: os.symlink(p / "nowhere.md", p / BAD), BAD, "broken symbolic link"),
    ("link-loop", lambda p: os.symlink(p / BAD, p / BAD), BAD, "broken symbolic link"),
    (
        "cr-only-lines",
        lambda p: write(p, BAD, update(GOOD_FRONT).replace("\n", "\r")),
        BAD,
        "carriage return",
    ),
    (
        "not-utf8",
        lambda p: write(p, BAD, update(GOOD_FRONT, "Caf\xe9\n").encode("latin-1")),
        BAD,
        "not UTF-8",
    ),
    (
        "retracts-itself",
        lambda p: write(p, BAD, update(GOOD_FRONT + "retracts: 20191123T1000\n")),
        BAD,
        "retracts itself",
    ),
    (
        # Statements are read by `check` and `new`, not by the build: only check must say it.
        "statement-fifo",
        lambda p: os.mkfifo(p / "content/statements/hostile.md"),
        "content/statements/hostile.md",
        "not a regular file",
    ),
    (
        "catalog-unknown-charset",
        lambda p: replace_in(p, CONTENT_PO, "charset=utf-8", "charset=klingon"),
        CONTENT_PO,
        "klingon",
    ),
    (
        "catalog-fifo",
        lambda p: (os.unlink(p / CONTENT_PO), os.mkfifo(p / CONTENT_PO)) and None,
        CONTENT_PO,
        "not a regular file",
    ),
    (
        "catalog-control-char",
        lambda p: replace_in(p, CONTENT_PO, 'msgstr "Rouen', 'msgstr "\x01Rouen'),
        CONTENT_PO,
        "U+0001",
    ),
    (
        "ui-catalog-placeholder",
        lambda p: write(
            p, UI_PO, UI_HEADER + 'msgid "%(date)s at %(time)s"\nmsgstr "%(fecha)s at %(time)s"\n'
        ),
        f"{UI_PO}:6",
        "fecha",
    ),
    (
        "ui-catalog-script",
        lambda p: write(p, UI_PO, UI_HEADER + 'msgid "Updates"\nmsgstr "<script>alert(1)</script>Updates"\n'),
        f"{UI_PO}:6",
        "markup",
    ),
    ("ui-catalog-dangling", lambda p: os.symlink(p / "nowhere.po", p / UI_PO), UI_PO, "broken symbolic link"),
]

# Config cases: nothing can be delivered without a config, but the run must say why in one
# message (exit 2), never a traceback.
CONFIG_CASES: list[Case] = [
    (
        "config-not-utf8",
        lambda p: write(p, "publisher.toml", (p / "publisher.toml").read_bytes() + b"# \xff\n"),
        "publisher.toml",
        "not UTF-8",
    ),
    (
        "config-impossible-date",
        lambda p: replace_in(
            p, "publisher.toml", 'conformity = "none"', 'conformity = "none"\nstatement_date = 2019-02-30'
        ),
        "publisher.toml",
        "not valid TOML",
    ),
    (
        "config-target-not-a-locale",
        lambda p: replace_in(p, "publisher.toml", 'targets = ["en"]', 'targets = ["en", "xx-notalocale"]'),
        "publisher.toml:10",
        "'xx-notalocale' is not a language code",
    ),
    (
        "config-target-path",
        lambda p: replace_in(p, "publisher.toml", 'targets = ["en"]', 'targets = ["../../x"]'),
        "publisher.toml:10",
        "is not a language code",
    ),
    (
        "config-base-url-newline",
        lambda p: replace_in(
            p,
            "publisher.toml",
            'base_url = "https://status.chu-rouen.example/"',
            'base_url = "https://a.example/\\nDisallow: /"',
        ),
        "publisher.toml:5",
        "line breaks",
    ),
    (
        "config-fifo",
        lambda p: (os.unlink(p / "publisher.toml"), os.mkfifo(p / "publisher.toml")) and None,
        "publisher.toml",
        "not a regular file",
    ),
]


class Hang(Exception):
    pass


@contextmanager
def deadline(seconds: int) -> Iterator[None]:
    def fire(signum: int, frame: object) -> None:
        raise Hang(f"no answer after {seconds} s")

    previous = signal.signal(signal.SIGALRM, fire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def run_all(cli: Callable[..., object], project: Path, *commands: str) -> dict[str, object]:
    results = {}
    for command in commands:
        with deadline(HANG_LIMIT):
            results[command] = cli("-C", project, command, "--now", NOW)
    return results


def assert_refused(result: object, where: str, what: str) -> None:
    code, err = result.code, result.err  # type: ignore[attr-defined]
    assert "Traceback" not in err
    assert code == 2, f"exit {code}, expected 2:\n{err}"
    assert f"{where}" in err and what in err, err


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_one_bad_file_never_takes_the_night_down(
    example: Path,
    cli: Callable[..., object],
    masto: MastodonEmulator,
    monkeypatch: pytest.MonkeyPatch,
    case: Case,
) -> None:
    _id, make_bad, where, what = case
    monkeypatch.setenv("TEST_MA_TOKEN", MA_TOKEN)
    configure(example, mastodon=masto_options(masto.base_url))
    make_bad(example)
    results = run_all(cli, example, "check", "build", "publish")
    for command, result in results.items():
        if command != "check" and where.startswith("content/statements"):
            assert result.code == 0, result.err  # type: ignore[attr-defined]
            continue
        assert_refused(result, where, what)
    # Every valid update is still on the site, in both languages, and was posted once.
    for lang in ("fr", "en"):
        page = example / "public" / lang / "incidents" / "2019-11-15-cyberattaque" / "index.html"
        html = page.read_text(encoding="utf-8")
        for stem in VALID_STEMS:
            assert f"{stem}.html" in html, f"{lang}: {stem} missing"
        assert "20191123T1000" not in html and "<script>alert" not in html
    assert len({s.text for s in masto.statuses}) == len(masto.statuses)  # nothing twice
    posted = "\n".join(s.text for s in masto.statuses)
    assert len(masto.statuses) >= len(VALID_STEMS)
    assert "Texte de la mise à jour" not in posted


@pytest.mark.parametrize("case", CONFIG_CASES, ids=[c[0] for c in CONFIG_CASES])
def test_a_bad_config_is_one_clear_message(example: Path, cli: Callable[..., object], case: Case) -> None:
    _id, make_bad, where, what = case
    make_bad(example)
    for result in run_all(cli, example, "check", "build", "publish").values():
        assert_refused(result, where, what)


def test_unexpected_error_in_one_file_is_that_files_error(
    example: Path, cli: Callable[..., object], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bug in one file's work (here: forced) is caught at the per-file boundary."""
    from publisher import content

    real = content.load_update

    def flaky(path: Path, *args: object, **kwargs: object) -> object:
        if path.stem == "20191116T1130":
            raise ZeroDivisionError("forced")
        return real(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(content, "load_update", flaky)
    result = run_all(cli, example, "build")["build"]
    err = result.err  # type: ignore[attr-defined]
    assert result.code == 2 and "Traceback" not in err  # type: ignore[attr-defined]
    assert "20191116T1130.md: error: this file could not be processed (ZeroDivisionError: forced)" in err
    assert "--debug" in err
    html = (example / "public/fr/incidents/2019-11-15-cyberattaque/index.html").read_text(encoding="utf-8")
    assert "20191122T1700.html" in html and "20191116T1130.html" not in html
    debug = cli("--debug", "-C", example, "build", "--now", NOW)
    assert "Traceback" in debug.err and "ZeroDivisionError" in debug.err
