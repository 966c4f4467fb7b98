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
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
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


def _inline(children: Sequence[Token], page_url: str, tels: list[str] | None = None) -> str:
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
            href = str(tok.attrs.get("href", ""))
            if tels is not None and href.lower().startswith("tel:"):
                tels.append(href[4:])
            link_stack.append((href, len(out)))
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
    return list(_join(units(markdown, page_url)))


class TextCache:
    """Flattened texts kept across runs (one pickle in the state dir), keyed by the Markdown,
    the page URL and this module's own bytes: a replan after one new update re-parses only
    that update. Unreadable or from other code means empty; unused entries are dropped."""

    def __init__(self, path: Path) -> None:
        self.table = PickledTable(path, hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:16])

    def get(self, markdown: str, page_url: str) -> tuple[Unit, ...]:
        key = hashlib.sha256(f"{page_url}\0{markdown}".encode()).hexdigest()[:32]
        hit: tuple[Unit, ...] | None = self.table.get(key)
        if hit is None:
            hit = _units(markdown, page_url)
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


@dataclass(frozen=True)
class Unit:
    """The smallest piece of text post fitting keeps or leaves out: a paragraph, a heading,
    one list item (with its marker), one quoted paragraph, a code block, a rule."""

    kind: str  # paragraph | heading | item | quote | code | rule
    text: str
    group: int  # units of one top-level block (the items of one list) share it
    tel: tuple[str, ...] = ()  # targets of the tel: links in it


def units(markdown: str, page_url: str = "") -> tuple[Unit, ...]:
    """The text as units (see :class:`Unit`); relative links resolved against ``page_url``."""
    if _cache is not None:
        return _cache.get(markdown, page_url)
    return _units(markdown, page_url)


@lru_cache(maxsize=65536)  # every social channel of a pass flattens the same texts
def _blocks(markdown: str, page_url: str) -> tuple[tuple[str, str], ...]:
    return _join(units(markdown, page_url))


def _join(found: Sequence[Unit]) -> tuple[tuple[str, str], ...]:
    """Units back into top-level blocks: a list or a quote is one block, one line per unit."""
    out: list[tuple[str, str]] = []
    last_group = None
    for u in found:
        if u.group == last_group and out:
            kind, text = out[-1]
            out[-1] = (kind, text + "\n" + u.text)
        else:
            kind = {"item": "list", "quote": "quote"}.get(u.kind, u.kind)
            out.append((kind, u.text))
        last_group = u.group
    return tuple(out)


@lru_cache(maxsize=65536)
def _units(markdown: str, page_url: str) -> tuple[Unit, ...]:
    found: list[Unit] = []
    depth = 0  # nesting inside lists/quotes
    group = 0  # index of the top-level block being read
    kind = ""
    outer = ""  # "list" or "quote": what the top-level block being read is
    counters: list[int | None] = []  # per open list: next number, or None for bullets
    marker = ""  # list marker waiting for its item's first paragraph
    for tok in parser().parse(markdown):
        t = tok.type
        if t in ("bullet_list_open", "ordered_list_open", "blockquote_open"):
            if depth == 0:
                outer = "quote" if t == "blockquote_open" else "list"
                group += 1
            depth += 1
            if t != "blockquote_open":
                counters.append(int(tok.attrs.get("start", 1) or 1) if t == "ordered_list_open" else None)
        elif t in ("bullet_list_close", "ordered_list_close", "blockquote_close"):
            depth -= 1
            if t != "blockquote_close":
                counters.pop()
        elif t == "list_item_open":
            number = counters[-1]
            if number is not None:
                counters[-1] = number + 1
            marker = "  " * (len(counters) - 1) + ("• " if number is None else f"{number}. ")
        elif t == "heading_open" and depth == 0:
            kind = "heading"
        elif t == "inline":
            tels: list[str] = []
            text = _inline(tok.children or [], page_url, tels)
            if depth == 0:
                group += 1
                found.append(Unit("heading" if kind == "heading" else "paragraph", text, group, tuple(tels)))
                kind = ""
            else:
                prefix = "> " if outer == "quote" and not counters else ""
                unit_kind = "quote" if outer == "quote" and not counters else "item"
                found.append(Unit(unit_kind, prefix + marker + text, group, tuple(tels)))
                marker = ""
        elif t in ("fence", "code_block"):
            text = tok.content.rstrip("\n")
            if depth == 0:
                group += 1
                found.append(Unit("code", text, group))
            else:
                found.append(Unit("item", text, group))
        elif t == "hr" and depth == 0:
            group += 1
            found.append(Unit("rule", "———", group))
    return tuple(u for u in found if u.text.strip())


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


# -- post fitting ------------------------------------------------------------------------------
# One place for every network (Facebook, Mastodon, Bluesky...): a channel gives its limit, its
# length function and a render function; the fitter decides what of the body goes in.

