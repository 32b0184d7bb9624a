"""Crisis language in free text: a per-language list matched on word boundaries.

It is a screening aid, never a diagnosis: a miss is worse than a false alarm, so variants are
listed generously, and only phrases in the `not_crisis` lists (e.g. "killing time") are taken
out before matching.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from ruamel.yaml import YAML

# Scripts written without spaces between words: a term is found anywhere in the text.
_NO_SPACES = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff]")


@dataclass(frozen=True)
class CrisisTerms:
    """Compiled crisis terms and the harmless phrases that look like them."""

    crisis: re.Pattern[str] | None
    harmless: re.Pattern[str] | None

    def found_in(self, text: str) -> bool:
        """True when the text contains crisis language in any of the listed languages."""
        if self.crisis is None:
            return False
        folded = _fold(text)
        if self.harmless is not None:
            folded = self.harmless.sub(" ", folded)
        return self.crisis.search(folded) is not None


def load_terms(path: Path) -> CrisisTerms:
    """Read `crisis_terms.yaml`: {language: [terms...], not_crisis: {language: [phrases...]}}."""
    data = YAML(typ="safe").load(path.read_text(encoding="utf-8")) or {}
    harmless = data.pop("not_crisis", {}) or {}
    return CrisisTerms(_compile(_all(data)), _compile(_all(harmless)))


def _all(by_language: dict[str, list[str]]) -> list[str]:
    # Every language's list applies to every patient: people switch languages mid-sentence.
    return [str(term) for terms in by_language.values() for term in terms or []]


def _compile(terms: list[str]) -> re.Pattern[str] | None:
    patterns = [_pattern(term) for term in sorted(set(terms), key=len, reverse=True) if term]
    return re.compile("|".join(patterns)) if patterns else None


def _pattern(term: str) -> str:
    words = [re.escape(word) for word in _fold(term).split()]
    body = r"[\s\-_]*".join(words)  # "self harm", "self-harm" and "selfharm" alike
    if _NO_SPACES.search(term):
        return body
    return rf"(?<!\w){body}(?!\w)"


def _fold(text: str) -> str:
    """Case, width and apostrophe variants folded, so "I'm", "I’m" and "ＩＭ" compare equal."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return folded.replace("’", "'").replace("‘", "'")
