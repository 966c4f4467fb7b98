"""Markdown → readable plain text for social posts, and the lengths social networks count.

Social networks show text, not HTML: emphasis markers would appear as stray asterisks and a
link's target would vanish. So the same markdown-it parse the site uses is walked here and
flattened into blocks of plain text: a link becomes ``text (URL)`` (or just the URL when the
text is the URL), a list becomes one line per item, a heading its own line. Phone and mail
links keep only their visible text: the number is already what a reader needs.

Lengths follow Mastodon's validator: grapheme clusters, every URL counting as a fixed number
of characters (23 on every known instance), ``@user@domain`` counting as ``@user``.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from urllib.parse import urljoin

import regex
from markdown_it.token import Token

from publisher.fsutil import PickledTable
from publisher.markup import parser

_URL = re.compile(r"https?://[^\s<>\"]+")
_TRAILING = ".,;:!?)'\"»"
_MENTION = re.compile(r"(^|[^/\w])@(([a-z0-9_]+)@[a-z0-9.\-]+[a-z0-9]+)", re.IGNORECASE)
_GRAPHEME = regex.compile(r"\X")
TEXT_ONLY_SCHEMES = ("tel:", "mailto:")


def _inline(children: Sequence[Token], page_url: str) -> str:
    out: list[str] = []
    link_stack: list[tuple[str, int]] = []  # (href, index in out where the link text starts)
    for tok in children:
        if tok.type in ("text", "code_inline", "html_inline"):
            out.append(tok.content)
        elif tok.type == "softbreak":
            out.append(" ")
        elif tok.type == "hardbreak":
            out.append("\n")
        elif tok.type == "link_open":
            link_stack.append((str(tok.attrs.get("href", "")), len(out)))
        elif tok.type == "link_close" and link_stack:
            href, start = link_stack.pop()
            text = "".join(out[start:]).strip()
            del out[start:]
            out.append(_link(text, href, page_url))
        elif tok.type == "image":
            src = str(tok.attrs.get("src", ""))
            alt = "".join(c.content for c in tok.children or [])
            out.append(_link(alt, src, page_url))
        # strong/em open/close: emphasis has no plain-text form; the words stay.
    return "".join(out).strip()


def _link(text: str, href: str, page_url: str) -> str:
    if href.lower().startswith(TEXT_ONLY_SCHEMES):
        return text or href.split(":", 1)[1]
    url = urljoin(page_url, href) if page_url else href
    bare = url.split("://", 1)[-1].rstrip("/").removeprefix("www.")
    if not text or text.rstrip("/").removeprefix("www.") in (url.rstrip("/"), bare):
        return url
    return f"{text} ({url})"


def blocks(markdown: str, page_url: str = "") -> list[tuple[str, str]]:
    """Top-level blocks as (kind, text): kind is paragraph, heading, list, quote, code or rule.

    Relative links are resolved against ``page_url`` (the page the text is published on).
    """
    if _cache is not None:
        return list(_cache.get(markdown, page_url))
    return list(_blocks(markdown, page_url))


class TextCache:
    """Flattened texts kept across runs (one pickle in the state dir), keyed by the Markdown,
    the page URL and this module's own bytes: a replan after one new update re-parses only
    that update. Unreadable or from other code means empty; unused entries are dropped."""

    def __init__(self, path: Path) -> None:
        self.table = PickledTable(path, hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:16])

    def get(self, markdown: str, page_url: str) -> tuple[tuple[str, str], ...]:
        key = hashlib.sha256(f"{page_url}\0{markdown}".encode()).hexdigest()[:32]
        hit: tuple[tuple[str, str], ...] | None = self.table.get(key)
        if hit is None:
            hit = _blocks(markdown, page_url)
            self.table.put(key, hit)
        return hit

    def save(self) -> None:
        self.table.save()


_cache: TextCache | None = None


def use_cache(path: Path) -> TextCache:
    """Make blocks() read and fill the cache at `path` (one per process and path)."""
    global _cache
    if _cache is None or _cache.table.path != path:
        _cache = TextCache(path)
    return _cache


@lru_cache(maxsize=65536)  # every social channel of a pass flattens the same texts
def _blocks(markdown: str, page_url: str) -> tuple[tuple[str, str], ...]:
    found: list[tuple[str, str]] = []
    depth = 0  # nesting inside lists/quotes
    lines: list[str] = []  # lines of the top-level list or quote being read
    kind = ""
    counters: list[int | None] = []  # per open list: next number, or None for bullets
    marker = ""  # list marker waiting for its item's first paragraph
    for tok in parser().parse(markdown):
        t = tok.type
        if t in ("bullet_list_open", "ordered_list_open", "blockquote_open"):
            if depth == 0:
                kind, lines = ("quote" if t == "blockquote_open" else "list"), []
            depth += 1
            if t != "blockquote_open":
                counters.append(int(tok.attrs.get("start", 1) or 1) if t == "ordered_list_open" else None)
        elif t in ("bullet_list_close", "ordered_list_close", "blockquote_close"):
            depth -= 1
            if t != "blockquote_close":
                counters.pop()
            if depth == 0:
                found.append((kind, "\n".join(lines)))
        elif t == "list_item_open":
            number = counters[-1]
            if number is not None:
                counters[-1] = number + 1
            marker = "  " * (len(counters) - 1) + ("• " if number is None else f"{number}. ")
        elif t == "heading_open" and depth == 0:
            kind = "heading"
        elif t == "inline":
            text = _inline(tok.children or [], page_url)
            if depth == 0:
                found.append(("heading" if kind == "heading" else "paragraph", text))
                kind = ""
            else:
                prefix = "> " if kind == "quote" and not counters else ""
                lines.append(prefix + marker + text)
                marker = ""
        elif t in ("fence", "code_block"):
            text = tok.content.rstrip("\n")
            if depth == 0:
                found.append(("code", text))
            else:
                lines.append(text)
        elif t == "hr" and depth == 0:
            found.append(("rule", "———"))
    return tuple((k, text) for k, text in found if text.strip())


def to_text(markdown: str, page_url: str = "") -> str:
    """The whole Markdown text as plain text, blocks separated by a blank line."""
    return "\n\n".join(text for _kind, text in blocks(markdown, page_url))


def urls(text: str) -> list[tuple[int, int]]:
    """Spans of the URLs a social network would linkify (trailing punctuation excluded)."""
    spans = []
    for m in _URL.finditer(text):
        end = m.end()
        while end > m.start() and text[end - 1] in _TRAILING:
            end -= 1
        spans.append((m.start(), end))
    return spans


def graphemes(text: str) -> int:
    return len(_GRAPHEME.findall(text))


def length(text: str, url_length: int | None = 23) -> int:
    """Characters as Mastodon counts them; url_length=None counts URLs as written."""
    if url_length is not None:
        parts, last = [], 0
        for start, end in urls(text):
            parts.append(text[last:start] + "x" * url_length)
            last = end
        parts.append(text[last:])
        text = _MENTION.sub(r"\1@\3", "".join(parts))
    return graphemes(text)
