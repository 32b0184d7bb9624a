"""Reading one answer: for each kind of question, one function from the patient's event to it.

Every reader returns None when the answer does not fit, so the engine can ask again kindly. A
typed number means what it means on paper: a questionnaire option's score, a point on a scale;
it is a button's position (1, 2, ...) only where no typed number can mean anything else.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flows import answers
from flows.runtime import ButtonPress, Event, TextAnswer


@dataclass(frozen=True)
class Choice:
    """One button as a patient may type it: its label, the number it stands for, other words."""

    label: str
    value: int | None = None  # a score or a scale point
    also: tuple[str, ...] = ()


@dataclass(frozen=True)
class Question:
    """What reading an answer needs to know about the open question."""

    kind: str  # an `input` kind, or "item" for a questionnaire item
    choices: tuple[Choice, ...] = ()
    low: int | None = None
    high: int | None = None
    max_length: int = 4000

    @property
    def numbered(self) -> bool:
        """True when typing a button's position picks it: no typed number means anything else."""
        return bool(self.choices) and not any(map(_stands_for_a_number, self.choices))


def _stands_for_a_number(choice: Choice) -> bool:
    # A label such as "3 or more" would make a typed 3 mean two things.
    return choice.value is not None or answers.fold(choice.label)[:1].isdecimal()


def read(question: Question, event: Event) -> Any:
    """The answer to `question` that `event` gives, or None when it does not fit."""
    return READERS[question.kind](question, event)


def read_choice(question: Question, event: Event) -> int | None:
    """The button pressed, or typed as its label, one of its words, its number or its position."""
    if isinstance(event, ButtonPress):
        return event.option if 0 <= event.option < len(question.choices) else None
    if not isinstance(event, TextAnswer):
        return None
    found = _by_words(question.choices, answers.fold(event.text))
    return found if found is not None else _by_number(question, event.text)


def _by_words(choices: tuple[Choice, ...], typed: str) -> int | None:
    if not typed:
        return None
    labels = [answers.fold(choice.label) for choice in choices]
    if typed in labels:
        return labels.index(typed)
    return next((n for n, c in enumerate(choices) if typed in map(answers.fold, c.also)), None)


def _by_number(question: Question, text: str) -> int | None:
    number = answers.parse_whole(text)
    if number is None:
        return None
    values = [choice.value for choice in question.choices]
    if number in values:
        return values.index(number)
    if question.numbered and 1 <= number <= len(values):
        return number - 1
    return None


def read_yes_no(question: Question, event: Event) -> bool | None:
    """True for the first button (yes) or a yes word, False for the second (no) or a no word."""
    choice = read_choice(question, event)
    return None if choice is None else choice == 0


def read_scale(question: Question, event: Event) -> int | None:
    """The point tapped, or typed as its number or its label."""
    choice = read_choice(question, event)
    return None if choice is None else question.choices[choice].value


def read_number(question: Question, event: Event) -> int | float | None:
    """A typed number from `low` to `high`."""
    text = _typed(event)
    return None if text is None else answers.parse_number(text, question.low, question.high)


def read_time(question: Question, event: Event) -> str | None:
    """A typed time of day as HH:MM."""
    text = _typed(event)
    return None if text is None else answers.parse_time(text)


def read_date(question: Question, event: Event) -> str | None:
    """A typed date as YYYY-MM-DD, today and tomorrow counted from when it was typed."""
    if not isinstance(event, TextAnswer):
        return None
    return answers.parse_date(event.text, event.at.date())


def read_text(question: Question, event: Event) -> str | None:
    """Typed words, trimmed, of at most `max_length` characters."""
    text = (_typed(event) or "").strip()
    return text if 0 < len(text) <= question.max_length else None


def _typed(event: Event) -> str | None:
    return event.text if isinstance(event, TextAnswer) else None


Reader = Callable[[Question, Event], Any]

READERS: dict[str, Reader] = {
    "buttons": read_choice,
    "item": read_choice,  # a questionnaire item: its options are buttons that stand for scores
    "yes_no": read_yes_no,
    "scale": read_scale,
    "number": read_number,
    "time": read_time,
    "date": read_date,
    "text": read_text,
}
