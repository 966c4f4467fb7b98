"""The French catalog of publisher's own words is complete, current and well-formed.

Like `publisher i18n stats --package` for the UI: every sentence publisher can say to a
person (a ``Text("…")`` finding or error, a ``say("…")`` label, every command's help, argparse's
own words) has a French translation that is neither missing nor fuzzy, names the same
``{values}``, and the catalog holds nothing the code no longer says. The msgids are taken
from the code itself (an AST walk), so a new message without a translation fails here.
"""

from __future__ import annotations

import argparse
import ast
import importlib
import re
from pathlib import Path

from babel.messages.pofile import read_po
from gettext_tools import msgfmt_check

from publisher import cli, cli_text

PACKAGE = Path(cli.__file__).resolve().parent
PO = PACKAGE / "locales" / "fr" / "LC_MESSAGES" / "publisher.po"

# Calls whose first argument is a msgid (Joined holds Texts, it is not one).
MARKERS = {"Text", "say", "mark"}
# Where a Text is built from a variable on purpose: the class itself.
DYNAMIC_OK = {"publisher/cli_text.py"}
# Calls whose message and hint (positional index, keyword) must be Texts, never bare English.
FINDINGS = {
    "Diagnostic": ((2, 3), ("message", "hint")),
    "FileRefused": ((1, 2), ("message", "hint")),
    "TargetRefused": ((1, 2), ("message", "hint")),
    "LocalTimeError": ((0, 1), ()),
    # Errors a person reads as the one `publisher: …` line.
    **{
        name: ((0,), ())
        for name in (
            "PublisherError",
            "UsageError",
            "AuthoringError",
            "InitError",
            "LedgerError",
            "LockHeld",
            "SpokenError",
        )
    },
}


def _literal(node: ast.expr) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _name(call: ast.Call) -> str | None:
    f = call.func
    return f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else None


def code_msgids() -> tuple[dict[str, str], list[str]]:
    """{msgid: where} of every marked string in publisher/, and the calls that are wrong."""
    found: dict[str, str] = {}
    wrong: list[str] = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE.parent).as_posix()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name, where = _name(node), f"{rel}:{node.lineno}"
            if name in MARKERS and node.args:
                msgid = _literal(node.args[0])
                if msgid is not None:
                    found.setdefault(msgid, where)
                elif name == "Text" and rel not in DYNAMIC_OK:
                    wrong.append(f"{where}: Text() of a computed string (translators cannot see it)")
            if name in FINDINGS:
                positions, keywords = FINDINGS[name]
                args = [a for i, a in enumerate(node.args) if i in positions]
                args += [k.value for k in node.keywords if k.arg in keywords]
                for arg in args:
                    if isinstance(arg, ast.JoinedStr) or (_literal(arg) or "") != "":
                        wrong.append(f"{where}: {name}() given bare English, not a Text: {ast.unparse(arg)}")
    return found, wrong


def parser_msgids() -> set[str]:
    """Every help text translate_parser() looks up, for the top parser and each command."""
    found: set[str] = set()

    def walk(p: argparse.ArgumentParser) -> None:
        found.update(s for s in (p.description, p.epilog) if s)
        for group in p._action_groups:
            found.update(s for s in (group.title, group.description) if s)
        for action in p._actions:
            if action.help and action.help is not argparse.SUPPRESS:
                found.add(action.help)
            if isinstance(action, argparse._SubParsersAction):
                found.update(c.help for c in action._choices_actions if c.help)
                for sub in set(action.choices.values()):
                    walk(sub)

    cli_text.install("en")
    walk(cli.parser())
    for name, (module, help_text) in cli.COMMANDS.items():
        if not module:  # `drill` only sets a flag, then runs another command (cli.py)
            continue
        p = argparse.ArgumentParser(prog=f"publisher {name}", description=help_text)
        importlib.import_module(module).register(p)
        walk(p)
    return found


def argparse_msgids() -> set[str]:
    """argparse's own words (usage:, its errors), as its source marks them."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(Path(argparse.__file__).read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and _name(node) in ("_", "ngettext") and node.args:
            found.update(s for s in map(_literal, node.args[:2]) if s is not None)
    return found


def catalog():  # type: ignore[no-untyped-def]
    with PO.open("rb") as f:
        return read_po(f, locale="fr")


def placeholders(text: str) -> set[str]:
    brace = set(re.findall(r"(?<!\{)\{(\w*)(?:[!:][^}]*)?\}", text.replace("{{", "").replace("}}", "")))
    percent = set(re.findall(r"%\((\w+)\)", text))
    return brace | percent


def test_every_sentence_publisher_says_has_a_french_translation():
    said, _ = code_msgids()
    cat = catalog()
    missing = [
        f"{where}: {msgid!r}" for msgid, where in sorted(said.items(), key=lambda i: i[1]) if msgid not in cat
    ]
    untranslated = [f"{said[m.id]}: {m.id!r}" for m in cat if m.id in said and (not m.string or m.fuzzy)]
    assert not missing, f"{len(missing)} msgid(s) missing from {PO.name}:\n" + "\n".join(missing)
    assert not untranslated, f"{len(untranslated)} untranslated or fuzzy:\n" + "\n".join(untranslated)


def test_every_command_help_has_a_french_translation():
    cat = catalog()
    missing = sorted(h for h in parser_msgids() if h not in cat or not cat[h].string or cat[h].fuzzy)
    assert not missing, "help without a French translation:\n" + "\n".join(missing)


def test_findings_and_errors_are_texts_not_bare_english():
    _, wrong = code_msgids()
    assert not wrong, "\n".join(wrong)


def test_the_catalog_holds_nothing_obsolete_or_fuzzy():
    cat = catalog()
    said, _ = code_msgids()
    used = set(said) | parser_msgids() | argparse_msgids()
    assert not cat.obsolete, f"obsolete entries: {sorted(cat.obsolete)}"
    fuzzy = [m.id for m in cat if m.id and m.fuzzy]
    assert not fuzzy, f"fuzzy entries: {fuzzy}"
    ids = [m.id for m in cat if m.id]
    unused = [m for m in ids if (m[0] if isinstance(m, tuple) else m) not in used]
    assert not unused, "entries the code no longer says (remove them):\n" + "\n".join(map(repr, unused))


def test_each_translation_names_the_same_values():
    bad = [
        f"{m.id!r}: {sorted(placeholders(m.id))} vs {sorted(placeholders(m.string))}"
        for m in catalog()
        if m.id and isinstance(m.id, str) and isinstance(m.string, str) and m.string
        if placeholders(m.id) != placeholders(m.string)
    ]
    assert not bad, "\n".join(bad)


def test_msgfmt_accepts_the_catalog():
    msgfmt_check(PO)
