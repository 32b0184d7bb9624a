"""Asking questions and reading answers, including questionnaires given item by item."""

from __future__ import annotations

from typing import Any

from flows import answers
from flows.expressions import check_expression, holds, render
from flows.model import AskState, Questionnaire, QuestionnaireState
from flows.phrases import phrase
from flows.runtime import (
    Alert,
    Ask,
    Awaiting,
    ButtonPress,
    ButtonView,
    Event,
    SaveAnswer,
    Say,
    ScheduleTimeout,
    Score,
    Stale,
    TextAnswer,
)
from flows.session import Session


def ask(session: Session, state: AskState, *, reprompt: str | None = None) -> None:
    """Send the question (or a reprompt that keeps the question's token and buttons)."""
    labels = button_labels(session, state)
    if reprompt is None:
        token = session.next_token()
        timeout = state.timeout is not None
        session.awaiting = Awaiting(
            token=token, input=state.input_kind, buttons=len(labels), timeout=timeout
        )
        if state.timeout is not None:
            session.emit(ScheduleTimeout(token=token, after=state.timeout.after))
    assert session.awaiting is not None
    session.emit(
        Ask(
            html=reprompt if reprompt is not None else session.text(state.ask),
            token=session.awaiting.token,
            input=state.input_kind,
            buttons=_views(labels),
            reprompt=reprompt is not None,
        )
    )


def repeat(session: Session, awaiting: Awaiting) -> None:
    """Ask the open question again, keeping its token so its older buttons still work."""
    state = session.current_state()
    if isinstance(state, QuestionnaireState) and awaiting.item is not None:
        _ask_item(session, state.questionnaire, awaiting.item, token=awaiting.token)
    elif isinstance(state, AskState):
        session.emit(
            Ask(
                html=session.text(state.ask),
                token=awaiting.token,
                input=state.input_kind,
                buttons=_views(button_labels(session, state)),
            )
        )


def _views(labels: list[str]) -> tuple[ButtonView, ...]:
    return tuple(ButtonView(label=label, option=i) for i, label in enumerate(labels))


def button_labels(session: Session, state: AskState) -> list[str]:
    """The labels of the buttons a question offers (none for typed answers)."""
    kind = state.input_kind
    if kind == "buttons":
        return [session.text(button.label) for button in state.buttons or []]
    if kind == "yes_no":
        return [phrase("yes", session.language()), phrase("no", session.language())]
    if kind == "scale" and state.min is not None and state.max is not None:
        return [_scale_label(session, state, n) for n in range(state.min, state.max + 1)]
    return []


def _scale_label(session: Session, state: AskState, value: int) -> str:
    label = state.labels.get(value)
    return f"{value} {session.text(label)}" if label is not None else str(value)


def answer(session: Session, event: Event, awaiting: Awaiting) -> str | None:
    """Handle an answer to the open question; return the state to go to, or None to wait on."""
    state = session.current_state()
    if isinstance(state, QuestionnaireState):
        return _answer_item(session, state, event, awaiting)
    if isinstance(state, AskState):
        return _answer_ask(session, state, event, awaiting)
    return None  # waiting (a `wait` state): there is no question to answer


def _chosen_option(event: Event, labels: list[str]) -> int | None:
    if isinstance(event, ButtonPress):
        return event.option
    if isinstance(event, TextAnswer):
        return answers.match_label(event.text, labels)
    return None


def _answer_ask(session: Session, state: AskState, event: Event, awaiting: Awaiting) -> str | None:
    labels = button_labels(session, state)
    if isinstance(event, ButtonPress) and not 0 <= event.option < len(labels):
        session.emit(Stale(token=event.token))  # forged or out-of-date button data
        return None
    value, target = _read(session, state, event, labels)
    if value is None:
        return _misfit(session, state)
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
    return target or state.next


