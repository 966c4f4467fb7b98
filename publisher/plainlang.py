"""Plain-language measures for the guidance lints: long sentences and passive-heavy paragraphs.

A stressed reader on a phone gives up on a long sentence and cannot tell who acts in a
paragraph of passives ("les rendez-vous sont reportés": by whom? what do I do?). Services
Publics+ (langage clair) and ANSSI fiche 6 ask for short, active sentences. These are
heuristics, so they are warnings a person judges, never errors: the passive patterns are
"être + participle" in French and "be + participle" in English, which also match some
adjectives ("les urgences sont ouvertes"), hence a paragraph is flagged only when passives
are at least one per sentence and three or more.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

SENTENCE_END = re.compile(r"(?<=[.!?…])\s+")
WORD = re.compile(r"\w+(?:['’-]\w+)*")

_FR_PASSIVE = re.compile(
    r"\b(?:est|sont|était|étaient|sera|seront|serait|seraient|a été|ont été|avait été|"
    r"avaient été|aura été|auront été|été)\s+(?:\w+ment\s+|pas\s+|plus\s+|toujours\s+)?"
    r"(\w+(?:é|ée|és|ées|is|ise|ises|it|ite|its|ites|u|ue|us|ues|ert|erte|erts|ertes|"
    r"int|inte|ints|intes))\b",
    re.IGNORECASE,
)
_EN_PASSIVE = re.compile(
    r"\b(?:is|are|was|were|been|being|be)\s+(?:\w+ly\s+|not\s+|still\s+)?"
    r"(\w+(?:ed|en|wn|ung|ought|ept|elt|ade|old|ound))\b",
    re.IGNORECASE,
)
_NOT_PARTICIPLES = {"then", "when", "often", "even", "open", "seven", "eleven", "need", "used", "ahead"}
PASSIVE = {"fr": _FR_PASSIVE, "en": _EN_PASSIVE}
MIN_PASSIVES = 3


def paragraphs(text: str) -> Iterator[tuple[int, str]]:
    """(line offset, paragraph) for each blank-line separated part of `text`."""
    offset = 0
    for part in re.split(r"(\n[ \t]*\n)", text):
        if part.strip() and not re.fullmatch(r"\n[ \t]*\n", part):
            yield offset + (len(part) - len(part.lstrip("\n"))), part.strip("\n")
        offset += part.count("\n")


def long_sentences(text: str, limit: int) -> Iterator[tuple[int, int, str]]:
    """(line offset, words, the sentence's first words) of each sentence over `limit` words."""
    if limit <= 0:
        return
    for offset, paragraph in paragraphs(text):
        position = 0
        for sentence in SENTENCE_END.split(paragraph):
            words = WORD.findall(sentence)
            if len(words) > limit:
                line = offset + paragraph.count("\n", 0, paragraph.find(sentence, position))
                yield line, len(words), " ".join(words[:6])
            position += len(sentence)


def passive_paragraphs(text: str, lang: str) -> Iterator[tuple[int, int, int]]:
    """(line offset, passives, sentences) of each paragraph written mostly in the passive."""
    pattern = PASSIVE.get(lang)
    if pattern is None:
        return
    for offset, paragraph in paragraphs(text):
        found = [m for m in pattern.finditer(paragraph) if m.group(1).lower() not in _NOT_PARTICIPLES]
        sentences = len([s for s in SENTENCE_END.split(paragraph) if WORD.search(s)])
        if len(found) >= MIN_PASSIVES and len(found) >= sentences:
            yield offset, len(found), sentences
