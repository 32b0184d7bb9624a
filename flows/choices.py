"""What an open question offers and how its answers read, described once for asking and reading.

A question's buttons are drawn from its `readers.Question`, and every answer to it is read by its
kind's one reader, so what a button shows and what typing means cannot drift apart.
"""

from __future__ import annotations

from flows import answers
from flows.model import AnswerOption, AskState, LocalWords
from flows.phrases import phrase
from flows.readers import Choice, Question
from flows.runtime import Ask, ButtonView
from flows.session import Session


def question_for(session: Session, state: AskState) -> Question:
    """The open `ask` question as its reader sees it: its kind, its buttons, its limits."""
    return Question(
        kind=state.input_kind,
        choices=tuple(_choices(session, state)),
        low=state.min,
        high=state.max,
        max_length=state.max_length,
    )


def item_question(session: Session, options: list[AnswerOption]) -> Question:
    """A questionnaire item as its reader sees it: distinct whole scores are what one types."""
    scored = len({option.score for option in options}) == len(options)
    choices = tuple(
        Choice(
            session.text(option.label),
            value=option.score if scored else None,
            also=_words(session, option.also),
        )
        for option in options
    )
    return Question(kind="item", choices=choices)


def asking(html: str, token: str, kind: str, question: Question, *, reprompt: bool) -> Ask:
    """The Ask effect for a question: its buttons show the numbers typed for them."""
    views = tuple(
        ButtonView(label=choice.label, option=n, value=choice.value)
        for n, choice in enumerate(question.choices)
    )
    return Ask(
        html=html,
        token=token,
        input=kind,
        buttons=views,
        reprompt=reprompt,
        numbered=question.numbered,
    )


def _choices(session: Session, state: AskState) -> list[Choice]:
    kind = state.input_kind
    if kind == "buttons":
        buttons = state.buttons or []
        return [Choice(session.text(b.label), also=_words(session, b.also)) for b in buttons]
    if kind == "yes_no":
        language = session.language()
        return [
            Choice(phrase("yes", language), also=answers.YES_WORDS),
            Choice(phrase("no", language), also=answers.NO_WORDS),
        ]
    if kind == "scale" and state.min is not None and state.max is not None:
        points = range(state.min, state.max + 1)
        return [Choice(_scale_label(session, state, n), value=n) for n in points]
    return []


def _scale_label(session: Session, state: AskState, value: int) -> str:
    label = state.labels.get(value)
    return f"{value} {session.text(label)}" if label is not None else str(value)


def _words(session: Session, also: LocalWords) -> tuple[str, ...]:
    """Extra typed words in the patient's language (else the default's), like any other text."""
    if isinstance(also, list):
        return tuple(also)
    for language in (session.language(), session.source.default_language):
        if language in also:
            return tuple(also[language])
    return ()
