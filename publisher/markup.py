"""Markdown → safe HTML, and Markdown → translation blocks.

One parser (markdown-it-py, CommonMark, raw HTML off) serves both, so the blocks a
translator sees are exactly the blocks that are rendered: the block structure always comes
from the source text and a translation only replaces the inline content of a block.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from markdown_it import MarkdownIt
from markdown_it.token import Token

ALLOWED_SCHEMES = ("http", "https", "mailto", "tel")
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*):")
_SOFT_BREAK = re.compile(r"(?<!\\)[ \t]*\n[ \t]*")


# XML 1.0 forbids C0 controls other than tab/newline/CR, and U+FFFE/U+FFFF: one of them in a
# title or a body makes every feed that carries it non-well-formed, so texts are refused.
_XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_forbidden(text: str) -> tuple[int, str] | None:
    """(1-based line, 'U+XXXX') of the first character XML forbids in `text`, or None."""
    m = _XML_FORBIDDEN.search(text)
    if m is None:
        return None
    return text.count("\n", 0, m.start()) + 1, f"U+{ord(m.group()):04X}"


def link_allowed(url: str) -> bool:
    """http(s), mailto and tel, or a relative link inside the site; nothing else."""
    m = _SCHEME.match(url.strip())
    return m is None or m.group(1).lower() in ALLOWED_SCHEMES


@lru_cache(maxsize=1)
def parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.validateLink = link_allowed  # type: ignore[method-assign]
    return md


@lru_cache(maxsize=1)
def block_parser() -> MarkdownIt:
    """The same parser without its inline pass: the block structure and each block's raw
    inline text (with line maps), which is all that blocks() and links() read. Parsing the
    inlines was about half of the load path's Markdown time in a profile."""
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.validateLink = link_allowed  # type: ignore[method-assign]
    md.disable("inline")
    return md


@dataclass(frozen=True)
class Block:
    """One translation unit: a paragraph, a heading or a list-item paragraph."""

    text: str  # the msgid: block source with soft breaks folded to spaces
    line: int  # 1-based line inside the Markdown text
    kind: str  # "paragraph", "heading h2", "bullet list / paragraph", ...


def normalize(source: str) -> str:
    return _SOFT_BREAK.sub(" ", source).strip()


def blocks(markdown: str) -> list[Block]:
    """The translation units of a Markdown text, in order (code blocks are not units)."""
    tokens = block_parser().parse(markdown)
    found: list[Block] = []
    stack: list[str] = []
    for i, tok in enumerate(tokens):
        if tok.type in ("bullet_list_open", "ordered_list_open", "blockquote_open"):
            stack.append(tok.type.removesuffix("_open").replace("_", " "))
        elif tok.type in ("bullet_list_close", "ordered_list_close", "blockquote_close"):
            stack.pop()
        elif tok.type == "inline" and tok.map is not None:
            prev = tokens[i - 1]
            kind = f"heading {prev.tag}" if prev.type == "heading_open" else " / ".join([*stack, "paragraph"])
            found.append(Block(normalize(tok.content), tok.map[0] + 1, kind))
    return found


_MAYBE_LINK = re.compile(r"\]\(|<[a-zA-Z][a-zA-Z0-9+.-]*:")


def links(markdown: str) -> list[tuple[int, str]]:
    """(line, target) of every link written in the text, including refused ones."""
    found: list[tuple[int, str]] = []
    if not _MAYBE_LINK.search(markdown):
        return found  # most texts have no link: skip the parse on the load path
    for tok in block_parser().parse(markdown):
        if tok.type != "inline" or tok.map is None:
            continue
        line = tok.map[0] + 1
        for m in re.finditer(r"\]\(\s*<?([^)\s>]+)", tok.content):
            found.append((line, m.group(1)))
        for m in re.finditer(r"<([a-zA-Z][a-zA-Z0-9+.-]*:[^>\s]*)>", tok.content):
            found.append((line, m.group(1)))
    return found


