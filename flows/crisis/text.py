"""From a message to the tokens crisis terms are matched against, and the same for the terms.

Both sides go through the same steps, so a term written "can't go on" meets a patient's "cant go
on", "can not go on" and "CAN’T GO ON" alike:

- Unicode NFKC (full-width letters and digits), case folded, apostrophe variants made one,
  invisible joiners dropped, traditional Chinese characters turned into simplified ones;
- Chinese (and Japanese) characters are one token each: those scripts have no spaces between
  words, so a Chinese term is found anywhere in the text;
- contractions and text-speak spelled out ("im" → "i am", "wanna" → "want to", "u" → "you",
  "2" → "to"), a few split words joined ("my self" → "myself");
- sentence ends (. ! ? , ; line breaks, emoji) become the token `$`, which a term may use to say
  "and nothing after this" ("can't go on $" is not "can't go on the trip").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Container
from dataclasses import dataclass
from functools import cache

import opencc

BOUNDARY = "$"
NUMBER = "#"  # a number of ten or more: an overdose, not "took 2 pills"

_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_BLOCKS = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF))  # Han characters
_ENDS = ".!?;:,\n。、！？；：\U0001f300-\U0001faff\u2600-\u27bf"  # and emoji
_LATIN = rf"[^\W_{_CJK}]"  # a letter or digit that is not a Chinese character
_TOKENS = re.compile(
    rf"[{_CJK}]+"  # a run of Chinese characters: split into characters by the caller
    rf"|\d+(?:[.,]\d+)*(?!{_LATIN})"  # a number ("1.5", "1,000"), unless it is "2day"
    rf"|{_LATIN}+(?:'{_LATIN}+)*"
    r"|\.{2,}|…"  # "i want to... die": an ellipsis is a pause, not an end
    rf"|[{_ENDS}]"
    r"|[#$]"
)
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "`": "'", "´": "'", "′": "'"})
_INVISIBLE = re.compile("[\u200b-\u200f\u2060\ufeff\u00ad]")
_HAS_CJK = re.compile(f"[{_CJK}]")
_CJK_GAP = re.compile(f"(?<=[{_CJK}]) (?=[{_CJK}])")

# Text-speak and contractions, spelled out. Keys are whole tokens after folding.
# fmt: off
_SPELLED = {
    "im": "i am", "ive": "i have", "youre": "you are", "theyre": "they are",
    "u": "you", "ya": "you", "ur": "your", "urself": "yourself", "r": "are",
    "2": "to", "4": "for", "b": "be", "n": "and", "y": "why", "ppl": "people",
    "wanna": "want to", "wana": "want to", "gonna": "going to", "gunna": "going to",
    "gona": "going to", "gotta": "got to", "tryna": "trying to", "lemme": "let me",
    "dunno": "do not know", "rn": "right now", "tmrw": "tomorrow", "tmr": "tomorrow",
    "2day": "today", "2nite": "tonight", "2night": "tonight", "tonite": "tonight",
    "b4": "before", "no1": "noone", "some1": "someone", "every1": "everyone",
    "any1": "anyone", "cuz": "because", "coz": "because", "cos": "because",
    "bc": "because", "bcoz": "because", "bcuz": "because", "becuz": "because",
    "cannot": "can not", "its": "it is", "thats": "that is", "whats": "what is",
    "theres": "there is", "heres": "here is", "lifes": "life is", "meself": "myself",
    "ain't": "is not", "can't": "can not", "won't": "will not", "shan't": "shall not",
    "aint": "is not", "cant": "can not", "wont": "will not",
}
# "dont", "didnt", ...: a missing apostrophe is the commonest typo of all
_NOT_STEMS = (
    "do", "does", "did", "is", "was", "are", "were", "have", "has", "had",
    "would", "could", "should", "must", "need",
)
# fmt: on
REWRITES: dict[str, tuple[str, ...]] = {
    **{f"{stem}nt": (stem, "not") for stem in _NOT_STEMS},
    **{key: tuple(value.split()) for key, value in _SPELLED.items()},
}

# Words people split; joined so that either spelling meets the same term.
JOINS: dict[tuple[str, str], str] = {
    ("my", "self"): "myself", ("your", "self"): "yourself", ("any", "more"): "anymore",
    ("no", "one"): "noone", ("no", "body"): "nobody", ("some", "one"): "someone",
    ("every", "one"): "everyone", ("good", "bye"): "goodbye", ("un", "alive"): "unalive",
    ("over", "dose"): "overdose", ("self", "harm"): "selfharm",
}  # fmt: skip

_SUFFIXES = {"m": "am", "re": "are", "ve": "have", "ll": "will", "d": "would"}
_IS_PRONOUNS = {"it", "that", "what", "there", "here", "he", "she", "who", "life", "everything"}

_NUMBER_WORDS = {
    "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
    "eighteen", "nineteen", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty",
    "ninety", "hundred", "hundreds", "dozen", "dozens", "thousand",
}  # fmt: skip
_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b"})
_DIGITS_THEN_LETTERS = re.compile(r"(\d+)([a-z]+)")
_RUN = re.compile(r"([^\W\d_])\1+")  # a letter held down (not "100")


@cache
def _to_simplified() -> opencc.OpenCC:
    return opencc.OpenCC("tw2s.json")  # t2s, and Taiwan spellings too ("活著" → 活着)


@cache
def _traditional() -> frozenset[str]:
    """Every character the conversion changes, found once by converting them all (~30 ms)."""
    chars = [chr(code) for first, last in _CJK_BLOCKS for code in range(first, last + 1)]
    converted = _to_simplified().convert("\n".join(chars)).split("\n")
    return frozenset(char for char, new in zip(chars, converted, strict=True) if char != new)


def fold(text: str) -> str:
    """Width, case, apostrophes, invisible characters and traditional characters folded."""
    folded = _INVISIBLE.sub("", unicodedata.normalize("NFKC", text)).casefold()
    folded = folded.translate(_APOSTROPHES)
    # Converting costs more than the rest of the matching: only text with a traditional
    # character is converted (as a whole, so that phrases convert right).
    if _HAS_CJK.search(folded) and not _traditional().isdisjoint(folded):
        folded = _to_simplified().convert(folded)
    return folded


def is_chinese(token: str) -> bool:
    """True for a run of Chinese (or Japanese) characters from `raw_tokens`."""
    return token[0] >= "\u3040" and _HAS_CJK.match(token) is not None


def raw_tokens(text: str, *, term: bool = False) -> list[str]:
    """The folded text as words, runs of Chinese characters, numbers and `$` (sentence ends)."""
    tokens = [BOUNDARY]
    for token in _TOKENS.findall(fold(text)):
        if len(token) > 1 or token.isalnum():
            if token[0] != ".":  # "..": a pause
                tokens.append(token)
        elif token in "#$":  # in a message `#` and `$` are just symbols ("#selfharm")
            if term:
                tokens.append(token)
        elif token != "…":
            tokens.append(BOUNDARY)  # punctuation that ends a sentence, or an emoji
    tokens.append(BOUNDARY)
    return tokens


def spell_out(token: str) -> list[str]:
    """A contraction or text-speak token as the words it stands for ("can't" → can not)."""
    if token in REWRITES:
        return list(REWRITES[token])
    if "'" in token:
        return _contraction(token)
    split = _DIGITS_THEN_LETTERS.fullmatch(token) if token[0].isdigit() else None
    if split:  # "5kms", "30mg": a number and its unit
        return [split.group(1), *spell_out(split.group(2))]
    return [token]


def _contraction(token: str) -> list[str]:
    head, _, tail = token.rpartition("'")
    if tail == "t" and head.endswith("n"):
        return [*spell_out(head[:-1]), "not"]
    if tail in _SUFFIXES:
        return [*spell_out(head), _SUFFIXES[tail]]
    if tail == "s" and head in _IS_PRONOUNS:
        return [head, "is"]
    return spell_out(head + tail)  # "mum's" → mums; an apostrophe typed by mistake


def join_words(tokens: list[str]) -> list[str]:
    """Split words joined ("my self" → myself), so both spellings meet one term."""
    joined: list[str] = []
    for token in tokens:
        pair = (joined[-1], token) if joined else None
        if pair in JOINS:
            joined[-1] = JOINS[pair]
        else:
            joined.append(token)
    return joined


def number_readings(token: str) -> tuple[str, ...]:
    """What a number token may also be read as: `#` when it is ten or more."""
    if token in _NUMBER_WORDS:
        return (token, NUMBER)
    if not token[0].isdigit():
        return (token,)
    digits = token.replace(",", "").replace(".", "", 1)
    if digits.isdigit() and float(token.replace(",", "")) >= 10:
        return (token, NUMBER)
    return (token,)


def leet(token: str) -> str | None:
    """ "k1ll" → "kill": letters written as digits (None when the token is not like that)."""
    if token.isalnum() and not token.isalpha() and not token.isdigit():
        return token.translate(_LEET)
    return None


def squeezed(token: str, known: Container[str]) -> str | None:
    """A known word that `token` is with letters held down ("dieeee" → die, "kiiill" → kill)."""
    runs = list(_RUN.finditer(token))
    if not runs or len(runs) > 6:
        return None
    found = None
    for mask in range(1 << len(runs)):
        candidate = _squeeze(token, runs, mask)
        if candidate in known and (found is None or len(candidate) > len(found)):
            found = candidate  # the longest: "offff" is "off" before it is "of"
    return found


def _squeeze(token: str, runs: list[re.Match[str]], mask: int) -> str:
    pieces, last = [], 0
    for bit, run in enumerate(runs):
        keep = 2 if mask >> bit & 1 else 1
        pieces += [token[last : run.start()], run.group(1) * keep]
        last = run.end()
    pieces.append(token[last:])
    return "".join(pieces)


@dataclass(frozen=True)
class Phrase:
    """One phrase of a term, as tokens (Chinese: one character a token)."""

    tokens: tuple[str, ...]

    @property
    def text(self) -> str:
        """The tokens as one text (no spaces between Chinese characters), for messages."""
        return _CJK_GAP.sub("", " ".join(self.tokens))

    @classmethod
    def of(cls, text: str) -> Phrase:
        """The phrase a term's text reads as (no typo guessing: terms are written with care)."""
        tokens: list[str] = []
        for token in raw_tokens(text, term=True)[1:-1]:
            if is_chinese(token):
                tokens += token  # one character a token: Chinese has no spaces to go by
            elif token.isdigit():  # a number ("5 kms"); messages read "2" as "to" and as 2
                tokens.append(token)
            else:
                tokens += spell_out(token)
        return cls(tuple(join_words(tokens)))
