"""What goes in and out of the engine: run state, events and effects.

The run state is a small JSON-serialisable value the storage layer keeps as it is; events carry
the time (the engine never reads a clock); effects describe what should happen and the caller
applies them.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

RunStatus = Literal["active", "finished"]


class Frozen(BaseModel):
    """Immutable value objects."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class Frame(Frozen):
    """A flow on the call stack: where it is and which revision it runs."""

    flow: str
    revision: str
    state: str


class Awaiting(Frozen):
    """The open question: its token (so stale buttons are recognised) and what it expects."""

    token: str
    input: str
    item: int | None = None  # questionnaire item index
    buttons: int = 0  # how many buttons were offered
    timeout: bool = False  # a timeout is scheduled for this token
    # The question is out of sight (another conversation came after it): words ask it again
    # rather than answer it, so a "thanks" is never taken as an answer nobody saw asked.
    unseen: bool = False


class RunState(Frozen):
    """Where one patient is in one conversation; `stack` holds the flows that called this one."""

    current: Frame
    stack: tuple[Frame, ...] = ()
    vars: dict[str, Any] = Field(default_factory=dict)
    status: RunStatus = "active"
    outcome: str | None = None
    awaiting: Awaiting | None = None
    misfits: int = 0
    seq: int = 0
    scores: dict[str, int] = Field(default_factory=dict)  # questionnaire item scores so far

    def to_json(self) -> dict[str, Any]:
        """The state as plain JSON data, for storage."""
        return self.model_dump(mode="json")

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RunState:
        """Rebuild a state stored with `to_json`."""
        return cls.model_validate(data)


# ----- events -------------------------------------------------------------------------------


class TextAnswer(Frozen):
    """The patient typed something."""

    kind: Literal["text"] = "text"
    text: str
    at: datetime


class ButtonPress(Frozen):
    """The patient tapped button `option` of the question identified by `token`."""

    kind: Literal["button"] = "button"
    token: str
    option: int
    at: datetime


class TimeoutFired(Frozen):
    """A scheduled timeout for question or wait `token` came due."""

    kind: Literal["timeout"] = "timeout"
    token: str
    at: datetime


Event = TextAnswer | ButtonPress | TimeoutFired


# ----- effects ------------------------------------------------------------------------------


class ButtonView(Frozen):
    """A rendered button: its label and the option number a press sends back."""

    label: str
    option: int
    value: int | None = None  # the score or scale point it stands for: typing it picks the button


class Say(Frozen):
    """Send a message. `html` is Telegram-style HTML with every variable escaped."""

    kind: Literal["say"] = "say"
    html: str = ""
    image: str | None = None
    document: str | None = None


class Ask(Frozen):
    """Send a question and wait; `buttons` are offered when the answer has fixed choices."""

    kind: Literal["ask"] = "ask"
    html: str
    token: str
    input: str
    buttons: tuple[ButtonView, ...] = ()
    reprompt: bool = False
    # Typing a button's position (1, 2, ...) picks it: no typed number can mean anything else, so
    # a text-only messenger may number the buttons.
    numbered: bool = False


class Stale(Frozen):
    """A button of an older question was pressed, or a timeout came for a question answered."""

    kind: Literal["stale"] = "stale"
    token: str


class SaveAnswer(Frozen):
    """Keep the patient's answer; `free_text` marks words to be encrypted at rest."""

    kind: Literal["save_answer"] = "save_answer"
    flow: str
    question: str
    variable: str | None
    value: Any
    free_text: bool


class Score(Frozen):
    """A scored questionnaire with its timepoint."""

    kind: Literal["score"] = "score"
    instrument: str
    timepoint: str
    items: dict[str, int]  # the scored items: their sum is the total
    total: int
    band: str | None
    variable: str
    unscored: dict[str, int] = Field(default_factory=dict)  # asked, kept, never counted


class AssignExercise(Frozen):
    """Give the patient a homework exercise."""

    kind: Literal["assign"] = "assign"
    exercise: str
    flow: str
    remind_after: timedelta | None = None


class RecordEntry(Frozen):
    """Keep a homework entry; `remind_at` is a local "YYYY-MM-DD HH:MM" to remind the patient."""

    kind: Literal["record"] = "record"
    exercise: str
    flow: str
    data: dict[str, Any]
    remind_at: str | None = None


class Alert(Frozen):
    """Raise a safety alert for a human; `detail` holds scores and codes, never free text."""

    kind: Literal["alert"] = "alert"
    reason: str
    level: str
    flow: str
    detail: dict[str, Any] = Field(default_factory=dict)


class Handover(Frozen):
    """Hand the patient over to a helper."""

    kind: Literal["handover"] = "handover"
    reason: str
    flow: str


class ScheduleTimeout(Frozen):
    """Send a TimeoutFired with this token after `after`, unless the token is stale by then."""

    kind: Literal["schedule_timeout"] = "schedule_timeout"
    token: str
    after: timedelta


class FlowStarted(Frozen):
    """A flow (top-level or called) began."""

    kind: Literal["flow_started"] = "flow_started"
    flow: str
    revision: str


class FlowFinished(Frozen):
    """A flow ended with an outcome."""

    kind: Literal["flow_finished"] = "flow_finished"
    flow: str
    outcome: str


class Problem(Frozen):
    """The engine could not go on as the flow says (e.g. it ran in circles); the run ended."""

    kind: Literal["problem"] = "problem"
    message: str


Effect = (
    Say
    | Ask
    | Stale
    | SaveAnswer
    | Score
    | AssignExercise
    | RecordEntry
    | Alert
    | Handover
    | ScheduleTimeout
    | FlowStarted
    | FlowFinished
    | Problem
)


class StepResult(Frozen):
    """The new run state and what should happen because of the step."""

    state: RunState
    effects: tuple[Effect, ...]
