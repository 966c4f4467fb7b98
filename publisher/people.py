"""Who may write, approve and translate: ``[people]`` in publisher.toml, and who is acting.

Each person is a table named by a short handle (what front matter records)::

    [people.mdupont]
    name = "Marie Dupont"
    email = "marie.dupont@chu-rouen.example"
    roles = ["author"]

The acting person comes from ``--as``, else ``PUBLISHER_USER``, else (with ``[people]``)
the git user (``git config user.email`` then ``user.name``); each is matched against the
handle, the name or the e-mail, case-insensitively. A project without ``[people]`` keeps
the old, unchecked behaviour: the name given by --as or PUBLISHER_USER is recorded as is
(docs/approval.md).
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from publisher.errors import Diagnostic, PeopleError, did_you_mean

ROLES = ("author", "approver", "translator")
PERSON_KEYS = ("name", "email", "roles")
HANDLE = re.compile(r"^[a-z0-9][a-z0-9._-]*$")


__all__ = ["PeopleError", "People", "Person", "acting", "parse_people"]


@dataclass(frozen=True)
class Person:
    handle: str
    name: str
    email: str
    roles: tuple[str, ...]

    def has(self, role: str) -> bool:
        return role in self.roles

    def __str__(self) -> str:
        return f"{self.name} ({self.handle})" if self.name != self.handle else self.handle

    def matches(self, who: str) -> bool:
        who = who.strip().casefold()
        return bool(who) and who in (self.handle.casefold(), self.name.casefold(), self.email.casefold())


@dataclass(frozen=True)
class People:
    persons: tuple[Person, ...] = ()

    @property
    def declared(self) -> bool:
        return bool(self.persons)

    @cached_property
    def _index(self) -> dict[str, Person]:
        index: dict[str, Person] = {}
        for p in reversed(self.persons):  # the first person listed wins a shared key
            for key in (p.email, p.name, p.handle):
                if key:
                    index[key.casefold()] = p
        return index

    def find(self, who: str | None) -> Person | None:
        if not who:
            return None
        return self._index.get(who.strip().casefold())

    def with_role(self, role: str) -> tuple[Person, ...]:
        return tuple(p for p in self.persons if p.has(role))

    def shown(self, who: str | None) -> str:
        """A handle as a reader wants it: 'Marie Dupont (mdupont)', or the text as written."""
        person = self.find(who)
        return str(person) if person else str(who or "nobody")


def parse_people(given: Any, line_of: Any, shown: str, problems: list[Diagnostic]) -> tuple[Person, ...]:
    """The [people] tables; every problem names its line and what to write instead."""
    if not isinstance(given, dict):
        problems.append(
            Diagnostic(shown, line_of("people"), "[people] must hold tables like [people.mdupont]", "")
        )
        return ()
    persons: list[Person] = []
    for handle, table in given.items():
        line = line_of(f"people.{handle}")
        if not isinstance(table, dict):
            problems.append(
                Diagnostic(
                    shown,
                    line,
                    f"people.{handle} must be a table",
                    f'write [people.{handle}] then name = "…", roles = ["author"]',
                )
            )
            continue
        if not HANDLE.match(handle):
            problems.append(
                Diagnostic(
                    shown,
                    line,
                    f"'{handle}' is not a usable handle",
                    "use lower-case letters, digits, '.', '_' or '-', e.g. [people.mdupont]",
                )
            )
        for key in table:
            if key not in PERSON_KEYS:
                problems.append(
                    Diagnostic(
                        shown,
                        line,
                        f"unknown key '{key}' in [people.{handle}]",
                        f"{did_you_mean(key, PERSON_KEYS)}known keys: {', '.join(PERSON_KEYS)}",
                    )
                )
        name = table.get("name", handle)
        email = table.get("email", "")
        roles = table.get("roles", [])
        if not isinstance(name, str) or not name.strip():
            problems.append(Diagnostic(shown, line, f"[people.{handle}] name must be a text", ""))
            name = handle
        if not isinstance(email, str):
            problems.append(Diagnostic(shown, line, f"[people.{handle}] email must be a text", ""))
            email = ""
        if not isinstance(roles, list) or not roles or not all(isinstance(r, str) for r in roles):
            problems.append(
                Diagnostic(
                    shown,
                    line,
                    f"[people.{handle}] needs roles, a list of {', '.join(ROLES)}",
                    'e.g. roles = ["author", "approver"]',
                )
            )
            roles = []
        for role in roles:
            if role not in ROLES:
                problems.append(
                    Diagnostic(
                        shown,
                        line,
                        f"[people.{handle}] unknown role '{role}'",
                        f"{did_you_mean(role, ROLES)}roles are: {', '.join(ROLES)}",
                    )
                )
        persons.append(Person(handle, name.strip(), email.strip(), tuple(r for r in roles if r in ROLES)))
    return tuple(persons)


def git_user(cwd: Any = None) -> str | None:
    """The git user of the project (e-mail first: names are not unique), or None."""
    for key in ("user.email", "user.name"):
        try:
            out = subprocess.run(
                ["git", "config", key],
                cwd=cwd,
                capture_output=True,
                text=True,
                timeout=5,
                check=False,
            )
        except (OSError, subprocess.SubprocessError):
            return None
        if out.returncode == 0 and out.stdout.strip():
            return out.stdout.strip()
    return None


def acting(
    people: People,
    given: str | None,
    role: str,
    cwd: Any = None,
    environ: Mapping[str, str] | None = None,
) -> str:
    """The handle of whoever is acting in `role` (or the name as given without [people]).

    Raises PeopleError (exit 2) for an unknown person or a missing role: nothing is written.
    """
    env = os.environ if environ is None else environ
    sources = [("--as", given), ("PUBLISHER_USER", env.get("PUBLISHER_USER"))]
    if not given and not env.get("PUBLISHER_USER") and people.declared:
        # Only matched against [people]: without a list, the git user of whatever machine
        # runs the command is not a record of who wrote or approved anything.
        sources.append(("the git user", git_user(cwd)))
    source, who = next(((s, w) for s, w in sources if w), ("", None))
    if not who:
        raise PeopleError(
            "who is acting? give --as NAME, or set PUBLISHER_USER"
            + (", or configure git's user.email" if people.declared else "")
        )
    if not people.declared:
        return who.strip()
    person = people.find(who)
    if person is None:
        handles = [p.handle for p in people.persons]
        raise PeopleError(
            f"'{who}' ({source}) is not in [people] of publisher.toml; "
            f"{did_you_mean(who, handles)}known: {', '.join(handles)}"
        )
    if not person.has(role):
        allowed = ", ".join(p.handle for p in people.with_role(role)) or "nobody yet"
        raise PeopleError(
            f"{person} may not act as {role} (roles: {', '.join(person.roles) or 'none'}); "
            f"people who may: {allowed}. Add '{role}' to their roles in [people.{person.handle}] "
            "if that is intended"
        )
    return person.handle
