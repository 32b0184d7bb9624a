"""Unscored questionnaire items (the PHQ-9's difficulty question): asked, kept, never counted."""

from __future__ import annotations

from collections.abc import Callable

from engine_support import T0, Chat, labels, library, of, texts

from flows import engine
from flows.runtime import Alert, Ask, ButtonPress, Effect, RunState, Score, StepResult

FORM = """
id: t
title: T
start: s
states:
  s:
    questionnaire:
      id: mini
      options:
        - {label: Not at all, score: 0}
        - {label: Several days, score: 1}
        - {label: Nearly every day, score: 3}
      items:
        - {id: q1, text: Little interest}
        - {id: q2, text: Feeling down}
        - id: q3
          text: How difficult has it been?
          scored: false
          if: total > 0
          options:
            - {label: Not difficult at all, score: 0}
            - {label: Somewhat difficult, score: 1}
            - {label: Very difficult, score: 2}
            - {label: Extremely difficult, score: 3}
      bands:
        - {min: 0, max: 2, label: low}
        - {min: 3, max: 6, label: high}
      rules:
        - if: q3 == 3
          alert: {reason: very_hard, level: info}
        - if: q2 == 3
          alert: {reason: risk, level: urgent}
    next: e
  e:
    say: "{{ mini.total }} {{ mini.band }} {{ mini.unscored.q3 | default('-') }}"
    end: completed
"""


def test_the_unscored_item_is_asked_unnumbered_with_its_own_options() -> None:
    chat = Chat(library(FORM), "t")
    assert texts(chat.effects) == ["(1/2) Little interest"]
    chat.tap("Several days")
    assert chat.last_ask.html == "(2/2) Feeling down"
    effects = chat.tap("Not at all")
    (asked,) = of(Ask, effects)
    assert asked.html == "How difficult has it been?"
    assert labels(asked) == [
        "Not difficult at all",
        "Somewhat difficult",
        "Very difficult",
        "Extremely difficult",
    ]
    assert not of(Score, effects)  # the result waits for the last question asked


def test_the_unscored_answer_is_kept_apart_and_never_in_the_total_or_band() -> None:
    chat = Chat(library(FORM), "t")
    chat.tap("Several days")
    chat.tap("Several days")
    effects = chat.tap("Very difficult")  # 2: would make the total 4 ("high") if it counted
    (score,) = of(Score, effects)
    assert (score.total, score.band) == (2, "low")
    assert score.items == {"q1": 1, "q2": 1}
    assert score.unscored == {"q3": 2}
    assert chat.vars["mini"]["unscored"] == {"q3": 2}
    assert chat.vars["mini"]["items"] == {"q1": 1, "q2": 1}
    assert texts(effects)[-1] == "2 low 2"


def test_its_condition_skips_it_when_every_scored_answer_is_zero() -> None:
    chat = Chat(library(FORM), "t")
    chat.tap("Not at all")
    effects = chat.tap("Not at all")
    (score,) = of(Score, effects)
    assert (score.total, score.items, score.unscored) == (0, {"q1": 0, "q2": 0}, {})
    assert not of(Ask, effects)
    assert chat.vars["mini"]["unscored"] == {}
    assert texts(effects)[-1] == "0 low -"


def test_a_rule_may_read_the_unscored_answer() -> None:
    chat = Chat(library(FORM), "t")
    chat.tap("Nearly every day")
    chat.tap("Not at all")
    effects = chat.tap("Extremely difficult")
    (alert,) = of(Alert, effects)
    assert alert.reason == "very_hard"
    assert alert.detail == {"instrument": "mini", "total": 3, "q3": 3}


def test_a_questionnaire_without_unscored_items_saves_what_it_always_did() -> None:
    plain = FORM.split("        - id: q3")[0] + "    next: e\n  e:\n    end: completed\n"
    chat = Chat(library(plain), "t")
    chat.tap("Several days")
    chat.tap("Several days")
    assert chat.vars["mini"] == {
        "total": 2, "band": None, "items": {"q1": 1, "q2": 1}, "timepoint": "adhoc", "alerts": [],
    }  # fmt: skip


def _tap(state: RunState, option: int, interrupt: Callable[[Effect], bool]) -> StepResult:
    """Tap a button with the host's interrupt test, as the app steps a run."""
    assert state.awaiting is not None
    press = ButtonPress(token=state.awaiting.token, option=option, at=T0)
    return engine.step(library(FORM), state, press, {}, interrupt)


def test_after_a_risk_trigger_the_unscored_item_is_not_asked_and_the_score_comes_at_once() -> None:
    def risk(effect: Effect) -> bool:  # what the app's safety watch says of this alert
        return isinstance(effect, Alert) and effect.reason == "risk"

    state = engine.start(library(FORM), "t", {}, {}).state
    state = _tap(state, 1, risk).state  # q1: several days
    result = _tap(state, 2, risk)  # q2: nearly every day, the risk rule holds
    assert not [e for e in of(Ask, list(result.effects)) if "difficult" in e.html]
    (score,) = of(Score, list(result.effects))
    assert (score.total, score.unscored) == (4, {})
    assert [a.reason for a in of(Alert, list(result.effects))] == ["risk"]


def test_an_alert_that_does_not_interrupt_still_lets_the_unscored_item_be_asked() -> None:
    state = engine.start(library(FORM), "t", {}, {}).state
    state = _tap(state, 1, lambda effect: False).state
    result = _tap(state, 2, lambda effect: False)
    assert not of(Score, list(result.effects))
    assert of(Ask, list(result.effects))[-1].html == "How difficult has it been?"
