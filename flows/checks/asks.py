"""Questions that make sense: the keys of an `ask` state fit its kind of answer."""

from __future__ import annotations

from collections.abc import Iterator

from flows.checks.base import FlowFile
from flows.diagnostics import Diagnostic
from flows.loader import NodePath
from flows.model import AskState

# A Telegram keyboard row gets unreadable beyond this many buttons (0–10 is the usual scale).
MAX_SCALE_BUTTONS = 11


def check(file: FlowFile) -> Iterator[Diagnostic]:
    """Every `ask` state's keys against its `input` kind."""
    for _, state, at in file.states():
        if isinstance(state, AskState):
            yield from _buttons(file, state, at)
            yield from _range(file, state, at)
            yield from _labels(file, state, at)
            yield from _only_for(file, state, at)


def _buttons(file: FlowFile, state: AskState, at: NodePath) -> Iterator[Diagnostic]:
    kind = state.input_kind
    if state.buttons is not None and kind != "buttons":
        message = f"`buttons` only go with `input: buttons`, not `{kind}`: remove one of them"
        yield file.at_key((*at, "buttons"), message)
    if kind == "buttons" and not state.buttons:
        yield file.at((*at, "input"), "`input: buttons` needs `buttons:` to offer")


def _range(file: FlowFile, state: AskState, at: NodePath) -> Iterator[Diagnostic]:
    if state.input_kind not in ("number", "scale"):
        for key in ("min", "max"):
            if file.has((*at, key)):
                message = f"`{key}` only goes with `input: number` or `input: scale`"
                yield file.at_key((*at, key), message)
        return
    if state.min is None or state.max is None:
        message = f"`input: {state.input_kind}` needs `min` and `max` (like `min: 0`, `max: 10`)"
        yield file.at((*at, "input"), message)
    elif state.min > state.max:
        yield file.at((*at, "min"), f"`min` ({state.min}) is above `max` ({state.max})")
    elif state.input_kind == "scale" and state.max - state.min + 1 > MAX_SCALE_BUTTONS:
        count = state.max - state.min + 1
        message = (
            f"a scale from {state.min} to {state.max} needs {count} buttons; at most "
            f"{MAX_SCALE_BUTTONS} fit a keyboard: narrow the range or use `input: number`"
        )
        yield file.at((*at, "max"), message)


def _labels(file: FlowFile, state: AskState, at: NodePath) -> Iterator[Diagnostic]:
    if not state.labels:
        return
    if state.input_kind != "scale":
        yield file.at_key((*at, "labels"), "`labels` only go with `input: scale`")
        return
    if state.min is None or state.max is None:
        return
    for value in state.labels:
        if not state.min <= value <= state.max:
            message = f"label for {value} is outside the scale {state.min}–{state.max}"
            yield file.at_key((*at, "labels", str(value)), message)


def _only_for(file: FlowFile, state: AskState, at: NodePath) -> Iterator[Diagnostic]:
    kind = state.input_kind
    for key in ("yes", "no"):
        if getattr(state, key) is not None and kind != "yes_no":
            message = f"`{key}` only goes with `input: yes_no` (this question is `{kind}`)"
            yield file.at_key((*at, key), message)
    if file.has((*at, "max_length")) and kind != "text":
        message = f"`max_length` only goes with `input: text` (this question is `{kind}`)"
        yield file.at_key((*at, "max_length"), message)