Render = Callable[[Sequence[str], bool, bool], str]  # (body blocks, shortened, compact) -> post


@dataclass(frozen=True)
class Fitted:
    text: str
    length: int
    limit: int
    shortened: bool  # part of the body was left to the website
    compact: bool  # the "next update" line was left out too
    kept: int = 0  # how much of the body the text carries (as `measure` counts it)

    @property
    def fits(self) -> bool:
        return self.length <= self.limit


_SENTENCE_END = regex.compile(r"(?<=[.!?…])\s+")
ELLIPSIS = "…"


def same_number(a: str, b: str) -> bool:
    """Two tel: targets for one line: +33 2 32 88 89 90 and 02 32 88 89 90 are one number
    (national and international spellings share their last nine digits)."""
    da, db = re.sub(r"\D", "", a), re.sub(r"\D", "", b)
    if len(da) >= 9 and len(db) >= 9:
        return da[-9:] == db[-9:]
    return da == db


def pinned(unit: Unit, known: Sequence[str]) -> bool:
    """A body unit no post may leave out: it carries a phone number the post's fixed
    lines (contacts) do not already carry."""
    return any(not any(same_number(t, k) for k in known) for t in unit.tel)


def _blocks_of(kept: Sequence[Unit]) -> list[str]:
    return [text for _kind, text in _join(kept)]


def _partial(unit: Unit, fits: Callable[[str], bool]) -> str | None:
    """The longest lead of a paragraph that fits: whole sentences, else words and '…'."""
    sentences = _SENTENCE_END.split(unit.text)
    for n in range(len(sentences) - 1, 0, -1):
        candidate = " ".join(sentences[:n])
        if fits(candidate):
            return candidate
    words = unit.text.split(" ")
    lo, hi, best = 1, len(words) - 1, None
    while lo <= hi:  # the longest run of words that fits, by halving
        mid = (lo + hi) // 2
        candidate = " ".join(words[:mid]).rstrip(",;:—–-") + ELLIPSIS
        if fits(candidate):
            best, lo = candidate, mid + 1
        else:
            hi = mid - 1
    # a lead of two or three words says nothing: leave the paragraph to the website
    return best if best is not None and len(best.split(" ")) >= 6 else None


def fit(
    render: Render,
    body: Sequence[Unit],
    limit: int,
    measure: Callable[[str], int],
    known_numbers: Sequence[str] = (),
) -> Fitted:
    """The post with as much of the body as fits under `limit` (as `measure` counts).

    What `render` puts around the body (status and title, change or withdrawal notice, what
    to do and whom to call, the link) is always there. The "next update" line goes first;
    then the body is kept in reading order: whole units while they fit, then the lead of
    the next paragraph; a unit with a phone number the fixed lines do not carry is always
    kept.
    When even that is over the limit the result says so (``fits`` is False): the caller
    reports which line to shorten, never sends a cut phone number.
    """

    def attempt(kept: Sequence[Unit], shortened: bool, compact: bool) -> Fitted:
        blocks = _blocks_of(kept)
        text = render(blocks, shortened, compact)
        return Fitted(text, measure(text), limit, shortened, compact, measure("\n\n".join(blocks)))

    whole = attempt(body, False, False)
    if whole.fits:
        return whole
    # The next-update promise is the first thing to go (the status page keeps it): the
    # statement's own words come before it.
    whole = attempt(body, False, True)
    if whole.fits:
        return whole
    keep = [pinned(u, known_numbers) for u in body]
    first: Fitted | None = None
    for compact in (True,):
        chosen = {i for i, k in enumerate(keep) if k}

        def build(extra: dict[int, Unit], chosen: set[int] = chosen) -> list[Unit]:
            return [extra.get(i, body[i]) for i in sorted(chosen | extra.keys())]

        result = attempt(build({}), True, compact)
        if not result.fits:
            first = first or result
            continue
        lead: str | None = None
        for i, unit in enumerate(body):
            if i in chosen:
                continue
            trial = attempt(build({i: unit}), True, compact)
            if trial.fits:
                chosen.add(i)
                result = trial
                continue
            if unit.kind == "paragraph":

                def fits(text: str, i: int = i, unit: Unit = unit, compact: bool = compact) -> bool:
                    return attempt(build({i: replace(unit, text=text)}), True, compact).fits

                lead = _partial(unit, fits)
                if lead is not None:
                    result = attempt(build({i: replace(unit, text=lead)}), True, compact)
            break
        last = max(chosen, default=None)
        if lead is None and last is not None and body[last].kind == "heading" and not keep[last]:
            chosen.discard(last)  # never end a shortened post on a dangling heading
            result = attempt(build({}), True, compact)
        return result
    assert first is not None
    return first
