"""Helpers for the engine tests: build flows from YAML strings and chat with them.

A unique module name, because tests have no packages.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from flows import engine
from flows.library import FlowLibrary
from flows.loader import load_flow_text
from flows.model import Flow, ProgrammeSettings
from flows.runtime import (
    Ask,
    ButtonPress,
    Effect,
    RunState,
    Say,
    StepResult,
    TextAnswer,
    TimeoutFired,
)

T0 = datetime(2026, 3, 14, 9, 30, tzinfo=UTC)


def flow_from(text: str, path: str = "flows/test.yaml") -> Flow:
    """Load one flow from a YAML string; fail the test with the diagnostics if it does not load."""
    parsed, problems = load_flow_text(textwrap.dedent(text), path)
    assert parsed is not None, [str(p) for p in problems]
    return parsed.flow


def library(*texts: str, default_language: str = "en") -> FlowLibrary:
    """A library of flows written inline (each file at flows/<n>.yaml)."""
    settings = ProgrammeSettings(default_language=default_language, languages=["en", "zh"])
    flows = [flow_from(text, f"flows/f{n}.yaml") for n, text in enumerate(texts)]
    return FlowLibrary(settings, flows)


class Chat:
    """One run of a flow, driven like a patient would: send text, tap buttons, let time pass."""

    def __init__(
        self,
        source: FlowLibrary,
        flow_id: str,
        context: Mapping[str, Any] | None = None,
        variables: Mapping[str, Any] | None = None,
    ) -> None:
        self.source = source
        self.context: Mapping[str, Any] = context or {}
        self.now = T0
        self.history: list[Effect] = []
        result = engine.start(source, flow_id, self.context, variables or {})
        self._take(result)

    def _take(self, result: StepResult) -> tuple[Effect, ...]:
        self.state: RunState = result.state
        self.effects: tuple[Effect, ...] = result.effects
        self.history += result.effects
        # Every state must survive storage as it is.
        json.dumps(result.state.to_json())
        assert RunState.from_json(result.state.to_json()) == result.state
        return result.effects

    def tick(self, seconds: float = 5) -> datetime:
        self.now += timedelta(seconds=seconds)
        return self.now

    def send(self, text: str) -> tuple[Effect, ...]:
        event = TextAnswer(text=text, at=self.tick())
        return self._take(engine.step(self.source, self.state, event, self.context))

    def press(self, option: int, token: str | None = None) -> tuple[Effect, ...]:
        token = token if token is not None else self.token
        event = ButtonPress(token=token, option=option, at=self.tick())
        return self._take(engine.step(self.source, self.state, event, self.context))

    def tap(self, label: str) -> tuple[Effect, ...]:
        """Tap the button with this label on the last question asked."""
        ask = self.last_ask
        options = {button.label: button.option for button in ask.buttons}
        assert label in options, f"{label!r} is not among {list(options)}"
        return self.press(options[label], ask.token)

    def timeout(self, token: str | None = None) -> tuple[Effect, ...]:
        token = token if token is not None else self.token
        event = TimeoutFired(token=token, at=self.tick(3600))
        return self._take(engine.step(self.source, self.state, event, self.context))

    def reask(self) -> tuple[Effect, ...]:
        return self._take(engine.reask(self.source, self.state, self.context))

    def migrate(self) -> tuple[Effect, ...]:
        return self._take(engine.migrate(self.source, self.state, self.context))

    @property
    def token(self) -> str:
        assert self.state.awaiting is not None, "nothing is awaited"
        return self.state.awaiting.token

    @property
    def last_ask(self) -> Ask:
        asks = [e for e in self.history if isinstance(e, Ask)]
        assert asks, "nothing was asked"
        return asks[-1]

    @property
    def vars(self) -> dict[str, Any]:
        return self.state.vars

    @property
    def where(self) -> str:
        return self.state.current.state


def of(kind: type[Any], effects: tuple[Effect, ...] | list[Effect]) -> list[Any]:
    """The effects of one type, in order."""
    return [e for e in effects if isinstance(e, kind)]


def texts(effects: tuple[Effect, ...] | list[Effect]) -> list[str]:
    """What the patient reads: every Say and Ask html, in order."""
    return [e.html for e in effects if isinstance(e, Say | Ask)]


def labels(ask: Ask) -> list[str]:
    return [button.label for button in ask.buttons]
