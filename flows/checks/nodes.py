"""Where the texts, expressions and media of a flow are, as (node path, value) pairs."""

from __future__ import annotations

from collections.abc import Iterator

from flows.checks.base import FlowFile
from flows.loader import NodePath
from flows.model import (
    AskState,
    BranchState,
    LocalText,
    Message,
    Questionnaire,
    QuestionnaireState,
    RecordState,
    SetState,
)

_MESSAGE_KEYS = ("text", "image", "document")


def messages(file: FlowFile) -> Iterator[tuple[NodePath, Message]]:
    """Every message of every `say:`, at the node it was written as (a list item or not)."""
    for _, state, at in file.states():
        base = (*at, "say")
        written_as_list = isinstance(file.raw(base), list)
        for index, message in enumerate(state.say or []):
            yield ((*base, index) if written_as_list else base), message


def _message_part(file: FlowFile, at: NodePath, key: str) -> NodePath:
    """A message written as a bare text (or language map) is its own `text`."""
    raw = file.raw(at)
    if isinstance(raw, dict) and any(k in raw for k in _MESSAGE_KEYS):
        return (*at, key)
    return at


def texts(file: FlowFile) -> Iterator[tuple[NodePath, LocalText]]:
    """Every text the patient may see, with its node path."""
    for at, message in messages(file):
        if message.text is not None:
            yield _message_part(file, at, "text"), message.text
    for _, state, at in file.states():
        if isinstance(state, AskState):
            yield from _ask_texts(state, at)
        elif isinstance(state, QuestionnaireState):
            yield from _questionnaire_texts(state.questionnaire, (*at, "questionnaire"))


def _ask_texts(state: AskState, at: NodePath) -> Iterator[tuple[NodePath, LocalText]]:
    yield (*at, "ask"), state.ask
    if state.reprompt is not None:
        yield (*at, "reprompt"), state.reprompt
    for value, label in state.labels.items():
        yield (*at, "labels", str(value)), label
    for index, button in enumerate(state.buttons or []):
        yield (*at, "buttons", index, "label"), button.label


def _questionnaire_texts(form: Questionnaire, at: NodePath) -> Iterator[tuple[NodePath, LocalText]]:
    if form.preamble is not None:
        yield (*at, "preamble"), form.preamble
    for index, option in enumerate(form.options or []):
        yield (*at, "options", index, "label"), option.label
    for index, item in enumerate(form.items):
        yield (*at, "items", index, "text"), item.text
        for number, option in enumerate(item.options or []):
            yield (*at, "items", index, "options", number, "label"), option.label


def expressions(file: FlowFile) -> Iterator[tuple[NodePath, str]]:
    """Every condition and computed value, with its node path (questionnaire rules aside)."""
    for _, state, at in file.states():
        if isinstance(state, BranchState):
            for index, arm in enumerate(state.branch):
                if arm.if_ is not None:
                    yield (*at, "branch", index, "if"), arm.if_
        elif isinstance(state, SetState):
            for name, source in state.compute.items():
                yield (*at, "compute", name), source
        elif isinstance(state, AskState):
            for index, button in enumerate(state.buttons or []):
                for name, source in button.compute.items():
                    yield (*at, "buttons", index, "compute", name), source
        elif isinstance(state, RecordState):
            for name, source in state.record.data.items():
                yield (*at, "record", "data", name), source
            if state.record.remind_at is not None:
                yield (*at, "record", "remind_at"), state.record.remind_at


def media(file: FlowFile) -> Iterator[tuple[NodePath, str]]:
    """Every image and document path, with its node path."""
    for at, message in messages(file):
        if message.image is not None:
            yield (*at, "image"), message.image
        if message.document is not None:
            yield (*at, "document"), message.document
