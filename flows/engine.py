"""The pure flow engine: (run state, event) in, (new run state, effects) out.

No I/O, no clock, no global state: time arrives in the event, flows come from a `FlowSource`,
and everything that should happen in the world comes back as effects for the caller to apply.
A bad answer never raises; it produces a reprompt. A flow that runs in circles is stopped after
`MAX_TRANSITIONS` moves with a `Problem` effect, so a researcher's YAML can never hang the bot.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol

from flows import questions
from flows.expressions import evaluate, holds, storable
from flows.model import (
    AlertState,
    AskState,
    AssignState,
    BranchState,
    CallState,
    EndState,
    Flow,
    HandoverState,
    JumpState,
    QuestionnaireState,
    RecordState,
    SetState,
    State,
    WaitState,
)
from flows.runtime import (
    Alert,
    AssignExercise,
    Awaiting,
    ButtonPress,
    Effect,
    Event,
    FlowFinished,
    FlowStarted,
    Frame,
    Handover,
    RecordEntry,
    RunState,
    ScheduleTimeout,
    Stale,
    StepResult,
    TextAnswer,
    TimeoutFired,
)
from flows.session import HELD, Session

MAX_TRANSITIONS = 1000


class FlowSource(Protocol):
    """Where the engine finds flows: the current revision, or an older one by its hash."""

    default_language: str

    def get(self, flow_id: str, revision: str | None = None) -> Flow:
        """The flow (latest revision when `revision` is None); KeyError when unknown."""
        ...


def start(
    source: FlowSource, flow_id: str, context: Mapping[str, Any], variables: Mapping[str, Any] = {}
) -> StepResult:
    """Begin a run of `flow_id` at its start state; `variables` seed the run's own variables."""
    flow = source.get(flow_id)
    state = RunState(current=Frame(flow=flow.id, revision=flow.revision, state=flow.start))
    session = Session(source, state, context, None)
    session.vars.update(variables)
    session.emit(FlowStarted(flow=flow.id, revision=flow.revision))
    _run_from(session, flow.start)
    return session.result()


def step(
    source: FlowSource,
    state: RunState,
    event: Event,
    context: Mapping[str, Any],
    interrupt: Callable[[Effect], bool] | None = None,
) -> StepResult:
    """Apply one event to a run and return the new state with its effects.

    When `interrupt` says yes to an effect, the flow says nothing after it: the run is held
    before its next state (see `reask`), so another conversation can be the only one open.
    """
    session = Session(source, state, context, event, interrupt)
    awaiting = state.awaiting
    if state.status != "active" or awaiting is None:
        return _stale_or_nothing(session, event)
    if awaiting.input == HELD:
        _go_on_or_stale(session, event)
    elif awaiting.unseen and isinstance(event, TextAnswer):
        _repeat(session, awaiting)
    elif isinstance(event, TimeoutFired):
        _on_timeout(session, event, awaiting)
    elif isinstance(event, ButtonPress) and event.token != awaiting.token:
        session.emit(Stale(token=event.token))
    else:
        target = questions.answer(session, event, awaiting)
        if target is not None:
            _run_from(session, target)
    return session.result()


def reask(source: FlowSource, state: RunState, context: Mapping[str, Any]) -> StepResult:
    """Send the open question again with the same token, or let a held run go on.

    Used after a command, a restart, or the conversation that interrupted this one ended.
    """
    session = Session(source, state, context, None)
    if state.status == "active" and state.awaiting is not None:
        if state.awaiting.input == HELD:
            _go_on(session)
        else:
            _repeat(session, state.awaiting)
    return session.result()


def out_of_sight(state: RunState) -> RunState:
    """The run with its open question marked unseen: the patient's next words re-ask it."""
    if state.awaiting is None or state.awaiting.input == HELD:
        return state
    return state.model_copy(update={"awaiting": state.awaiting.model_copy(update={"unseen": True})})


