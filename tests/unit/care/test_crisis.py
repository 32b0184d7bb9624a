"""Crisis language is found on word boundaries in every language; look-alikes are not."""

from pathlib import Path

import pytest

from bot.care.crisis import load_terms

TERMS = load_terms(Path(__file__).parents[3] / "flows/programme/safety/crisis_terms.yml")


@pytest.mark.parametrize(
    "text",
    [
        "Honestly I want to kill myself",
        "I'M SUICIDAL",
        "thinking about self-harm again",
        "thinking about self harm again",
        "I feel like ending my life tonight",
        "I’d be better off dead",
        "我不想活了",
        "有时候我想自杀",
        "just killing time, but I want to die",  # a harmless phrase does not hide a real one
    ],
)
def test_crisis_language_is_found(text: str) -> None:
    assert TERMS.found_in(text)


@pytest.mark.parametrize(
    "text",
    [
        "I was just killing time before work",
        "That cake was to die for",
        "I could kill for a coffee",
        "想死你了！",
        "我打算去计划自己的活动",
        "skills and kilometres",
    ],
)
def test_everyday_phrases_are_not_crisis(text: str) -> None:
    assert not TERMS.found_in(text)
