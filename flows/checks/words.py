"""Typed words that pick one answer: no `also` word may stand for two buttons of one question.

A patient who types a word should get the button it names. Words are compared as the engine
compares them (case, width and punctuation folded), language by language; a plain list of words
counts for every language.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from flows.answers import fold, parse_whole
from flows.checks.base import FlowFile
from flows.diagnostics import Diagnostic
from flows.loader import NodePath
from flows.model import AnswerOption, AskState, Button, QuestionnaireState

Answer = Button | AnswerOption


@dataclass(frozen=True)
class Word:
    """One typed form of an answer: its label or an `also` word, in one language (None: all)."""

    answer: int
    language: str | None
    written: str
    at: NodePath | None = None  # None for a label: only `also` words are reported

    @property
    def folded(self) -> str:
        """The word as the engine compares it."""
        return fold(self.written)


def check(file: FlowFile) -> Iterator[Diagnostic]:
    """Every question's `also` words against each other and against the other labels."""
    for where, answers in _questions(file):
        yield from _question(file, where, answers)


def _questions(file: FlowFile) -> Iterator[tuple[NodePath, Sequence[Answer]]]:
    """Each list of buttons or questionnaire options, with its node."""
    for _, state, at in file.states():
        if isinstance(state, AskState) and state.buttons:
            yield (*at, "buttons"), state.buttons
        elif isinstance(state, QuestionnaireState):
            form, base = state.questionnaire, (*at, "questionnaire")
            if form.options:
                yield (*base, "options"), form.options
            for index, item in enumerate(form.items):
                if item.options:
                    yield (*base, "items", index, "options"), item.options


def _question(file: FlowFile, at: NodePath, answers: Sequence[Answer]) -> Iterator[Diagnostic]:
    labels = [word for n, answer in enumerate(answers) for word in _labels(n, answer)]
    words = [word for n, answer in enumerate(answers) for word in _also(n, answer, (*at, n))]
    for index, word in enumerate(words):
        assert word.at is not None
        if parse_whole(word.written) is not None:
            yield file.at(word.at, _NUMBER)
            continue
        clash = _clash(word, labels) or _clash(word, words[:index])
        if clash is not None:
            yield file.at(word.at, _message(file, word, clash, answers))


_NUMBER = (
    "an `also` word may not be a number: a typed number already means a score, a point on a "
    "scale or a button's position"
)


def _labels(index: int, answer: Answer) -> Iterator[Word]:
    if isinstance(answer.label, str):
        yield Word(index, None, answer.label)
        return
    for language, label in answer.label.items():
        yield Word(index, language, label)


def _also(index: int, answer: Answer, at: NodePath) -> Iterator[Word]:
    if isinstance(answer.also, list):
        for n, word in enumerate(answer.also):
            yield Word(index, None, word, (*at, "also", n))
        return
    for language, words in answer.also.items():
        for n, word in enumerate(words):
            yield Word(index, language, word, (*at, "also", language, n))


def _clash(word: Word, others: list[Word]) -> Word | None:
    """Another answer's label or word that folds to the same text in a shared language."""
    return next((other for other in others if _same(word, other)), None)


def _same(word: Word, other: Word) -> bool:
    languages_meet = None in (word.language, other.language) or word.language == other.language
    return other.answer != word.answer and other.folded == word.folded and languages_meet


def _message(file: FlowFile, word: Word, clash: Word, answers: Sequence[Answer]) -> str:
    other = f"answer {clash.answer + 1} ({_shown(answers[clash.answer], clash.language)})"
    if clash.at is None:
        return f"`{word.written}` is the label of {other}: typing it picks that one; drop it here"
    line, _ = file.parsed.positions.value(clash.at)
    return (
        f"`{word.written}` is also an `also` word of {other}, line {line}: a typed word must "
        "pick one answer, so keep it on one of them"
    )


def _shown(answer: Answer, language: str | None) -> str:
    """An answer's label as the researcher wrote it, in the language of the clash if it has one."""
    if isinstance(answer.label, str):
        return f'"{answer.label}"'
    text = answer.label.get(language or "") or next(iter(answer.label.values()), "")
    return f'"{text}"'
