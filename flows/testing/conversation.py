"""A scripted patient talking to the engine: one run, its clock, and what the bot did lately."""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from flows import engine
from flows.engine import FlowSource
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
)

_TAG = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")


def plain_text(markup: str) -> str:
    """A message's HTML as the patient reads it: tags removed, entities unescaped, spaces folded."""
    return _SPACE.sub(" ", html.unescape(_TAG.sub("", markup))).strip()


class Conversation:
    """Drives one run with patient actions and remembers the effects of the last one."""

    def __init__(self, source: FlowSource, context: Mapping[str, Any], now: datetime) -> None:
        self.source = source
        self.context = dict(context)
        self.now = now
        self.state: RunState | None = None
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
        return self._apply(lambda: engine.step(self.source, state, event, self.context))

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
        """True when the run is over."""
        return self.state is not None and self.state.status == "finished"

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
