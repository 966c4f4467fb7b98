"""Strict YAML front matter with line numbers.

We compose the YAML node graph ourselves instead of ``yaml.safe_load`` because (1) every
error must name the line of the offending key, and (2) YAML would turn ``2019-11-15 19:00``
into a naive datetime and ``no`` into False: times are parsed by :mod:`publisher.timeutil`
in the configured zone, and everything else stays text.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from publisher.cli_text import Text
from publisher.errors import Diagnostic

# A mapping value (``services:``): key -> (scalar or mapping of scalars, line of the key).
Mapping = dict[str, tuple["str | dict[str, str]", int]]

# libyaml's parser composes the same nodes about 5x faster (a quarter of the content load in
# a profile of a 1000-update corpus); the pure-Python one words the errors we show, so a
# file that libyaml refuses is parsed again by it.
FAST_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class Field:
    value: str | list[str] | Mapping | None
    line: int  # 1-based line in the file
    item_lines: tuple[int, ...] = ()  # a list's items: the line of each (`check` names it)


@dataclass(frozen=True)
class Document:
    fields: dict[str, Field]
    body: str
    body_line: int  # 1-based line of the body's first line
    header_line: int  # line of the opening ---


def split(text: str, path: str) -> tuple[str, int, str, int] | Diagnostic:
    """(front matter text, its first line, body, body's first line) or a diagnostic."""
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        return Diagnostic(
            path,
            1,
            Text("missing front matter"),
            Text("start the file with a line '---', the YAML keys, then '---'"),
        )
    for i in range(1, len(lines)):
        if lines[i].strip() in ("---", "..."):
            return "\n".join(lines[1:i]), 2, "\n".join(lines[i + 1 :]), i + 2
    return Diagnostic(
        path, 1, Text("front matter is not closed"), Text("add a line '---' after the last YAML key")
    )


MAX_DEPTH = 50  # front matter is texts, lists of texts and one level of mapping


def _too_deep(node: yaml.Node | None) -> bool:
    stack = [(node, 0)]
    while stack:
        current, depth = stack.pop()
        if depth > MAX_DEPTH:
            return True
        if isinstance(current, yaml.SequenceNode):
            stack.extend((child, depth + 1) for child in current.value)
        elif isinstance(current, yaml.MappingNode):
            stack.extend((child, depth + 1) for pair in current.value for child in pair)
    return False


def parse(text: str, path: str) -> Document | list[Diagnostic]:
    parts = split(text, path)
    if isinstance(parts, Diagnostic):
        return [parts]
    front, front_line, body, body_line = parts
    try:
        try:
            node = yaml.compose(front, Loader=FAST_LOADER)
            if _too_deep(node):
                # libyaml composes what the Python composer refuses by recursion: refuse it
                # the same way, so the file gets the same error whichever loader is present.
                raise RecursionError
        except yaml.YAMLError:
            node = yaml.compose(front, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = front_line + (mark.line if mark else 0)
        return [
            Diagnostic(
                path,
                line,
                Text("YAML syntax error: {problem}", problem=exc.problem or str(exc)),
                Text("check quotes and indentation; a value containing ': ' needs quotes"),
            )
        ]
    except yaml.YAMLError as exc:  # the reader's own errors (a character YAML refuses) carry no mark
        return [
            Diagnostic(
                path,
                front_line,
                Text("YAML error: {error}", error=str(exc)),
                Text("write plain 'key: value' lines"),
            )
        ]
    except RecursionError:
        # Front matter holds texts and lists of texts; thousands of nested brackets are an
        # attack or an accident, never content.
        return [
            Diagnostic(
                path,
                front_line,
                Text("front matter is nested too deeply"),
                Text("write plain 'key: value' lines (a value may be a list: [a, b])"),
            )
        ]
    fields: dict[str, Field] = {}
    problems: list[Diagnostic] = []
    if node is None:
        return Document(fields, body, body_line, 1)
    if not isinstance(node, yaml.MappingNode):
        return [
            Diagnostic(
                path,
                front_line,
                Text("front matter must be 'key: value' lines"),
                Text("write one 'key: value' per line"),
            )
        ]
    for key_node, value_node in node.value:
        line = front_line + key_node.start_mark.line
        key = str(key_node.value)
        if key in fields:
            problems.append(
                Diagnostic(
                    path,
                    line,
                    Text("'{key}' is given twice", key=key),
                    Text("keep one '{key}:' line (first at line {line})", key=key, line=fields[key].line),
                )
            )
            continue
        item_lines: tuple[int, ...] = ()
        if isinstance(value_node, yaml.ScalarNode):
            # A plain scalar's style is None from PyYAML's parser, "" from libyaml's.
            is_null = value_node.tag.endswith(":null") and not value_node.style
            value: str | list[str] | Mapping | None = (
                None
                if is_null and value_node.value in ("", "~", "null", "Null", "NULL")
                else str(value_node.value)
            )
        elif isinstance(value_node, yaml.SequenceNode) and all(
            isinstance(v, yaml.ScalarNode) for v in value_node.value
        ):
            value = [str(v.value) for v in value_node.value]
            item_lines = tuple(front_line + v.start_mark.line for v in value_node.value)
        elif isinstance(value_node, yaml.MappingNode) and (found := _mapping(value_node, front_line)):
            value = found
        else:
            problems.append(
                Diagnostic(
                    path,
                    line,
                    Text("'{key}' must be a text, a list of texts or (services:) 'id: state' lines", key=key),
                    Text("write '{key}: value' or '{key}: [a, b]'", key=key),
                )
            )
            continue
        fields[key] = Field(value, line, item_lines)
    return problems or Document(fields, body, body_line, 1)


@lru_cache(maxsize=4096)
def _field_lines(path: str, mtime: int) -> dict[str, int]:
    doc = parse(Path(path).read_text(encoding="utf-8"), path)
    return {} if isinstance(doc, list) else {k: f.line for k, f in doc.fields.items()}


def field_line(root: Path, shown: str, key: str, default: int = 1) -> int:
    """The line of front-matter field `key` in the update file `shown` (relative to root)."""
    path = root / shown
    try:
        return _field_lines(str(path), path.stat().st_mtime_ns).get(key, default)
    except OSError:
        return default


def _mapping(node: yaml.MappingNode, front_line: int) -> Mapping | None:
    """One level of ``key: scalar`` or ``key: {k: scalar}``; None for anything deeper."""
    out: Mapping = {}
    for k, v in node.value:
        if not isinstance(k, yaml.ScalarNode):
            return None
        line = front_line + k.start_mark.line
        if isinstance(v, yaml.ScalarNode):
            out[str(k.value)] = (str(v.value), line)
        elif isinstance(v, yaml.MappingNode) and all(
            isinstance(a, yaml.ScalarNode) and isinstance(b, yaml.ScalarNode) for a, b in v.value
        ):
            out[str(k.value)] = ({str(a.value): str(b.value) for a, b in v.value}, line)
        else:
            return None
    return out or None
