"""Variables used in texts and conditions but never set anywhere in the programme (warnings).

Flows share variables through `call`, and branches decide at run time which ones get set, so
"set on some path" is approximated as "set somewhere in the programme".
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from flows.checks import nodes, syntax
from flows.checks.base import CONTEXT_NAMES, SANDBOX_NAMES, FlowFile, Programme
from flows.checks.texts import variants
from flows.diagnostics import Diagnostic
from flows.errors import suggest
from flows.expressions import Compiled, ExpressionError
from flows.loader import NodePath
from flows.model import AskState, CallState, JumpState, QuestionnaireState, SetState

# Set by the engine itself: the outcome of the flow that just ended (after a `call`).
ENGINE_NAMES = frozenset({"last_outcome"})


def defined(file: FlowFile) -> Iterator[str]:
    """Every variable the flow sets or declares."""
    yield from file.flow.inputs
    for _, state, _ in file.states():
        if isinstance(state, AskState):
            if state.save_as:
                yield state.save_as
            for button in state.buttons or []:
                yield from (*button.set, *button.compute)
        elif isinstance(state, SetState):
            yield from (*state.set, *state.compute)
        elif isinstance(state, QuestionnaireState):
            yield state.questionnaire.variable
        elif isinstance(state, CallState | JumpState):
            target = state.call if isinstance(state, CallState) else state.jump
            yield from target.with_


def used(file: FlowFile) -> Iterator[tuple[NodePath, str]]:
    """Every variable a text or expression reads, with where it is read."""
    for at, text in nodes.texts(file):
        for where, source in variants(at, text):
            yield from _names(where, source, syntax.template)
    for at, source in nodes.expressions(file):
        yield from _names(at, source, syntax.expression)
    for _, state, at in file.states():
        if isinstance(state, QuestionnaireState) and file.has((*at, "questionnaire", "timepoint")):
            where = (*at, "questionnaire", "timepoint")
            yield from _names(where, state.questionnaire.timepoint, syntax.template)


def _names(
    at: NodePath, source: str, parse: Callable[[str], Compiled]
) -> Iterator[tuple[NodePath, str]]:
    try:
        compiled = parse(source)
    except ExpressionError:
        return  # reported by the text checks
    for name in sorted(compiled.variables):
        yield at, name


def check(programme: Programme) -> Iterator[Diagnostic]:
    """Warn at each use of a variable that nothing sets."""
    known = {name for file in programme.files for name in defined(file)}
    allowed = known | CONTEXT_NAMES | SANDBOX_NAMES | ENGINE_NAMES
    for file in programme.files:
        for at, name in used(file):
            if name not in allowed:
                hint = suggest(name, sorted(known | CONTEXT_NAMES))
                message = (
                    f"`{name}` is used here but never set{hint}: save it first with `save_as`, "
                    "`set` or `compute`, or declare it under `inputs:`"
                )
                yield file.at(at, message, "warning")
