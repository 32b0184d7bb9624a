"""Property tests: whatever a patient (or a forged callback) sends, the engine never breaks.

Random sequences of typed texts, button presses (valid, stale, out of range, forged tokens) and
timeouts are played against the shipped programme and a few synthetic flows. After every step the
run state must be JSON, `awaiting` must match the state the run is in, an active run must be
waiting for something, and every question must be sendable.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from engine_support import library
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flows import engine
from flows.library import FlowLibrary, load_programme
from flows.model import AskState, QuestionnaireState, WaitState
from flows.runtime import (
    Ask,
    ButtonPress,
    Event,
    RunState,
    StepResult,
    TextAnswer,
    TimeoutFired,
)

PROGRAMME = Path(__file__).resolve().parents[3] / "flows" / "programme"
T0 = datetime(2026, 3, 14, 23, 59, tzinfo=UTC)
MAX_BUTTONS = 11

PROPERTY_SETTINGS = settings(
    max_examples=200,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@cache
def shipped() -> FlowLibrary:
    lib, problems = load_programme([PROGRAMME])
    assert not [p for p in problems if p.severity == "error"], problems
    return lib


SYNTHETIC = [
    """
id: every_input
title: Every input
start: scale
states:
  scale:
    ask: {en: "Mood {{ alias }}?", zh: 心情？}
    input: scale
    min: 0
    max: 10
    labels: {0: low, 10: high}
    save_as: mood
    timeout: {after: 1h, next: number}
    next: number
  number:
    ask: Hours?
    input: number
    min: 0
    max: 24
    save_as: hours
    max_misfits: 2
    on_misfits: yes_no
    next: yes_no
  yes_no:
    ask: Sure?
    input: yes_no
    save_as: sure
    yes: time
    no: date
  time:
    ask: When?
    input: time
    save_as: at
    next: date
  date:
    ask: Which day?
    input: date
    save_as: day
    next: words
  words:
    ask: Say something
    input: text
    max_length: 5
    save_as: words
    reprompt: Shorter please, {{ alias }}
    next: pick
  pick:
    ask: Pick
    buttons:
      - {label: Again, set: {again: true}, compute: {mood2: "mood * 2"}, next: scale}
      - {label: Wait, next: pause}
      - {label: Quiz, next: quiz}
      - {label: Call, next: call_it}
      - {label: Stop, next: stop}
  pause:
    wait: 10m
    next: pick
  quiz:
    questionnaire:
      id: quiz
      timepoint: "{{ week | default('adhoc') }}"
      options: [{label: No, score: 0}, {label: Some, score: 1}, {label: Lots, score: 3}]
      items:
        - {id: a, text: First}
        - {id: b, text: Second, options: [{label: "0", score: 0}, {label: "1", score: 1}]}
      bands: [{min: 0, max: 2, label: low}, {min: 3, max: 4, label: high}]
      rules:
        - if: b > 0
          alert: {reason: item_b}
    next: branch
  branch:
    branch:
      - if: quiz.total >= 3 and mood < 4
        next: alert
      - else: pick
  alert:
    alert: {reason: low_mood, level: warning}
    next: hand
  hand:
    handover: low_mood
    next: assign
  assign:
    assign: {exercise: diary, remind_after: P1D}
    next: pick
  call_it:
    call: {flow: helper, with: {week: w2}}
    next: pick
  stop:
    end: stopped
""",
    """
id: helper
title: Helper
start: q
states:
  q:
    ask: Helper question
    buttons: [{label: Back, next: done}, {label: Jump, next: j}]
    timeout: {after: 1d, next: done}
  done:
    end: completed
  j:
    jump: {flow: every_input}
