"""Checks across flow files: flow ids are unique and `call` / `jump` name existing flows."""

from __future__ import annotations

from collections.abc import Iterator

from flows.checks.base import FlowFile, Programme
from flows.diagnostics import Diagnostic
from flows.errors import suggest
from flows.loader import NodePath
from flows.model import CallState, JumpState


def duplicate_ids(programme: Programme) -> Iterator[Diagnostic]:
    """A flow id used by two files: reported at the second, naming the first."""
    first: dict[str, FlowFile] = {}
    for file in programme.files:
        earlier = first.setdefault(file.flow.id, file)
        if earlier is not file:
            line, column = earlier.parsed.positions.value(("id",))
            message = (
                f"flow id `{file.flow.id}` is already used by {earlier.path}:{line}:{column}: "
                "give each flow its own id"
            )
            yield file.at(("id",), message)


def _flow_node(file: FlowFile, at: NodePath, key: str) -> NodePath:
    """`call: NAME` is its own flow name; `call: {flow: NAME}` has it under `flow`."""
    return (*at, key, "flow") if isinstance(file.raw((*at, key)), dict) else (*at, key)


def unknown_flows(programme: Programme) -> Iterator[Diagnostic]:
    """`call` and `jump` to a flow that no file defines."""
    ids = sorted(programme.flow_ids)
    for file in programme.files:
        for _, state, at in file.states():
            if isinstance(state, CallState):
                key, target = "call", state.call.flow
            elif isinstance(state, JumpState):
                key, target = "jump", state.jump.flow
            else:
                continue
            if target not in programme.flow_ids:
                message = f"there is no flow with id `{target}`{suggest(target, ids)}"
                yield file.at(_flow_node(file, at, key), message)
