"""A scripted patient talking to the engine: one run, its clock, and what the bot did lately."""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from flows import engine
from flows.engine import FlowSource
from flows.model import CHECK_FLOW, SAFETY_FLOW
from flows.runtime import (
    Ask,
    Effect,
    Event,
    Problem,
    RunState,
    Say,
    ScheduleTimeout,
    Stale,
    StepResult,
    TextAnswer,
)
from flows.testing.pathway import Pathway, in_pathway, safety_variables

_TAG = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")


def plain_text(markup: str) -> str:
    """A message's HTML as the patient reads it: tags removed, entities unescaped, spaces folded."""
    return _SPACE.sub(" ", html.unescape(_TAG.sub("", markup))).strip()


class Conversation:
    """Drives one run with patient actions and remembers the effects of the last one.

    With a `pathway`, risk interrupts the run as it does in the app: the safety flow runs on top,
    and `below` holds the runs it interrupted until it ends.
    """

    def __init__(
        self,
        source: FlowSource,
        context: Mapping[str, Any],
        now: datetime,
        pathway: Pathway | None = None,
    ) -> None:
        self.source = source
        self.context = dict(context)
        self.now = now
        self.pathway = pathway
        self.state: RunState | None = None
        self.below: list[RunState] = []
        self.recent: list[Effect] = []
        self._asks: dict[str, Ask] = {}  # the latest Ask per token (reprompts reuse the token)
        self._delays: dict[str, timedelta] = {}  # scheduled timeouts per token

    def start(self, flow_id: str, variables: Mapping[str, Any]) -> str | None:
        """Begin the run; return what went wrong, if anything."""
        return self._apply(lambda: engine.start(self.source, flow_id, self.context, variables))

    def act(self, event: Event) -> str | None:
        """Apply one patient event (or timeout); return what went wrong, if anything."""
        assert self.state is not None
        state = self.state
        watched = self.pathway is not None and not in_pathway(state)
        if watched and isinstance(event, TextAnswer) and self._screen(event.text):
            return self._trouble()
        triggers: list[str] = []
        trouble = self._apply(
            lambda: engine.step(
                self.source, state, event, self.context, self._watch(triggers) if watched else None
            )
        )
        if triggers:
            self._interrupt(SAFETY_FLOW, triggers[0])
        elif self.state is not None and self.state.status == "finished" and self.below:
            self._uncover()
        return trouble or self._trouble()

    def _screen(self, text: str) -> bool:
        """Words of risk open the pathway instead of answering: True when they did."""
        assert self.pathway is not None
        opening = self.pathway.opening(text)
        if opening is None:
            return False
        self.recent = []
        self._interrupt(*opening)
        return True

    def _watch(self, found: list[str]) -> Callable[[Effect], bool]:
        assert self.pathway is not None
        pathway = self.pathway

        def watch(effect: Effect) -> bool:
            trigger = pathway.trigger(effect)
            if trigger is not None and not found:
                found.append(trigger)
            return bool(found)

        return watch

    def _interrupt(self, flow_id: str, trigger: str) -> None:
        """Put a pathway flow on top of the current run; its messages follow the step's."""
        assert self.state is not None
        self.below.append(self.state)
        variables = safety_variables(trigger)
        self._switch(lambda: engine.start(self.source, flow_id, self.context, variables))

    def _uncover(self) -> None:
        """The pathway flow on top ended: start the safety flow, or go back to the run below."""
        assert self.state is not None
        assert self.pathway is not None
        ended, outcome = self.state.current.flow, self.state.outcome
        if ended == CHECK_FLOW and self.pathway.after_check(outcome):
            variables = safety_variables("possible_risk")
            self._switch(lambda: engine.start(self.source, SAFETY_FLOW, self.context, variables))
            return
        below = self.below.pop()
        if self.pathway.keeps_quiet(outcome):
            self._asks, self._delays = {}, {}
            self.state = engine.out_of_sight(below)
            return
        self._switch(lambda: engine.reask(self.source, below, self.context))

    def _switch(self, call: Callable[[], StepResult]) -> None:
        """Another run is now the open one: its questions replace those known so far."""
        earlier = self.recent
        self._asks, self._delays = {}, {}
        self._apply(call)
        self.recent = earlier + self.recent

    def _apply(self, call: Callable[[], StepResult]) -> str | None:
        try:
            result = call()
        # A broken flow or an engine bug must become a failed test, never a crashed runner.
        except Exception as error:
            self.recent = []
            return f"the engine raised {type(error).__name__}: {error}"
        self.state = result.state
        self.recent = list(result.effects)
        for effect in result.effects:
            if isinstance(effect, Ask):
                self._asks[effect.token] = effect
            elif isinstance(effect, ScheduleTimeout):
                self._delays[effect.token] = effect.after
        return self._trouble()

    def _trouble(self) -> str | None:
        problems = [e.message for e in self.recent if isinstance(e, Problem)]
        if problems:
            return "the engine stopped the run: " + "; ".join(problems)
        if any(isinstance(e, Stale) for e in self.recent):
            return "the engine ignored the action as out of date (stale)"
        return None

    @property
    def finished(self) -> bool:
        """True when the run is over (and no run it interrupted is waiting under it)."""
        return self.state is not None and self.state.status == "finished" and not self.below

    def variables(self) -> dict[str, Any]:
        """The tested run's variables, and those of a pathway flow open on top of it."""
        runs = [*self.below, self.state] if self.state is not None else []
        merged: dict[str, Any] = {}
        for run in runs:
            merged.update(run.vars)
        return merged

    def open_question(self) -> Ask | None:
        """The question the run waits on (None when it waits on nothing or only on time)."""
        awaiting = self.state.awaiting if self.state is not None else None
        return self._asks.get(awaiting.token) if awaiting is not None else None

    def scheduled_timeout(self) -> tuple[str, timedelta] | None:
        """The token and delay of the timeout the run waits on, if one is scheduled."""
        awaiting = self.state.awaiting if self.state is not None else None
        if awaiting is None or not awaiting.timeout:
            return None
        return awaiting.token, self._delays.get(awaiting.token, timedelta(0))

    def messages(self) -> list[Say | Ask]:
        """What the bot sent since the last action."""
        return [e for e in self.recent if isinstance(e, Say | Ask)]

    def where(self) -> str:
        """Where the run is, in words, for failure messages."""
        if self.state is None:
            return "the conversation never started"
        if self.finished:
            return f"the conversation has ended with {self.state.outcome!r}"
        frame = self.state.current
        return f"the conversation waits at state {frame.state!r} of flow {frame.flow!r}"


def button_labels(ask: Ask) -> list[str]:
    """The labels of a question's buttons, as the patient reads them."""
    return [plain_text(button.label) for button in ask.buttons]


def describe_message(message: Say | Ask, limit: int = 200) -> str:
    """One sent message on one line: its text (shortened), media and buttons."""
    text = plain_text(message.html)
    text = text if len(text) <= limit else text[: limit - 1] + "…"
    parts = [f'"{text}"'] if text else []
    if isinstance(message, Say):
        parts += [f"[image {message.image}]"] if message.image else []
        parts += [f"[document {message.document}]"] if message.document else []
    elif message.buttons:
        parts.append("[" + " | ".join(button_labels(message)) + "]")
    return " ".join(parts) or "(empty message)"