""",
]


@cache
def synthetic() -> FlowLibrary:
    return library(*SYNTHETIC)


# ----- events -----------------------------------------------------------------------------


WORDS = ["yes", "no", "是", "不", "today", "tomorrow", "明天", "9pm", "25:00", "7.5", "-3", "nan"]
odd_texts = st.one_of(
    st.text(max_size=40),
    st.just(""),
    st.just("x" * 5000),
    st.just("1" * 5000),
    st.sampled_from(WORDS),
    st.integers(min_value=-5, max_value=120).map(str),
    st.text(alphabet="0123456789٠١٢፩²①２.,-", max_size=8),
)


def draw_event(data: st.DataObject, state: RunState, asked: Ask | None, tokens: list[str]) -> Event:
    at = T0 + timedelta(minutes=data.draw(st.integers(0, 60 * 24 * 40)))
    token = state.awaiting.token if state.awaiting else "1"
    any_token = st.one_of(st.just(token), st.sampled_from(tokens or ["1"]), st.text(max_size=6))
    kind = data.draw(st.sampled_from(["text", "label", "press", "press", "timeout"]))
    if kind == "label" and asked is not None and asked.buttons:
        label = data.draw(st.sampled_from([b.label for b in asked.buttons]))
        return TextAnswer(text=label, at=at)
    if kind == "press":
        count = len(asked.buttons) if asked else 0
        options = st.integers(0, max(count - 1, 0)) if count else st.just(0)
        option = data.draw(st.one_of(options, st.integers(-(2**40), 2**40)))
        return ButtonPress(token=data.draw(any_token), option=option, at=at)
    if kind == "timeout":
        return TimeoutFired(token=data.draw(any_token), at=at)
    return TextAnswer(text=data.draw(odd_texts), at=at)


# ----- invariants -------------------------------------------------------------------------


def check(source: FlowLibrary, result: StepResult) -> None:
    state = result.state
    data = state.to_json()
    json.dumps(data, allow_nan=False)
    assert RunState.from_json(data) == state
    for effect in result.effects:
        if isinstance(effect, Ask):
            assert effect.html.strip(), effect
            assert len(effect.buttons) <= MAX_BUTTONS, effect
            assert [b.option for b in effect.buttons] == list(range(len(effect.buttons)))
            assert state.awaiting is not None
            assert effect.token == state.awaiting.token
    if state.status == "finished":
        assert state.awaiting is None
        assert state.outcome
        return
    awaiting = state.awaiting
    assert awaiting is not None, "an active run must wait for something"
    current = source.get(state.current.flow, state.current.revision).states[state.current.state]
    if isinstance(current, WaitState):
        assert awaiting.input == "wait"
        assert awaiting.timeout
    elif isinstance(current, QuestionnaireState):
        assert awaiting.item is not None
        assert 0 <= awaiting.item < len(current.questionnaire.items)
        assert awaiting.input == "buttons"
    else:
        assert isinstance(current, AskState), current
        assert awaiting.item is None
        assert awaiting.input == current.input_kind
        assert awaiting.timeout == (current.timeout is not None)
    assert len(json.dumps(data)) < 60_000


def play(data: st.DataObject, source: FlowLibrary, flow_id: str, context: dict[str, Any]) -> None:
    result = engine.start(source, flow_id, context)
    check(source, result)
    tokens: list[str] = []
    asked: Ask | None = None
    for _ in range(data.draw(st.integers(1, 40))):
        asks = [e for e in result.effects if isinstance(e, Ask)]
        asked = asks[-1] if asks else asked
        state = result.state
        if state.awaiting and state.awaiting.token not in tokens:
            tokens.append(state.awaiting.token)
        if data.draw(st.integers(0, 19)) == 0:
            result = engine.reask(source, state, context)
            check(source, result)
            assert result.state == state
            continue
        event = draw_event(data, state, asked, tokens)
        result = engine.step(source, state, event, context)
        check(source, result)


contexts = st.fixed_dictionaries(
    {"language": st.sampled_from(["en", "zh", "fr"])},
    optional={"alias": st.text(max_size=12), "timepoint": st.sampled_from(["baseline", "w4"])},
)


@PROPERTY_SETTINGS
@given(data=st.data(), context=contexts)
def test_random_events_never_break_a_shipped_flow(
    data: st.DataObject, context: dict[str, Any]
) -> None:
    source = shipped()
    flow_id = data.draw(st.sampled_from(sorted(source.flows)))
    play(data, source, flow_id, context)


@PROPERTY_SETTINGS
@given(data=st.data(), context=contexts)
def test_random_events_never_break_synthetic_flows(
    data: st.DataObject, context: dict[str, Any]
) -> None:
    source = synthetic()
    flow_id = data.draw(st.sampled_from(["every_input", "helper"]))
    play(data, source, flow_id, context)


def test_the_shipped_programme_offers_flows_to_test() -> None:
    assert {"onboarding", "phq9", "gad7", "example_lesson"} <= set(shipped().flows)
