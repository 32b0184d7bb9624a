"""The flow as a graph of states: unknown targets, dead ends, unreachable states, busy loops."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from flows.checks.base import FlowFile
from flows.diagnostics import Diagnostic
from flows.engine import MAX_TRANSITIONS
from flows.errors import suggest
from flows.loader import NodePath
from flows.model import FINAL_KINDS, AskState, BranchState, State

Edge = tuple[NodePath, str]  # where the target is written, and the state it names

# Kinds that stop and wait for the patient (or the clock); a loop through one of them is fine.
WAITING_KINDS = frozenset({"ask", "questionnaire", "wait", "call", "jump", "end"})


def _next_edge(state: State, at: NodePath) -> Iterator[Edge]:
    if state.next is not None and state.kind not in FINAL_KINDS:
        yield (*at, "next"), state.next


def _ask_edges(state: State, at: NodePath) -> Iterator[Edge]:
    assert isinstance(state, AskState)
    for index, button in enumerate(state.buttons or []):
        if button.next is not None:
            yield (*at, "buttons", index, "next"), button.next
    for key in ("yes", "no", "on_misfits"):
        target = getattr(state, key)
        if target is not None:
            yield (*at, key), target
    if state.timeout is not None:
        yield (*at, "timeout", "next"), state.timeout.next


def _branch_edges(state: State, at: NodePath) -> Iterator[Edge]:
    assert isinstance(state, BranchState)
    for index, arm in enumerate(state.branch):
        if arm.next is not None:
            yield (*at, "branch", index, "next"), arm.next
        if arm.else_ is not None:
            yield (*at, "branch", index, "else"), arm.else_


# Beyond `next`, which other keys of a state lead to another state.
_EDGES: dict[str, Callable[[State, NodePath], Iterator[Edge]]] = {
    "ask": _ask_edges,
    "branch": _branch_edges,
}


def edges(state: State, at: NodePath) -> list[Edge]:
    """Every state this one may move to, with where each target is written."""
    extra = _EDGES.get(state.kind)
    return [*_next_edge(state, at), *(extra(state, at) if extra else ())]


def check(file: FlowFile) -> Iterator[Diagnostic]:
    """Targets, start, migrate map, ways out, `else` arms, reachability and busy loops."""
    yield from _start(file)
    yield from _targets(file)
    yield from _migrate(file)
    for name, state, at in file.states():
        yield from _way_out(file, name, state, at)
        yield from _final_next(file, state, at)
    yield from _unreachable(file)
    yield from _busy_loops(file)


def _unknown(file: FlowFile, target: str) -> str:
    return f"there is no state `{target}` in this flow{suggest(target, list(file.flow.states))}"


def _start(file: FlowFile) -> Iterator[Diagnostic]:
    if file.flow.start not in file.flow.states:
        yield file.at(("start",), f"`start`: {_unknown(file, file.flow.start)}")


def _targets(file: FlowFile) -> Iterator[Diagnostic]:
    for _, state, at in file.states():
        for where, target in edges(state, at):
            if target not in file.flow.states:
                yield file.at(where, f"`{where[-1]}` leads nowhere: {_unknown(file, target)}")


def _migrate(file: FlowFile) -> Iterator[Diagnostic]:
    # Keys name states of older revisions, which may be gone: only the targets must exist now.
    for old, target in file.flow.migrate.items():
        if target not in file.flow.states:
            message = f"runs on `{old}` would move to a missing state: {_unknown(file, target)}"
            yield file.at(("migrate", old), message)


def _way_out(file: FlowFile, name: str, state: State, at: NodePath) -> Iterator[Diagnostic]:
    if isinstance(state, BranchState):
        yield from _branch_arms(file, state, at)
        return
    if state.kind in FINAL_KINDS or state.next is not None:
        return
    problem = _stuck(state)
    if problem is not None:
        yield file.at_key(at, f"state `{name}` {problem}")


def _stuck(state: State) -> str | None:
    """Why a state without `next` has no way out (None when it has one)."""
    if not isinstance(state, AskState):
        return f"({state.kind}) has no `next`: say where to go afterwards, or end with `end: ...`"
    kind = state.input_kind
    if kind == "buttons":
        if state.buttons and all(button.next for button in state.buttons):
            return None
        return "has buttons without `next` and no `next` of its own: add `next` to the state"
    if kind == "yes_no":
        if state.yes and state.no:
            return None
        return "has no `next` and not both `yes` and `no`: say where each answer goes"
    return "has no `next`: say where to go after the answer"


def _branch_arms(file: FlowFile, state: BranchState, at: NodePath) -> Iterator[Diagnostic]:
    arms = state.branch
    elses = [index for index, arm in enumerate(arms) if arm.else_ is not None]
    for index in elses:
        if index != len(arms) - 1:
            message = "arms after `else` are never tried: move `- else: STATE` to the end"
            yield file.at((*at, "branch", index), message)
    if not elses and state.next is None:
        message = "when no condition holds, this branch has nowhere to go: end with `- else: STATE`"
        yield file.at_key((*at, "branch"), message)


def _final_next(file: FlowFile, state: State, at: NodePath) -> Iterator[Diagnostic]:
    if state.kind in FINAL_KINDS and state.next is not None:
        message = f"a `{state.kind}` state never goes on, so its `next` is ignored: remove it"
        yield file.at_key((*at, "next"), message, "warning")


def successors(file: FlowFile) -> dict[str, list[str]]:
    """Each state's possible next states (only those that exist)."""
    return {
        name: [t for _, t in edges(state, at) if t in file.flow.states]
        for name, state, at in file.states()
    }


def _reach(graph: dict[str, list[str]], roots: list[str]) -> set[str]:
    seen: set[str] = set()
    todo = [root for root in roots if root in graph]
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo.extend(graph[name])
    return seen


def _unreachable(file: FlowFile) -> Iterator[Diagnostic]:
    # States that receive runs of older revisions (`migrate:` targets) are reached that way.
    roots = [file.flow.start, *file.flow.migrate.values()]
    if file.flow.start not in file.flow.states:
        return  # already an error; every state would look unreachable
    reached = _reach(successors(file), roots)
    for name, _, at in file.states():
        if name not in reached:
            message = f"state `{name}` can never be reached from `start`: lead to it or remove it"
            yield file.at_key(at, message, "warning")


def _loop_through(graph: dict[str, list[str]], name: str) -> list[str]:
    """The states on loops through `name` (empty when it is on none), in file order."""
    ahead = _reach(graph, graph[name])
    if name not in ahead:
        return []
    return [other for other in graph if other in ahead and name in _reach(graph, graph[other])]


def _busy_loops(file: FlowFile) -> Iterator[Diagnostic]:
    states = file.flow.states
    graph = {
        name: [t for t in targets if states[t].kind not in WAITING_KINDS]
        for name, targets in successors(file).items()
        if states[name].kind not in WAITING_KINDS
    }
    reported: set[str] = set()
    for name in graph:
        if name in reported:
            continue
        loop = _loop_through(graph, name)
        if not loop:
            continue
        reported.update(loop)
        message = (
            f"state `{name}` comes back to itself without waiting for the patient (through "
            f"{', '.join(loop)}); the engine stops such a run after {MAX_TRANSITIONS} moves: "
            "put a question or a `wait` in the loop"
        )
        yield file.at_key(("states", name), message, "warning")