def _read(
    session: Session, state: AskState, event: Event, labels: list[str]
) -> tuple[Any, str | None]:
    """The answer's value and any target its button leads to; (None, None) when it does not fit."""
    kind = state.input_kind
    option = _chosen_option(event, labels)
    if kind == "buttons" and option is not None and state.buttons:
        button = state.buttons[option]
        session.apply_variables(button.set, button.compute)
        value = button.value if button.value is not None else session.plain(button.label)
        return value, button.next
    if kind == "yes_no":
        yes = option == 0 if option is not None else _typed_yes_no(event)
        return (None, None) if yes is None else (yes, state.yes if yes else state.no)
    if kind == "scale" and state.min is not None:
        if isinstance(event, TextAnswer) and answers.looks_numeric(event.text):
            # A typed "10" is the value 10 (not the tenth button), and "11" is out of range.
            return _typed(session, state, event), None
        return (None, None) if option is None else (state.min + option, None)
    if not isinstance(event, TextAnswer):
        return None, None
    return _typed(session, state, event), None


def _typed_yes_no(event: Event) -> bool | None:
    return answers.parse_yes_no(event.text) if isinstance(event, TextAnswer) else None


def _typed(session: Session, state: AskState, event: TextAnswer) -> Any:
    kind = state.input_kind
    if kind in ("number", "scale"):
        return answers.parse_number(event.text, state.min, state.max)
    if kind == "time":
        return answers.parse_time(event.text)
    if kind == "date":
        return answers.parse_date(event.text, event.at.date())
    if kind == "text":
        text = event.text.strip()
        return text if 0 < len(text) <= state.max_length else None
    return None


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
    labels = [session.text(option.label) for option in form.options_for(item)]
    session.awaiting = Awaiting(token=token, input="buttons", item=index, buttons=len(labels))
    session.emit(
        Ask(
            html=f"({index + 1}/{len(form.items)}) {session.text(item.text)}",
            token=token,
            input="buttons",
            buttons=_views(labels),
        )
    )


def _answer_item(
    session: Session, state: QuestionnaireState, event: Event, awaiting: Awaiting
) -> str | None:
    form = state.questionnaire
    index = awaiting.item or 0
    item = form.items[index]
    options = form.options_for(item)
    labels = [session.text(option.label) for option in options]
    option = _chosen_option(event, labels)
    if option is None or not 0 <= option < len(options):
        if isinstance(event, ButtonPress):
            session.emit(Stale(token=event.token))
        else:
            session.emit(Say(html=phrase("reprompt.buttons", session.language())))
            _ask_item(session, form, index, token=awaiting.token)
        return None
    session.scores[item.id] = options[option].score
    if index + 1 < len(form.items):
        _ask_item(session, form, index + 1, token=session.next_token())
        return None
    _score(session, form)
    return state.next


def _score(session: Session, form: Questionnaire) -> None:
    """Total, band, rules: save the result as a variable and emit Score and any alerts."""
    items = dict(session.scores)
    total = sum(items.values())
    band = next((b.label for b in form.bands if b.min <= total <= b.max), None)
    timepoint = render(form.timepoint, session.namespace()).strip() or "adhoc"
    scope = {**items, "items": items, "total": total}
    raised = [rule for rule in form.rules if holds(rule.if_, scope)]
    for rule in raised:
        named = check_expression(rule.if_).variables & set(items)
        detail = {"instrument": form.id, "total": total, **{k: items[k] for k in sorted(named)}}
        session.emit(
            Alert(
                reason=rule.alert.reason,
                level=rule.alert.level,
                flow=session.frame.flow,
                detail=detail,
            )
        )
    session.vars[form.variable] = {
        "total": total,
        "band": band,
        "items": items,
        "timepoint": timepoint,
        "alerts": [rule.alert.reason for rule in raised],
    }
    session.emit(
        Score(
            instrument=form.id,
            timepoint=timepoint,
            items=items,
            total=total,
            band=band,
            variable=form.variable,
        )
    )
    session.scores = {}
    session.awaiting = None
    session.misfits = 0
