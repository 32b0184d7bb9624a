"""The engine's working copy of one run while it handles one event."""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from flows.expressions import evaluate, render, storable
from flows.model import Flow, LocalText, Message
from flows.phrases import localise
from flows.runtime import (
    Awaiting,
    Effect,
    Event,
    FlowFinished,
    Frame,
    Problem,
    RunState,
    Say,
    StepResult,
)

# The `awaiting.input` of a run held by an interruption: its frame names the state to enter next.
HELD = "held"

if TYPE_CHECKING:
    from flows.engine import FlowSource
    from flows.model import State


class Session:
    """Mutable state for one step; `result()` freezes it back into a RunState."""

    def __init__(
        self,
        source: FlowSource,
        state: RunState,
        context: Mapping[str, Any],
        event: Event | None,
        interrupt: Callable[[Effect], bool] | None = None,
    ) -> None:
        self.source = source
        # The caller's test for an effect after which the flow must say nothing more (a risk
        # trigger): the run is held before its next state, to go on when the caller says.
        self.interrupt = interrupt
        self.interrupted = False
        self.context = context
        self.event = event
        self.frame: Frame = state.current
        self.stack: list[Frame] = list(state.stack)
        self.vars: dict[str, Any] = dict(state.vars)
        self.status = state.status
        self.outcome = state.outcome
        self.awaiting: Awaiting | None = state.awaiting
        self.misfits = state.misfits
        self.seq = state.seq
        self.scores: dict[str, int] = dict(state.scores)
        self.effects: list[Effect] = []

    def flow(self) -> Flow:
        """The flow revision the current frame is pinned to."""
        return self.source.get(self.frame.flow, self.frame.revision)

    def current_state(self) -> State:
        """The state the current frame is in."""
        return self.flow().states[self.frame.state]

    def language(self) -> str:
        """The patient's language (a variable or context value), else the programme's default."""
        chosen = self.vars.get("language") or self.context.get("language")
        return str(chosen) if chosen else self.source.default_language

    def namespace(self) -> dict[str, Any]:
        """What templates and conditions can see: context, then the run's own variables."""
        return {**self.context, **self.vars, "language": self.language()}

    def text(self, text: LocalText) -> str:
        """A text in the patient's language with variables filled in (escaped for HTML)."""
        chosen = localise(text, self.language(), self.source.default_language)
        return render(chosen, self.namespace())

    def plain(self, text: LocalText) -> str:
        """A text in the patient's language, unrendered (e.g. a button value)."""
        return localise(text, self.language(), self.source.default_language)

    def say(self, message: Message) -> None:
        """Emit one message of a `say:` list, with media paths made absolute."""
        self.emit(
            Say(
                html=self.text(message.text) if message.text is not None else "",
                image=self._media(message.image),
                document=self._media(message.document),
            )
        )

    def _media(self, path: str | None) -> str | None:
        if path is None:
            return None
        base = posixpath.dirname(self.flow().path)
        return posixpath.normpath(posixpath.join(base, path)) if base else path

    def emit(self, effect: Effect) -> None:
        """Add an effect to the step's result; note it when it interrupts the flow."""
        self.effects.append(effect)
        if self.interrupt is not None and self.interrupt(effect):
            self.interrupted = True

    def hold(self, target: str) -> None:
        """Stop before entering `target`; `reask` enters it when the run may go on."""
        self.frame = self.frame.model_copy(update={"state": target})
        self.awaiting = Awaiting(token=self.next_token(), input=HELD)
        self.misfits = 0

    def next_token(self) -> str:
        """A fresh token for a question or a wait, so older buttons can be told apart."""
        self.seq += 1
        return format(self.seq, "x")

    def apply_variables(self, literal: Mapping[str, Any], computed: Mapping[str, str]) -> None:
        """Set literal values, then computed ones (which may use the literals)."""
        self.vars.update(literal)
        for name, expression in computed.items():
            self.vars[name] = storable(evaluate(expression, self.namespace()))

    def fail(self, message: str) -> None:
        """Stop the run: the flow cannot go on as written."""
        self.emit(Problem(message=message))
        self.emit(FlowFinished(flow=self.frame.flow, outcome="error"))
        self.finish("error")

    def finish(self, outcome: str) -> None:
        """The run is over."""
        self.status = "finished"
        self.outcome = outcome
        self.awaiting = None

    def result(self) -> StepResult:
        """Freeze the session into the step's result."""
        state = RunState(
            current=self.frame,
            stack=tuple(self.stack),
            vars=self.vars,
            status=self.status,
            outcome=self.outcome,
            awaiting=self.awaiting,
            misfits=self.misfits,
            seq=self.seq,
            scores=self.scores,
        )
        return StepResult(state=state, effects=tuple(self.effects))