def _repeat(session: Session, awaiting: Awaiting) -> None:
    session.awaiting = awaiting.model_copy(update={"unseen": False})
    questions.repeat(session, session.awaiting)


def _go_on(session: Session) -> None:
    """A held run enters the state it was held before."""
    session.awaiting = None
    _run_from(session, session.frame.state)


def _go_on_or_stale(session: Session, event: Event) -> None:
    # A held run has no open question: an old button or timeout is stale, words let it go on.
    if isinstance(event, ButtonPress | TimeoutFired):
        session.emit(Stale(token=event.token))
    else:
        _go_on(session)


def migrate(source: FlowSource, state: RunState, context: Mapping[str, Any]) -> StepResult:
    """Move a run to newer revisions where their `migrate:` maps say how; else leave it."""
    session = Session(source, state, context, None)
    if state.status != "active":
        return session.result()
    session.stack = [_migrated_frame(source, frame) for frame in session.stack]
    current = _migrated_frame(source, session.frame)
    if current == session.frame:
        return session.result()  # callers may have moved; the open question stays as it is
    session.frame = current
    session.awaiting = None
    session.misfits = 0
    _run_from(session, current.state)
    return session.result()


def _migrated_frame(source: FlowSource, frame: Frame) -> Frame:
    try:
        latest = source.get(frame.flow)
    except KeyError:
        return frame
    if latest.revision == frame.revision or frame.state not in latest.migrate:
        return frame
    return Frame(flow=latest.id, revision=latest.revision, state=latest.migrate[frame.state])


def _stale_or_nothing(session: Session, event: Event) -> StepResult:
    if isinstance(event, ButtonPress | TimeoutFired):
        session.emit(Stale(token=event.token))
    return session.result()


def _on_timeout(session: Session, event: TimeoutFired, awaiting: Awaiting) -> None:
    if event.token != awaiting.token or not awaiting.timeout:
        session.emit(Stale(token=event.token))
        return
    state = session.current_state()
    target = state.timeout.next if isinstance(state, AskState) and state.timeout else state.next
    session.awaiting = None
    session.misfits = 0
    session.scores = {}
    if target is None:
        session.fail(f"state {session.frame.state!r} has nowhere to go after waiting")
        return
    _run_from(session, target)


def _run_from(session: Session, name: str) -> None:
    """Enter states one after another until one waits for the patient, or the run ends."""
    target: str | None = name
    for _ in range(MAX_TRANSITIONS):
        if target is None or session.status != "active":
            return
        if session.interrupted:
            session.hold(target)
            return
        target = _enter(session, target)
    session.fail(f"the flow moved {MAX_TRANSITIONS} times without waiting for the patient")


def _enter(session: Session, name: str) -> str | None:
    """Enter one state; return the next state to enter, or None to stop here."""
    flow = session.flow()
    if name not in flow.states:
        session.fail(f"flow {flow.id!r} has no state {name!r}")
        return None
    session.frame = session.frame.model_copy(update={"state": name})
    state = flow.states[name]
    for message in state.say or []:
        session.say(message)
    return _enter_kind(session, state)


def _enter_kind(session: Session, state: State) -> str | None:
    """What entering a state of each kind does; a plain `say` state just moves on."""
    match state:
        case SetState():
            return _enter_set(session, state)
        case BranchState():
            return _enter_branch(session, state)
        case AssignState():
            return _enter_assign(session, state)
        case RecordState():
            return _enter_record(session, state)
        case HandoverState():
            return _enter_handover(session, state)
        case AlertState():
            return _enter_alert(session, state)
        case AskState():
            return _enter_ask(session, state)
        case QuestionnaireState():
            return _enter_questionnaire(session, state)
        case WaitState():
            return _enter_wait(session, state)
        case CallState():
            return _enter_call(session, state)
        case JumpState():
            return _enter_jump(session, state)
        case EndState():
            return _enter_end(session, state)
        case _:
            return _require_next(session, state.next)


