"""Asking questions and reading answers, including questionnaires given item by item.

Reading an answer is left to its kind's one reader (`flows.readers`), over the question described
once in `flows.choices`; this module decides what the answer saves, where it leads, and what to
say when it does not fit.
"""

from __future__ import annotations

from typing import Any

from flows import readers, scoring
from flows.choices import asking, item_question, question_for
from flows.expressions import render
from flows.model import AskState, Questionnaire, QuestionnaireState
from flows.phrases import phrase
from flows.readers import Question
from flows.runtime import (
    Alert,
    Awaiting,
    ButtonPress,
    Event,
    SaveAnswer,
    Say,
    ScheduleTimeout,
    Score,
    Stale,
)
from flows.session import Session


def ask(session: Session, state: AskState, *, reprompt: str | None = None) -> None:
    """Send the question (or a reprompt that keeps the question's token and buttons)."""
    question = question_for(session, state)
    if reprompt is None:
        token = session.next_token()
        timeout = state.timeout is not None
        buttons = len(question.choices)
        session.awaiting = Awaiting(
            token=token, input=state.input_kind, buttons=buttons, timeout=timeout
        )
        if state.timeout is not None:
            session.emit(ScheduleTimeout(token=token, after=state.timeout.after))
    assert session.awaiting is not None
    html = reprompt if reprompt is not None else session.text(state.ask)
    token = session.awaiting.token
    kind = state.input_kind
    session.emit(asking(html, token, kind, question, reprompt=reprompt is not None))


def repeat(session: Session, awaiting: Awaiting) -> None:
    """Ask the open question again, keeping its token so its older buttons still work."""
    state = session.current_state()
    if isinstance(state, QuestionnaireState) and awaiting.item is not None:
        _ask_item(session, state.questionnaire, awaiting.item, token=awaiting.token)
    elif isinstance(state, AskState):
        question = question_for(session, state)
        html = session.text(state.ask)
        session.emit(asking(html, awaiting.token, state.input_kind, question, reprompt=False))


def answer(session: Session, event: Event, awaiting: Awaiting) -> str | None:
    """Handle an answer to the open question; return the state to go to, or None to wait on."""
    state = session.current_state()
    if isinstance(state, QuestionnaireState):
        return _answer_item(session, state, event, awaiting)
    if isinstance(state, AskState):
        return _answer_ask(session, state, event)
    return None  # waiting (a `wait` state): there is no question to answer


def _answer_ask(session: Session, state: AskState, event: Event) -> str | None:
    question = question_for(session, state)
    if isinstance(event, ButtonPress) and _forged(event, question):
        session.emit(Stale(token=event.token))
        return None
    read = readers.read(question, event)
    if read is None:
        return _misfit(session, state)
    value, target = _meaning(session, state, read)
    _save(session, state, value)
    return target or state.next


def _forged(event: ButtonPress, question: Question) -> bool:
    """A press of a button the question does not have: forged or out-of-date button data."""
    return not 0 <= event.option < len(question.choices)


def _meaning(session: Session, state: AskState, read: Any) -> tuple[Any, str | None]:
    """The value an answer saves, and the state its button (or yes / no) leads to, if any."""
    kind = state.input_kind
    if kind == "buttons" and state.buttons:
        button = state.buttons[read]
        session.apply_variables(button.set, button.compute)
        value = button.value if button.value is not None else session.plain(button.label)
        return value, button.next
    if kind == "yes_no":
        return read, state.yes if read else state.no
    return read, None


def _save(session: Session, state: AskState, value: Any) -> None:
    """Close the question and keep the answer (free text is marked for encryption at rest)."""
    session.awaiting = None
    session.misfits = 0
    free_text = state.free_text if state.free_text is not None else state.input_kind == "text"
    session.emit(
        SaveAnswer(
            flow=session.frame.flow,
            question=session.frame.state,
            variable=state.save_as,
            value=value,
            free_text=free_text,
        )
    )
    if state.save_as:
        session.vars[state.save_as] = value


