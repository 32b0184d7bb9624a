"""Interruptions: after a risk trigger the flow says nothing more and is held; it goes on, asked
once more, when the conversation on top of it ends; an out-of-sight question is asked again
before words can answer it."""

from __future__ import annotations

from engine_support import T0, library, of, texts

from flows import engine
from flows.runtime import Alert, Ask, ButtonPress, Effect, RunState, Score, TextAnswer

SCREENING = """
id: screening
title: Screening
start: form
states:
  form:
    questionnaire:
      id: mini
      options:
        - {label: "No", score: 0}
        - {label: "Yes", score: 1}
      items:
        - {id: q1, text: Sleeping badly?}
        - {id: q2, text: Thoughts of harm?}
      rules:
        - if: q2 > 0
          alert: {reason: item_two, level: urgent}
    next: thanks
  thanks:
    say: "Thanks, your score is {{ mini.total }}."
    next: name
  name:
    ask: What should I call you?
    input: text
    save_as: name
    next: done
  done:
    say: "Bye {{ name }}."
    end: completed
"""


def on_alert(effect: Effect) -> bool:
    return isinstance(effect, Alert) and effect.reason == "item_two"


def answer(state: RunState, option: int) -> tuple[RunState, tuple[Effect, ...]]:
    assert state.awaiting is not None
    event = ButtonPress(token=state.awaiting.token, option=option, at=T0)
    result = engine.step(library(SCREENING), state, event, {}, on_alert)
    return result.state, result.effects


def started() -> RunState:
    return engine.start(library(SCREENING), "screening", {}).state


def test_after_the_trigger_the_flow_says_nothing_and_is_held():
    state, _ = answer(started(), 0)
    state, effects = answer(state, 1)
    assert of(Alert, effects)  # the alert and the result still happen
    assert of(Score, effects)
    assert texts(effects) == []  # but no "Thanks" and no next question
    assert state.status == "active"
    assert state.current.state == "thanks"  # held before the state it would enter


def test_a_held_run_goes_on_when_asked_again():
    state, _ = answer(started(), 0)
    state, _ = answer(state, 1)
    result = engine.reask(library(SCREENING), state, {})
    assert texts(result.effects) == ["Thanks, your score is 1.", "What should I call you?"]


def test_without_a_trigger_nothing_is_held():
    state, _ = answer(started(), 0)
    state, effects = answer(state, 0)
    assert texts(effects) == ["Thanks, your score is 0.", "What should I call you?"]


def test_a_held_run_answers_an_old_button_as_stale():
    first = started()
    state, _ = answer(first, 0)
    state, _ = answer(state, 1)
    assert first.awaiting is not None
    event = ButtonPress(token=first.awaiting.token, option=0, at=T0)
    result = engine.step(library(SCREENING), state, event, {})
    assert [effect.kind for effect in result.effects] == ["stale"]
    assert result.state.current.state == "thanks"


def test_an_out_of_sight_question_is_asked_again_before_words_answer_it():
    state, _ = answer(started(), 0)
    state = engine.reask(library(SCREENING), answer(state, 0)[0], {}).state
    hidden = engine.out_of_sight(state)
    typed = TextAnswer(text="ok thanks", at=T0)
    result = engine.step(library(SCREENING), hidden, typed, {})
    assert [e.html for e in of(Ask, result.effects)] == ["What should I call you?"]
    assert "name" not in result.state.vars  # "ok thanks" was not taken as the name
    result = engine.step(library(SCREENING), result.state, TextAnswer(text="Sam", at=T0), {})
    assert texts(result.effects) == ["Bye Sam."]
