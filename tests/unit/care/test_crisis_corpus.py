"""The shipped crisis terms on the corpus: recall, the explicit tier, and no false alarms."""

from __future__ import annotations

import pytest

from flows.crisis import load_terms
from tests.support.crisis_corpus import LANGUAGES, TERMS, load_corpus, score

CRISIS = load_terms(TERMS)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_corpus_is_big_enough_to_mean_something(language: str) -> None:
    corpus = load_corpus(language)
    assert len(corpus["explicit"]) + len(corpus["possible"]) >= 150
    assert len(corpus["explicit"]) >= 60
    assert len(corpus["possible"]) >= 50
    assert len(corpus["not_crisis"]) >= 60


@pytest.mark.parametrize("language", LANGUAGES)
def test_at_least_95_percent_of_crisis_phrases_are_found(language: str) -> None:
    result = score(CRISIS, load_corpus(language))
    assert result.recall >= 0.95, f"missed: {result.missed}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_explicit_phrases_are_never_taken_for_possible_ones(language: str) -> None:
    # A downgrade would ask a question where the pathway should start at once.
    result = score(CRISIS, load_corpus(language))
    assert result.cells["explicit"]["possible"] == []
    assert result.explicit_right >= 0.95, f"missed: {result.cells['explicit']['none']}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_look_alike_is_taken_for_crisis_language(language: str) -> None:
    result = score(CRISIS, load_corpus(language))
    assert result.false_positives == []
