"""Crisis language in free text, in two tiers, with the look-alikes that are not crisis.

A screening aid, never a diagnosis: a miss is worse than a false alarm. So crisis terms are
matched generously (a typo of a long word still counts), look-alikes strictly (as written, and no
typo is guessed inside one), and a look-alike only hides the crisis match it wholly contains:
"to die for" hides nothing in "I want to die for real".
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Literal

from rapidfuzz import process
from rapidfuzz.distance import DamerauLevenshtein

from flows.crisis.text import (
    JOINS,
    NUMBER,
    REWRITES,
    Phrase,
    is_chinese,
    leet,
    number_readings,
    raw_tokens,
    spell_out,
    squeezed,
)

Risk = Literal["explicit", "possible"]
Section = Literal["explicit", "possible", "not_crisis"]
SECTIONS: tuple[Section, ...] = ("explicit", "possible", "not_crisis")

# Typos are guessed only in long words, and only keeping the first letter: a short word is one
# letter away from too many others ("die" / "dye" / "did"), and "willing myself" is not "killing
# myself". Everyday words that are still one typo away from a term go under `not_crisis`.
MIN_TYPO_LENGTH = 6
_JOINED_MIN = 7  # "selfharm", "killmyself": a phrase typed without spaces

Readings = list[tuple[str, ...]]  # per position: the words a token may be read as
_Node = dict[str, "_Node"]
_END = ""  # no token is empty, so this key marks where a phrase ends
_Span = tuple[int, int, int]  # start, end, entry number
_JOIN_FIRST = {first for first, _ in JOINS}


@dataclass(frozen=True)
class Entry:
    """One line of the list: where it is, what was written, and the phrases it stands for."""

    language: str
    section: Section
    index: int
    text: str
    variants: tuple[str, ...]
    phrases: tuple[Phrase, ...]


@dataclass(frozen=True)
class Hit:
    """A crisis term found in a text, and the look-alike that hides it (if any)."""

    entry: Entry
    start: int
    end: int
    hidden_by: Entry | None


class _Index:
    """A trie of phrases, token by token: a scan costs about one lookup per token of the text."""

    def __init__(self) -> None:
        self.root: _Node = {}

    def add(self, tokens: tuple[str, ...], ident: int) -> None:
        node = self.root
        for token in tokens:
            node = node.setdefault(token, {})
        node.setdefault(_END, {})[str(ident)] = {}  # ids as keys keep the trie one type

    def spans(self, text: _Tokens) -> Iterator[_Span]:
        """(start, end, entry number) of every phrase found."""
        root, words, more = self.root, text.words, text.more
        for start, word in enumerate(words):
            options = more.get(start)
            if options is None:  # most tokens: one reading, and no phrase starts with it
                if word in root:
                    yield from _walk(root[word], start, start + 1, text)
            else:
                for reading in options:
                    if reading in root:
                        yield from _walk(root[reading], start, start + 1, text)


def _walk(node: _Node, start: int, position: int, text: _Tokens) -> Iterator[_Span]:
    """Follow the trie from `node` along the text from `position` (branching on readings)."""
    words, more = text.words, text.more
    while True:
        for ident in node.get(_END, ()):
            yield start, position, int(ident)
        if position == len(words):
            return
        options = more.get(position)
        if options is not None:
            for reading in options:
                if reading in node:
                    yield from _walk(node[reading], start, position + 1, text)
            return
        child = node.get(words[position])
        if child is None:
            return
        node, position = child, position + 1


@dataclass(frozen=True)
class _Tokens:
    """A text as tokens: the first reading of each, and every reading where there are several."""

    words: list[str]
    more: dict[int, tuple[str, ...]]


class _Speller:
    """Guesses which listed word a long unknown word is a typo of (Damerau-Levenshtein ≤ 1)."""

    def __init__(self, words: Iterable[str]) -> None:
        self.near: dict[tuple[str, int], list[str]] = {}
        for word in sorted(set(words)):
            if word.isalpha() and len(word) >= MIN_TYPO_LENGTH:
                for length in (len(word) - 1, len(word), len(word) + 1):
                    self.near.setdefault((word[0], length), []).append(word)

    def guesses(self, token: str) -> tuple[str, ...]:
        candidates = self.near.get((token[0], len(token)))
        if not candidates or len(token) < MIN_TYPO_LENGTH or not token.isalpha():
            return ()
        found = process.extract(
            token, candidates, scorer=DamerauLevenshtein.distance, score_cutoff=1, limit=None
        )
        return tuple(word for word, _, _ in found)


@dataclass
class CrisisTerms:
    """Compiled crisis terms (explicit and possible) and the look-alikes that are not crisis."""

    entries: tuple[Entry, ...] = field(default=(), repr=False)  # thousands: never in a repr
    _crisis: _Index = field(default_factory=_Index, init=False, repr=False)
    _lookalikes: _Index = field(default_factory=_Index, init=False, repr=False)
    _words: set[str] = field(default_factory=set, init=False, repr=False)  # in crisis phrases
    _speller: _Speller = field(init=False, repr=False)
    _plain: dict[str, Readings] = field(init=False, repr=False)  # how each known word reads
    _single: dict[str, str] = field(init=False, repr=False)  # ... when that is one word

    def __post_init__(self) -> None:
        known: set[str] = {*REWRITES, *(word for pair in JOINS for word in pair)}
        for ident, entry in enumerate(self.entries):
            crisis = entry.section != "not_crisis"
            index = self._crisis if crisis else self._lookalikes
            for phrase in entry.phrases:
                tokens = [phrase.tokens]
                joined = _joined(phrase.tokens) if crisis else None
                if joined is not None:
                    tokens.append((joined,))
                for each in tokens:
                    index.add(each, ident)
                    known.update(each)
                    if crisis:
                        self._words.update(each)
        self._speller = _Speller(self._words)
        self._plain = {word: _readings(word) for word in known}
        self._single = {
            word: readings[0][0]
            for word, readings in self._plain.items()
            if len(readings) == 1 and len(readings[0]) == 1
        }

    @classmethod
    def empty(cls) -> CrisisTerms:
        """No terms at all (crisis language is then not detected)."""
        return cls(())

    @property
    def is_empty(self) -> bool:
        """True when there is no crisis term to look for."""
        return not self._crisis.root

    def assess(self, text: str) -> Risk | None:
        """The highest tier of crisis language in the text (explicit wins), or None."""
        best: Risk | None = None
        for hit in self.explain(text):
            if hit.hidden_by is None:
                if hit.entry.section == "explicit":
                    return "explicit"
                best = "possible"
        return best

    def found_in(self, text: str) -> bool:
        """True when the text contains crisis language of either tier."""
        return self.assess(text) is not None

    def explain(self, text: str, *, lookalikes: bool = True) -> list[Hit]:
        """Every crisis term found in the text, each with the look-alike that hides it, if any."""
        literal = self._literal(text)
        found = self._found(literal, [])
        if not found or not lookalikes:  # most messages: one scan, no look-alikes needed
            return [Hit(self.entries[ident], start, end, None) for start, end, ident in found]
        cover = sorted(set(self._lookalikes.spans(literal)))
        return [
            Hit(self.entries[ident], start, end, _cover(cover, start, end, self.entries))
            for start, end, ident in (self._found(literal, cover) if cover else found)
        ]

    def _found(self, literal: _Tokens, cover: list[_Span]) -> list[_Span]:
        """Crisis spans, with typos guessed except inside a look-alike ("homeless")."""
        written = {position for start, end, _ in cover for position in range(start, end)}
        more = dict(literal.more)
        for position, token in enumerate(literal.words):
            if len(token) < MIN_TYPO_LENGTH and token.isalpha():
                continue  # the usual case, and the cheapest test first
            if position not in more and position not in written:
                extra = self._guesses(token)
                if extra:
                    more[position] = (token, *extra)
        return sorted(set(self._crisis.spans(_Tokens(literal.words, more))))

    def _literal(self, text: str) -> _Tokens:
        """The text's tokens as written: spelled out, held-down letters let go."""
        words: list[str] = []
        more: dict[int, tuple[str, ...]] = {}
        plain, single = self._plain, self._single
        for raw in raw_tokens(text):
            if raw in single:
                words.append(single[raw])
                continue
            if is_chinese(raw):
                words += raw  # one character a token
                continue
            known = plain.get(raw)
            if known is None:
                raw = squeezed(raw, plain) or raw
                known = plain.get(raw) or [number_readings(p) for p in spell_out(raw)]
            for readings in known:
                if len(readings) > 1:
                    more[len(words)] = readings
                words.append(readings[0])
        return _join_words(_Tokens(words, more))

    def _guesses(self, token: str) -> tuple[str, ...]:
        if token in self._words:
            return ()
        if token.isalpha():
            return self._speller.guesses(token) if len(token) >= MIN_TYPO_LENGTH else ()
        decoded = leet(token)
        return (decoded,) if decoded is not None and decoded in self._words else ()


