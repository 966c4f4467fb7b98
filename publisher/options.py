"""One option schema for everything publisher.toml holds: config sections and channel options.

An :class:`Option` names a key, its type, its default and a help line, and optionally the
values it may take or a check of its own. :func:`validate` turns a table into problems
``(key, what is wrong, how to fix)`` (unknown keys get a "did you mean"), and :func:`resolve`
fills in the defaults. A channel declares its options once::

    OPTIONS = (
        Option("base_url", str, "", "address of the API", required=True, check=http_url),
        Option("timeout", float, 20, "seconds to wait for an answer"),
    )

and its ``validate_options`` is ``validate(OPTIONS, options, "a wordpress channel")``, plus
any rule that ties two options together. Types: ``str``, ``int``, ``float`` (any number),
``bool``, ``list`` (of strings), and the config's ``LocalizedText``/``LocalizedList``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from publisher.cli_text import Text
from publisher.errors import did_you_mean

Problem = tuple[str, str, str]  # (key, what is wrong, how to fix)


class LocalizedText:
    """Type marker: a string (written in the source language) or a table language → string.

    ``title = "CHU de Rouen"`` or ``title = { fr = "CHU de Rouen", en = "Rouen University
    Hospital" }``. A language missing from the table gets the source-language text, marked
    with its ``lang`` on the page (WCAG 3.1.2).
    """


class LocalizedList:
    """Type marker: a list of strings, or a table language → list of strings."""


TYPE_NAMES: dict[type, str] = {
    str: Text("string"),
    int: Text("integer"),
    float: Text("number"),
    bool: Text("boolean (true or false)"),
    list: Text("list of strings"),
    LocalizedText: Text("string, or a table of language = string"),
    LocalizedList: Text("list of strings, or a table of language = list of strings"),
}


def accepts(kind: type, value: Any) -> bool:
    """Whether `value` (as TOML gives it) is of the option type `kind`."""
    if kind is LocalizedText:
        return isinstance(value, str) or (
            isinstance(value, dict) and bool(value) and all(isinstance(v, str) for v in value.values())
        )
    if kind is LocalizedList:
        return accepts(list, value) or (
            isinstance(value, dict) and bool(value) and all(accepts(list, v) for v in value.values())
        )
    if kind is bool:
        return isinstance(value, bool)
    if isinstance(value, bool):  # TOML booleans are ints to Python: never a number here
        return False
    if kind is float:
        return isinstance(value, int | float)
    if kind is list:
        return isinstance(value, list) and all(isinstance(v, str) for v in value)
    return isinstance(value, kind)


def toml_value(value: Any) -> str:
    """`value` as it would be written in publisher.toml."""
    if isinstance(value, dict):
        value = next(iter(value.values()))
    return repr(value).replace("'", '"').replace("True", "true").replace("False", "false")


@dataclass(frozen=True)
class Option:
    name: str
    type: type
    default: Any
    help: str
    required: bool = False
    choices: tuple[str, ...] = ()
    # What is wrong with a value of the right type, or None (e.g. "must start with http://").
    check: Callable[[Any], str | None] | None = None
    example: Any = None  # shown in hints; the default when None

    @property
    def type_name(self) -> str:
        return TYPE_NAMES.get(self.type, self.type.__name__)

    def line(self) -> str:
        """The option written in publisher.toml, with its example (or default) value."""
        return f"{self.name} = {toml_value(self.default if self.example is None else self.example)}"

    def hint(self) -> str:
        return Text("for example: {line}", line=self.line())

    def problem(self, value: Any) -> Problem | None:
        if not accepts(self.type, value):
            return (
                self.name,
                Text("{name} must be a {type} ({help})", name=self.name, type=self.type_name, help=self.help),
                self.hint(),
            )
        if self.choices and value not in self.choices:
            return (
                self.name,
                Text(
                    "{name} must be one of {choices}, not {value}",
                    name=self.name,
                    choices=", ".join(self.choices),
                    value=toml_value(value),
                ),
                Text(
                    "{did_you_mean}{help}",
                    did_you_mean=did_you_mean(str(value), self.choices),
                    help=self.help,
                ),
            )
        wrong = self.check(value) if self.check else None
        return (
            (self.name, Text("{name} {wrong}", name=self.name, wrong=wrong), self.hint()) if wrong else None
        )


def by_name(*options: Option) -> dict[str, Option]:
    return {o.name: o for o in options}


def validate(schema: Iterable[Option], given: Mapping[str, Any], what: str) -> list[Problem]:
    """Every problem of the table `given` against `schema`; `what` names its owner in messages
    ("a facebook channel")."""
    options = {o.name: o for o in schema}
    problems: list[Problem] = []
    for key, value in given.items():
        option = options.get(key)
        if option is None:
            problems.append(
                (
                    key,
                    Text("unknown option '{key}' for {what}", key=key, what=what),
                    Text(
                        "{did_you_mean}known options: {options}",
                        did_you_mean=did_you_mean(key, tuple(options)),
                        options=", ".join(options),
                    ),
                )
            )
            continue
        found = option.problem(value)
        if found:
            problems.append(found)
    for option in options.values():
        if option.required and option.name not in given:
            problems.append(
                (
                    option.name,
                    Text("missing '{name}' ({help})", name=option.name, help=option.help),
                    Text("add {line}", line=option.line()),
                )
            )
    return problems


def resolve(schema: Iterable[Option], given: Mapping[str, Any]) -> dict[str, Any]:
    """The table with every option's default filled in (call after validate)."""
    return {o.name: given.get(o.name, o.default) for o in schema}


# Checks shared by several options.
def http_url(value: str) -> str | None:
    return None if re.match(r"^https?://", value) else Text("must start with http:// or https://")


def env_name(value: str) -> str | None:
    if not value or re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", value):
        return None
    return Text(
        "is the *name* of an environment variable, not the secret itself (export the secret under that name)"
    )


def at_least(n: int) -> Callable[[Any], str | None]:
    return lambda value: None if value >= n else Text("must be at least {n}", n=n)
