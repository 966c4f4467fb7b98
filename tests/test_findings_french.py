"""What `check` and the job find, said in the reader's language: a French comms officer reads
the whole finding (what is wrong and the fix) in French, with path:line, field names and values
as written; LANG=C gives the English of before, byte for byte; a finding kept in the parse
cache comes back in the language of the run that prints it; JSON log lines stay English."""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
from pathlib import Path

from publisher import cli_text
from publisher.cli_text import Joined, Text, localized
from publisher.errors import Diagnostic
from tests.publishing import INCIDENT, REPO

UPDATE = f"content/incidents/{INCIDENT}/20191124T1000.md"
LATE = f"content/incidents/{INCIDENT}/20191124T1100.md"


def run(project: Path, *args: str, lang: str = "fr_FR.UTF-8") -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LC_")}
    env.update(LANG=lang, PYTHONPATH=str(REPO))
    return subprocess.run(
        [sys.executable, "-m", "publisher", "-C", str(project), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def broken_updates(project: Path) -> None:
    (project / UPDATE).write_text(
        '---\nstatus: fixed\nnext_update: "2019-11-24T09:00"\n---\nTexte.\n', encoding="utf-8"
    )
    (project / LATE).write_text(
        '---\nstatus: resolved\npublish_at: "2019-11-24T11:00"\nnext_update: "2019-11-24T10:00"\n'
        "approved_by: Marie\n---\nTexte.\n",
        encoding="utf-8",
    )


def test_check_says_what_is_wrong_with_an_update_in_french(example):
    broken_updates(example)
    result = run(example, "check", "--now", "2019-11-24T12:00")
    assert result.returncode == 2
    err = result.stderr
    assert (
        f"{UPDATE}:2: erreur: 'fixed' n’est pas une valeur possible pour status\n"
        "    solution: utilisez l’une de ces valeurs : investigating, identified, monitoring, resolved, "
        "scheduled, in_progress, completed\n"
    ) in err
    assert (
        f"{UPDATE}:1: erreur: 'publish_at' manquant\n"
        "    solution: ajoutez une ligne 'publish_at: …' dans l’en-tête (entre les lignes ---)\n"
    ) in err
    assert (
        f"{LATE}:4: erreur: next_update n’est pas après publish_at\n"
        "    solution: promettez une heure postérieure à celle de ce point, ou retirez next_update\n"
    ) in err
    assert "error" not in err and "fix:" not in err and "must" not in err


def test_lang_c_output_of_check_is_the_english_of_before(example):
    broken_updates(example)
    result = run(example, "check", "--now", "2019-11-24T12:00", lang="C")
    assert result.returncode == 2
    assert (
        f"{UPDATE}:2: error: 'fixed' is not a valid status\n"
        "    fix: use one of: investigating, identified, monitoring, resolved, scheduled, in_progress, "
        "completed\n"
        f"{UPDATE}:1: error: missing 'publish_at'\n"
        "    fix: add a line 'publish_at: …' to the front matter\n"
    ) in result.stderr
    assert (
        f"{LATE}:4: error: next_update is not after publish_at\n"
        "    fix: promise a time after this update's own time, or remove next_update\n"
    ) in result.stderr
    assert "’" not in result.stderr  # no French typography leaked into English


def test_a_broken_publisher_toml_is_explained_in_french(example):
    (example / "publisher.toml").write_text(
        '[site]\nbase_url = "ftp://statut.chu.example"\nbogus = 1\n[time]\nzone = "Europe/Pari"\n'
        '[channels.web]\ntype = "webside"\n',
        encoding="utf-8",
    )
    fr = run(example, "check")
    assert fr.returncode == 2
    assert (
        "publisher.toml:3: erreur: clé inconnue 'bogus' dans [site]\n    solution: clés connues : "
        in fr.stderr
    )
    assert "publisher.toml:5: erreur: fuseau horaire inconnu 'Europe/Pari'\n" in fr.stderr
    assert 'solution: utilisez un nom IANA, p. ex. zone = "Europe/Paris"' in fr.stderr
    assert "publisher.toml:2: erreur: base_url doit commencer par http:// ou https://" in fr.stderr
    assert "publisher.toml:6: erreur: type de canal inconnu 'webside' pour [channels.web]" in fr.stderr
    en = run(example, "check", lang="C")
    assert en.returncode == 2
    assert "publisher.toml:3: error: unknown key 'bogus' in [site]\n    fix: known keys: " in en.stderr
    assert "publisher.toml:6: error: unknown channel type 'webside' for [channels.web]" in en.stderr


def test_a_cached_finding_comes_back_in_the_language_of_the_run(example):
    """publish keeps parsed files and their findings in the parse cache: the finding stored by
    a French run is printed in English by the next, cached, English run, and back."""
    broken_updates(example)
    args = ("publish", "--dry-run", "--now", "2019-11-24T12:00")
    # --dry-run does not use the cache: fill it with a real pass first.
    first = run(example, "publish", "--now", "2019-11-24T12:00")
    assert "'fixed' n’est pas une valeur possible pour status" in first.stderr
    assert list((example / ".publisher").rglob("content.pickle")), "the pass kept no parse cache"
    english = run(example, "publish", "--now", "2019-11-24T12:00", lang="C")
    assert f"{UPDATE}:2: error: 'fixed' is not a valid status" in english.stderr
    assert "n’est pas" not in english.stderr
    french = run(example, "publish", "--now", "2019-11-24T12:00")
    assert f"{UPDATE}:2: erreur: 'fixed' n’est pas une valeur possible pour status" in french.stderr
    assert run(example, *args).returncode == 2


def test_json_log_lines_stay_english_under_a_french_locale(example):
    broken_updates(example)
    result = run(example, "publish", "--now", "2019-11-24T12:00", "--log-format", "json")
    content = [json.loads(line) for line in result.stdout.splitlines() if '"event": "content"' in line]
    by_line = {(c["path"], c["line"]): c for c in content}
    bad = by_line[(UPDATE, 2)]
    assert bad["error"] == "'fixed' is not a valid status"
    assert bad["fix"].startswith("use one of: investigating")
    assert bad["action"] == "error"


def test_status_json_content_errors_stay_english(example):
    broken_updates(example)
    result = run(example, "status", "--json", "--now", "2019-11-24T12:00")
    errors = json.loads(result.stdout)["content_errors"]
    assert (
        f"{UPDATE}:2: error: 'fixed' is not a valid status\n    fix: use one of: investigating"
        in "\n".join(errors)
    )


def test_a_text_is_its_english_and_pickles_as_msgid_and_values():
    text = Text("'{value}' is not a valid {key}", value="fixed", key="status")
    assert text == "'fixed' is not a valid status" and isinstance(text, str)
    again = pickle.loads(pickle.dumps(Diagnostic("a.md", 2, text, Joined(" ", [Text("{days} d", days=2)]))))
    assert again.message.msgid == "'{value}' is not a valid {key}"
    assert again.message.params == {"value": "fixed", "key": "status"}
    try:
        cli_text.install("fr")
        assert localized(again.message) == "'fixed' n’est pas une valeur possible pour status"
        assert localized(again.hint) == "2 j"
        assert (
            str(again)
            == "a.md:2: erreur: 'fixed' n’est pas une valeur possible pour status\n    solution: 2 j"
        )
        assert again.english() == "a.md:2: error: 'fixed' is not a valid status\n    fix: 2 d"
    finally:
        cli_text.install("en")
    assert str(again) == "a.md:2: error: 'fixed' is not a valid status\n    fix: 2 d"


def test_a_translation_naming_a_wrong_value_falls_back_to_english():
    try:
        cli_text.install("fr")
        wrong = Text("{name} {wrong}", name="keep", wrong=Text("must be at least {n}", n=2))
        assert localized(wrong) == "keep doit valoir au moins 2"
        cli_text._current._catalog["{name} {wrong}"] = "{nom} {faux}"  # a translator's typo
        assert localized(wrong) == "keep must be at least 2"  # English, never a crash
    finally:
        cli_text.install("en")