def _require_next(session: Session, target: str | None) -> str | None:
    if target is None:
        session.fail(f"state {session.frame.state!r} has no `next`")
    return target


def _enter_set(session: Session, state: SetState) -> str | None:
    session.apply_variables(state.set, state.compute)
    return _require_next(session, state.next)


def _enter_branch(session: Session, state: BranchState) -> str | None:
    namespace = session.namespace()
    for arm in state.branch:
        if arm.else_ is not None:
            return arm.else_
        if arm.if_ is not None and holds(arm.if_, namespace):
            return arm.next
    return _require_next(session, state.next)


def _enter_assign(session: Session, state: AssignState) -> str | None:
    session.emit(
        AssignExercise(
            exercise=state.assign.exercise,
            flow=session.frame.flow,
            remind_after=state.assign.remind_after,
        )
    )
    return _require_next(session, state.next)


def _enter_record(session: Session, state: RecordState) -> str | None:
    namespace = session.namespace()
    data = {name: storable(evaluate(src, namespace)) for name, src in state.record.data.items()}
    remind = state.record.remind_at
    remind_at = evaluate(remind, namespace) if remind else None
    session.emit(
        RecordEntry(
            exercise=state.record.exercise,
            flow=session.frame.flow,
            data=data,
            remind_at=str(remind_at) if remind_at else None,
        )
    )
    return _require_next(session, state.next)


def _enter_handover(session: Session, state: HandoverState) -> str | None:
    session.emit(Handover(reason=state.handover.reason, flow=session.frame.flow))
    return _require_next(session, state.next)


def _enter_alert(session: Session, state: AlertState) -> str | None:
    session.emit(Alert(reason=state.alert.reason, level=state.alert.level, flow=session.frame.flow))
    return _require_next(session, state.next)


def _enter_ask(session: Session, state: AskState) -> str | None:
    questions.ask(session, state)
    return None


def _enter_questionnaire(session: Session, state: QuestionnaireState) -> str | None:
    questions.start_questionnaire(session, state)
    return None


def _enter_wait(session: Session, state: WaitState) -> str | None:
    token = session.next_token()
    session.awaiting = Awaiting(token=token, input="wait", timeout=True)
    session.emit(ScheduleTimeout(token=token, after=state.wait))
    return None


def _enter_call(session: Session, state: CallState) -> str | None:
    callee = _load(session, state.call.flow)
    if callee is None:
        return None
    session.stack.append(session.frame)
    return _switch(session, callee, state.call.with_)


def _enter_jump(session: Session, state: JumpState) -> str | None:
    callee = _load(session, state.jump.flow)
    if callee is None:
        return None
    session.emit(FlowFinished(flow=session.frame.flow, outcome="jumped"))
    return _switch(session, callee, state.jump.with_)


def _load(session: Session, flow_id: str) -> Flow | None:
    try:
        return session.source.get(flow_id)
    except KeyError:
        session.fail(f"there is no flow {flow_id!r}")
        return None


def _switch(session: Session, flow: Flow, variables: Mapping[str, Any]) -> str:
    session.vars.update(variables)
    session.frame = Frame(flow=flow.id, revision=flow.revision, state=flow.start)
    session.emit(FlowStarted(flow=flow.id, revision=flow.revision))
    return flow.start


def _enter_end(session: Session, state: EndState) -> str | None:
    session.emit(FlowFinished(flow=session.frame.flow, outcome=state.end))
    session.vars["last_outcome"] = state.end
    if not session.stack:
        session.finish(state.end)
        return None
    session.frame = session.stack.pop()
    caller = session.current_state()
    return _require_next(session, caller.next)


__all__ = [
    "MAX_TRANSITIONS",
    "Effect",
    "FlowSource",
    "migrate",
    "out_of_sight",
    "reask",
    "start",
    "step",
]