@lru_cache(maxsize=65536)
def invariants(inline_markdown: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(link targets, code spans) of one inline text, sorted: a translation must keep both.

    Cached: the same msgid is checked for every language and every build of a preview.
    """
    env: dict[str, object] = {}
    children = parser().parseInline(inline_markdown, env)[0].children or []
    # Images count as links: a translation may not add one (an outside request, a tracker).
    return _children_invariants(children)


def _children_invariants(children: Sequence[Token]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    return (
        tuple(
            sorted(
                str(c.attrs.get("href" if c.type == "link_open" else "src", ""))
                for c in children
                if c.type in ("link_open", "image")
            )
        ),
        tuple(sorted(c.content for c in children if c.type == "code_inline")),
    )


def references(markdown: str) -> dict[str, object]:
    """The document's reference definitions (``[std]: tel:15``), as markdown-it's env."""
    env: dict[str, object] = {}
    if "]:" in markdown:
        parser().parse(markdown, env)
    return env


def reference_changes(markdown: str, translate: Callable[[str], str | None]) -> list[tuple[int, str, str]]:
    """(line, msgid, translation) of each block whose translation, read with the document's
    own reference definitions, adds, drops or retargets a link: ``[15][std]`` names another
    definition's target, and the per-block invariants cannot see that without the document."""
    env = references(markdown)
    if not env.get("references"):
        return []
    md = parser()
    changed = []
    for tok in md.parse(markdown, dict(env)):
        if tok.type != "inline" or tok.map is None:
            continue
        msgid = normalize(tok.content)
        text = translate(msgid)
        if text is None:
            continue
        theirs = md.parseInline(text, dict(env))[0].children or []
        if _children_invariants(tok.children or []) != _children_invariants(theirs):
            changed.append((tok.map[0] + 1, msgid, text))
    return changed


def link_targets(inline_markdown: str) -> list[str]:
    return list(invariants(inline_markdown)[0])


def code_spans(inline_markdown: str) -> list[str]:
    return list(invariants(inline_markdown)[1])


def to_html(markdown: str, translate: Callable[[str], str] | None = None) -> str:
    """Render Markdown to HTML; `translate(msgid) -> text` replaces each block's inline text."""
    md = parser()
    env: dict[str, object] = {}
    tokens = md.parse(markdown, env)
    if translate is not None:
        _replace_inlines(tokens, translate, env)
    return md.renderer.render(tokens, md.options, env)


def to_html_translated(
    markdown: str, lookup: Callable[[str], str | None]
) -> tuple[str | None, dict[str, str], int]:
    """One parse: (HTML or None when any block is untranslated, msgid->text table, missing).

    The source is parsed once; each block's inline content is swapped for its translation,
    so the block structure (lists, headings) always comes from the source.
    """
    md = parser()
    env: dict[str, object] = {}
    # The block pass only: every inline is replaced by its translation's parse, so parsing
    # the source's inlines would be thrown away (a third of this function in a profile).
    tokens = block_parser().parse(markdown, env)
    table: dict[str, str] = {}
    missing = 0
    for tok in tokens:
        if tok.type == "inline" and tok.map is None:  # not a translation unit: as written
            tok.children = md.parseInline(tok.content, env)[0].children
    inlines = [t for t in tokens if t.type == "inline" and t.map is not None]
    with_refs = bool(env.get("references"))
    for tok in inlines:
        msgid = normalize(tok.content)
        text = lookup(msgid)
        if text is not None and with_refs:
            # Reference links resolve against this document's definitions: compare what the
            # reader would actually follow, not what the block's text says alone.
            # The block pass left the source's inlines unparsed: parse this one here, only
            # when the document has reference definitions (most have none).
            ours = md.parseInline(tok.content, dict(env))[0].children or []
            theirs = md.parseInline(text, dict(env))[0].children or []
            if _children_invariants(ours) != _children_invariants(theirs):
                text = None
        if text is None:
            missing += 1
        else:
            table[msgid] = text
    if missing:
        return None, table, missing
    for tok in inlines:
        tok.children = md.parseInline(table[normalize(tok.content)], env)[0].children
    return md.renderer.render(tokens, md.options, env), table, 0


def _replace_inlines(
    tokens: Sequence[Token], translate: Callable[[str], str], env: dict[str, object]
) -> None:
    md = parser()
    for tok in tokens:
        if tok.type == "inline" and tok.map is not None:
            tok.children = md.parseInline(translate(normalize(tok.content)), env)[0].children


def inline_html(text: str) -> str:
    """One inline text (a what-to-do line, a service note) as HTML without a paragraph."""
    return parser().renderInline(text)