def _readings(word: str) -> Readings:
    """How a token reads: spelled out, numbers also as `#`, and "2" as "to" and as 2."""
    if word.isdigit() and word in REWRITES:
        return [(spelled, word) for spelled in REWRITES[word]]
    return [number_readings(piece) for piece in spell_out(word)]


def _joined(tokens: tuple[str, ...]) -> str | None:
    """A two- or three-word phrase typed without spaces, when that is long enough to be safe."""
    if not 2 <= len(tokens) <= 3 or not all(token.isalpha() for token in tokens):
        return None
    joined = "".join(tokens)
    return joined if len(joined) >= _JOINED_MIN else None


def _join_words(text: _Tokens) -> _Tokens:
    """Split words joined ("my self" → myself), as `join_words` does for the terms."""
    if _JOIN_FIRST.isdisjoint(text.words):
        return text
    words: list[str] = []
    more: dict[int, tuple[str, ...]] = {}
    for position, word in enumerate(text.words):
        pair = (words[-1], word) if words else None
        if pair in JOINS and len(words) - 1 not in more and position not in text.more:
            words[-1] = JOINS[pair]
            continue
        if position in text.more:
            more[len(words)] = text.more[position]
        words.append(word)
    return _Tokens(words, more)


def _cover(
    cover: list[tuple[int, int, int]], start: int, end: int, entries: tuple[Entry, ...]
) -> Entry | None:
    for cover_start, cover_end, ident in cover:
        if cover_start <= start and end <= cover_end:
            return entries[ident]
    return None


__all__ = ["NUMBER", "SECTIONS", "CrisisTerms", "Entry", "Hit", "Risk", "Section"]