def _misfit(session: Session, state: AskState) -> str | None:
    session.misfits += 1
    if session.misfits >= state.max_misfits and state.on_misfits:
        session.misfits = 0
        session.awaiting = None
        return state.on_misfits
    ask(session, state, reprompt=_reprompt_text(session, state))
    return None


def _reprompt_text(session: Session, state: AskState) -> str:
    if state.reprompt is not None:
        return session.text(state.reprompt)
    language = session.language()
    kind = state.input_kind
    if kind in ("number", "scale"):
        return phrase("reprompt.number", language, low=state.min, high=state.max)
    if kind == "text":
        return phrase("reprompt.text", language, limit=state.max_length)
    key = "reprompt.buttons" if kind == "buttons" else f"reprompt.{kind}"
    return phrase(key, language)


# ----- questionnaires -----------------------------------------------------------------------


def start_questionnaire(session: Session, state: QuestionnaireState) -> None:
    """Say the preamble and ask the first item."""
    session.scores = {}
    if state.questionnaire.preamble is not None:
        session.emit(Say(html=session.text(state.questionnaire.preamble)))
    _ask_item(session, state.questionnaire, 0, token=session.next_token())


def _ask_item(session: Session, form: Questionnaire, index: int, *, token: str) -> None:
    item = form.items[index]
    question = item_question(session, form.options_for(item))
    count = len(question.choices)
    session.awaiting = Awaiting(token=token, input="buttons", item=index, buttons=count)
    html = f"{scoring.counter(form, index)}{session.text(item.text)}"
    session.emit(asking(html, token, "buttons", question, reprompt=False))


def _answer_item(
    session: Session, state: QuestionnaireState, event: Event, awaiting: Awaiting
) -> str | None:
    form = state.questionnaire
    index = awaiting.item or 0
    item = form.items[index]
    options = form.options_for(item)
    option = readers.read(item_question(session, options), event)
    if option is None:
        _item_misfit(session, form, event, awaiting)
        return None
    session.scores[item.id] = options[option].score
    following = scoring.next_item(form, session.scores, index + 1)  # skips unmet conditions
    if following is not None and not _held_back(session, form, following):
        _ask_item(session, form, following, token=session.next_token())
        return None
    _score(session, form)
    return state.next


def _held_back(session: Session, form: Questionnaire, following: int) -> bool:
    """True when only unscored items are left and the scores raise a risk trigger's alert."""
    # After a disclosure the safety conversation is the only open question: the questionnaire is
    # scored at once (the host's interrupt says which alerts), and its unscored items go unasked.
    if session.interrupt is None or any(item.scored for item in form.items[following:]):
        return False
    scored = scoring.evaluate(form, dict(session.scores))
    return any(session.interrupt(alert) for alert in _alerts(session, form, scored))


def _alerts(session: Session, form: Questionnaire, scored: scoring.Scored) -> list[Alert]:
    flow = session.frame.flow
    return [
        Alert(reason=r.rule.alert.reason, level=r.rule.alert.level, flow=flow, detail=r.detail)
        for r in scored.raised
    ]


def _item_misfit(session: Session, form: Questionnaire, event: Event, awaiting: Awaiting) -> None:
    """A forged press is stale; words that are no option ask the same item again."""
    if isinstance(event, ButtonPress):
        session.emit(Stale(token=event.token))
        return
    session.emit(Say(html=phrase("reprompt.buttons", session.language())))
    _ask_item(session, form, awaiting.item or 0, token=awaiting.token)


def _score(session: Session, form: Questionnaire) -> None:
    """Total, band, rules: save the result as a variable and emit Score and any alerts."""
    scored = scoring.evaluate(form, dict(session.scores))  # unscored items kept apart
    timepoint = render(form.timepoint, session.namespace()).strip() or "adhoc"
    for alert in _alerts(session, form, scored):
        session.emit(alert)
    session.vars[form.variable] = scoring.result_variable(form, scored, timepoint)
    session.emit(
        Score(
            instrument=form.id,
            timepoint=timepoint,
            items=scored.items,
            total=scored.total,
            band=scored.band,
            variable=form.variable,
            unscored=scored.unscored,
        )
    )
    session.scores = {}
    session.awaiting = None
    session.misfits = 0
