"""The conversation test file (`NAME.test.yaml`): its typed model and reading it with positions.

A test file names a flow and lists tests; each test is a list of steps, and each step does one
thing (`bot`, `tap`, `send`, ...). Like flow files, every model forbids unknown keys, and every
problem is reported at its line and column so a researcher can fix a test as easily as a flow.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from flows.loader import Positions

# A Monday morning: tests run at a fixed time so dates and "today" never depend on the day.
DEFAULT_AT = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)

STEP_KEYS = (
    "bot",
    "no_bot",
    "buttons",
    "tap",
    "send",
    "timeout",
    "vars",
    "effect",
    "no_effect",
    "score",
    "end",
)
ACTION_KEYS = ("tap", "send", "timeout")


class Strict(BaseModel):
    """Base for test-file models: unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def _scalar_as_text(value: Any) -> Any:
    """Let `send: 7` and `tap: 3` mean the text "7" and the button "3"."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return value


class BotExpectation(Strict):
    """What a bot message must contain (`text`) or match (`pattern`, a regular expression)."""

    text: str | None = None
    pattern: str | None = None

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as error:
                raise ValueError(f"not a valid regular expression: {error}") from None
        return value

    @model_validator(mode="after")
    def _one_form(self) -> BotExpectation:
        if (self.text is None) == (self.pattern is None):
            raise ValueError('give either a text (`bot: "Welcome"`) or `{pattern: REGEX}`')
        return self


class Step(Strict):
    """One step of a conversation test: a patient action or an expectation."""

    bot: BotExpectation | None = None
    no_bot: BotExpectation | None = None
    buttons: list[str] | None = None
    tap: str | None = None
    send: str | None = None
    timeout: Literal[True] | None = None
    vars: dict[str, Any] | None = None
    effect: dict[str, Any] | None = None
    no_effect: dict[str, Any] | None = None
    score: dict[str, Any] | None = None
    end: str | None = None

    @field_validator("bot", "no_bot", mode="before")
    @classmethod
    def _bot_forms(cls, value: Any) -> Any:
        value = _scalar_as_text(value)
        return {"text": value} if isinstance(value, str) else value

    @field_validator("tap", "send", "end", mode="before")
    @classmethod
    def _texts(cls, value: Any) -> Any:
        return _scalar_as_text(value)

    @field_validator("buttons", mode="before")
    @classmethod
    def _labels(cls, value: Any) -> Any:
        return [_scalar_as_text(v) for v in value] if isinstance(value, list) else value

    @model_validator(mode="after")
    def _one_thing(self) -> Step:
        if not self.model_fields_set:
            raise ValueError(f"an empty step: give one of {', '.join(STEP_KEYS)}")
        if len(self.model_fields_set) != 1:
            given = " and ".join(f"`{key}`" for key in sorted(self.model_fields_set))
            raise ValueError(f"a step does one thing, but this one has {given}: split it")
        if self.value is None:
            raise ValueError(f"`{self.key}` needs a value")
        return self

    @property
    def key(self) -> str:
        """Which kind of step this is (`bot`, `tap`, ...)."""
        return next(iter(self.model_fields_set))

    @property
    def value(self) -> Any:
        """The step's argument."""
        return getattr(self, self.key)


class Case(Strict):
    """One named test: optional overrides of the file's flow, context and variables, then steps."""

    name: str
    flow: str | None = None
    context: dict[str, Any] = Field(default_factory=dict)
    vars: dict[str, Any] = Field(default_factory=dict)
    steps: list[Step] = Field(min_length=1)


class ConversationFile(Strict):
    """A whole `NAME.test.yaml` file."""

    __test__: ClassVar[bool] = False  # not a pytest test class, despite living near tests

    flow: str
    context: dict[str, Any] = Field(default_factory=dict)
    vars: dict[str, Any] = Field(default_factory=dict)
    at: datetime = DEFAULT_AT
    tests: list[Case] = Field(min_length=1)

    @field_validator("at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


class LoadedTests:
    """A validated test file with the positions of its nodes."""

    def __init__(self, path: str, spec: ConversationFile, positions: Positions) -> None:
        self.path = path
        self.spec = spec
        self.positions = positions

    def step_position(self, test: int, step: int) -> tuple[int, int]:
        """Line and column of a step's key."""
        key = self.spec.tests[test].steps[step].key
        return self.positions.key(("tests", test, "steps", step, key))

    def test_position(self, test: int) -> tuple[int, int]:
        """Line and column of a test's `name`."""
        return self.positions.key(("tests", test, "name"))
