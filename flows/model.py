"""The typed model of a flow file: what a researcher may write, and nothing else.

The YAML loader turns a file into plain data; pydantic validates it into these models.
Every model forbids unknown keys so a typo is reported (with a suggestion) instead of ignored.
Each state does exactly one thing (its *kind*), chosen by which action key it has; any state may
also `say` messages first.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    PrivateAttr,
    Tag,
    field_validator,
    model_validator,
)

from flows.durations import parse_duration

# A text is one string, or a map from language code to string ({en: ..., zh: ...}).
LocalText = str | dict[str, str]

# Extra words a patient may type for an answer: one list for every language, or a list per language.
LocalWords = list[str] | dict[str, list[str]]

# The keys that decide what a state does; a state has at most one of them (none means "say").
ACTION_KEYS = (
    "ask",
    "record",
    "branch",
    "set",
    "compute",
    "questionnaire",
    "assign",
    "handover",
    "alert",
    "wait",
    "call",
    "jump",
    "end",
)

# `set` and `compute` may stand together: both only change variables.
VARIABLE_KEYS = ("set", "compute")

InputKind = Literal["buttons", "yes_no", "number", "scale", "text", "time", "date"]
AlertLevel = Literal["info", "warning", "urgent"]
IDENTIFIER = r"^[A-Za-z_][A-Za-z0-9_]*$"
COUNTRY_CODE = re.compile(r"[A-Z]{2}")  # ISO 3166-1 alpha-2, e.g. GB, IE, US


class Strict(BaseModel):
    """Base for every flow model: unknown keys are errors, values are not coerced silently."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Message(Strict):
    """One message: text, an image or a document (paths are relative to the YAML file)."""

    text: LocalText | None = None
    image: str | None = None
    document: str | None = None

    @model_validator(mode="after")
    def _not_empty(self) -> Message:
        if self.text is None and self.image is None and self.document is None:
            raise ValueError("a message needs text, an image or a document")
        return self


def _as_message_list(value: Any) -> Any:
    """Let `say:` be one text, one message or a list of either."""
    items = value if isinstance(value, list) else [value]
    return [_as_message(item) for item in items]


def _as_message(item: Any) -> Any:
    if isinstance(item, str):
        return {"text": item}
    if isinstance(item, dict) and not ({"text", "image", "document"} & set(item)):
        return {"text": item}  # a per-language map
    return item


class Duration(timedelta):
    """A timedelta written as ISO 8601 (`P1D`, `PT4H`) or a short form (`1d`, `4h`, `30m`)."""

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: Any) -> Any:
        from pydantic_core import core_schema

        def parse(value: Any) -> timedelta:
            if isinstance(value, timedelta):
                return value
            if not isinstance(value, str):
                raise ValueError("expected a duration such as P1D, PT4H, 1d, 4h or 30m")
            duration = parse_duration(value)
            if duration <= timedelta(0):
                raise ValueError("a duration must be longer than zero")
            return duration

        return core_schema.no_info_plain_validator_function(parse)


class Timeout(Strict):
    """Give up waiting after a while and go somewhere else (a reminder, then giving up)."""

    after: Duration
    next: str


class Button(Strict):
    """One answer button: a label, words typed for it, the value saved, variables set, next."""

    label: LocalText
    value: Any = None
    also: LocalWords = Field(default_factory=list)
    set: dict[str, Any] = Field(default_factory=dict)
    compute: dict[str, str] = Field(default_factory=dict)
    next: str | None = None


class BranchCase(Strict):
    """One arm of a branch: `if: EXPR` with `next`, or a final `else: STATE`."""

    if_: str | None = Field(default=None, alias="if")
    next: str | None = None
    else_: str | None = Field(default=None, alias="else")

    @model_validator(mode="after")
    def _one_form(self) -> BranchCase:
        if self.else_ is not None:
            if self.if_ is not None or self.next is not None:
                raise ValueError("an `else` arm stands alone: write `- else: STATE`")
        elif self.if_ is None or self.next is None:
            raise ValueError("a branch arm needs `if: CONDITION` and `next: STATE`")
        return self


class AnswerOption(Strict):
    """A questionnaire answer with its score (and other words a patient may type for it)."""

    label: LocalText
    score: int
    also: LocalWords = Field(default_factory=list)


class Item(Strict):
    """One questionnaire item; it uses the questionnaire's options unless it has its own."""

    id: str = Field(pattern=IDENTIFIER)
    text: LocalText
    options: list[AnswerOption] | None = None
    # An unscored item is asked and kept with the result but never counted in the total or bands
    # (e.g. the PHQ-9's difficulty question). Only an unscored item may be asked on a condition
    # (`if`, over the earlier items and `total`): skipping a scored one would change the total.
    scored: bool = True
    if_: str | None = Field(default=None, alias="if")


class Band(Strict):
    """A severity band: totals from `min` to `max` inclusive get `label`."""

    min: int
    max: int
    label: str


class AlertSpec(Strict):
    """A safety alert for a human: a short reason code and how urgent it is."""

    reason: str
    level: AlertLevel = "urgent"


class Rule(Strict):
    """An item-level rule: when `if` holds over the item scores, raise `alert`."""

    if_: str = Field(alias="if")
    alert: AlertSpec


class Questionnaire(Strict):
    """A scored questionnaire given item by item: options, items, bands and rules."""

    id: str = Field(pattern=IDENTIFIER)
    save_as: str | None = Field(default=None, pattern=IDENTIFIER)
    timepoint: str = "{{ timepoint | default('adhoc') }}"
    preamble: LocalText | None = None
    options: list[AnswerOption] | None = None
    items: list[Item] = Field(min_length=1)
    bands: list[Band] = Field(default_factory=list)
    rules: list[Rule] = Field(default_factory=list)

    @property
    def variable(self) -> str:
        """The variable that receives the result (`save_as`, else the questionnaire id)."""
        return self.save_as or self.id

    def options_for(self, item: Item) -> list[AnswerOption]:
        """The options shown for one item."""
        return item.options or self.options or []

    @property
    def scored_items(self) -> list[Item]:
        """The items counted in the total (every item but the unscored ones)."""
        return [item for item in self.items if item.scored]


class Assign(Strict):
    """Assign a homework exercise by name, optionally with a reminder after a while."""

    exercise: str
    remind_after: Duration | None = None


class Record(Strict):
    """Keep a homework entry (mood diary, thought record, planned activity...) as structured data.

    `data` maps field names to expressions; `remind_at` is an expression giving a local
    "YYYY-MM-DD HH:MM" at which the patient is reminded (for activities they plan).
    """

    exercise: str = Field(pattern=IDENTIFIER)
    data: dict[str, str] = Field(default_factory=dict)
    remind_at: str | None = None


class Handover(Strict):
    """Hand the patient to a human helper, with a short reason code."""

    reason: str


class Call(Strict):
    """Run another flow, then come back to this state's `next`."""

    flow: str
    with_: dict[str, Any] = Field(default_factory=dict, alias="with")


def _as_call(value: Any) -> Any:
    return {"flow": value} if isinstance(value, str) else value


def _as_assign(value: Any) -> Any:
    return {"exercise": value} if isinstance(value, str) else value


def _as_reason(value: Any) -> Any:
    return {"reason": value} if isinstance(value, str) else value


Messages = Annotated[list[Message], Field(min_length=1)]


class StateBase(Strict):
    """What every state may have: messages said on entry, and where it goes next."""

    say: Messages | None = None
    next: str | None = None

    @field_validator("say", mode="before")
    @classmethod
    def _say_forms(cls, value: Any) -> Any:
        return None if value is None else _as_message_list(value)


class SayState(StateBase):
    """Say one or more messages, then go on."""

    kind: Literal["say"] = "say"


class AskState(StateBase):
    """Ask a question and wait for the answer."""

    kind: Literal["ask"] = "ask"
    ask: LocalText
    input: InputKind | None = None
    buttons: list[Button] | None = None
    min: int | None = None
    max: int | None = None
    labels: dict[int, LocalText] = Field(default_factory=dict)
    max_length: int = Field(default=4000, gt=0)
    save_as: str | None = Field(default=None, pattern=IDENTIFIER)
    free_text: bool | None = None
    reprompt: LocalText | None = None
    max_misfits: int = Field(default=3, ge=1)
    on_misfits: str | None = None
    timeout: Timeout | None = None
    yes: str | None = None
    no: str | None = None

    @property
    def input_kind(self) -> InputKind:
        """The kind of answer expected (buttons when buttons are given, else free text)."""
        if self.input is not None:
            return self.input
        return "buttons" if self.buttons else "text"


class BranchState(StateBase):
    """Go to the first arm whose condition holds, else to the `else` arm."""

    kind: Literal["branch"] = "branch"
    branch: list[BranchCase] = Field(min_length=1)


class SetState(StateBase):
    """Set variables to literal values (`set`) or to computed expressions (`compute`)."""

    kind: Literal["set"] = "set"
    set: dict[str, Any] = Field(default_factory=dict)
    compute: dict[str, str] = Field(default_factory=dict)


class QuestionnaireState(StateBase):
    """Give a questionnaire item by item, score it, and save the result with its timepoint."""

    kind: Literal["questionnaire"] = "questionnaire"
    questionnaire: Questionnaire


class AssignState(StateBase):
    """Assign a homework exercise."""

    kind: Literal["assign"] = "assign"
    assign: Assign

    _forms = field_validator("assign", mode="before")(_as_assign)


class RecordState(StateBase):
    """Keep a homework entry."""

    kind: Literal["record"] = "record"
    record: Record


class HandoverState(StateBase):
    """Hand the patient over to a helper."""

    kind: Literal["handover"] = "handover"
    handover: Handover

    _forms = field_validator("handover", mode="before")(_as_reason)


class AlertState(StateBase):
    """Raise a safety alert for a human."""

    kind: Literal["alert"] = "alert"
    alert: AlertSpec

    _forms = field_validator("alert", mode="before")(_as_reason)


class WaitState(StateBase):
    """Pause the conversation for a while, then go on to `next`."""

    kind: Literal["wait"] = "wait"
    wait: Duration


class CallState(StateBase):
    """Run another flow and come back to `next` when it ends."""

    kind: Literal["call"] = "call"
    call: Call

    _forms = field_validator("call", mode="before")(_as_call)


class JumpState(StateBase):
    """Leave this flow for another one (this flow ends with outcome `jumped`)."""

    kind: Literal["jump"] = "jump"
    jump: Call

    _forms = field_validator("jump", mode="before")(_as_call)


class EndState(StateBase):
    """End the flow with an outcome such as `completed` or `abandoned`."""

    kind: Literal["end"] = "end"
    end: str = Field(pattern=IDENTIFIER)


def state_kind(value: Any) -> str | None:
    """Tell a state's kind from its action key (None when it has several or is not a mapping)."""
    if isinstance(value, BaseModel):
        return str(getattr(value, "kind", None))
    if not isinstance(value, dict):
        return None
    found = [key for key in ACTION_KEYS if key in value]
    if not found:
        return "say"
    if set(found) <= set(VARIABLE_KEYS):
        return "set"
    return found[0] if len(found) == 1 else None


State = Annotated[
    Annotated[SayState, Tag("say")]
    | Annotated[AskState, Tag("ask")]
    | Annotated[BranchState, Tag("branch")]
    | Annotated[SetState, Tag("set")]
    | Annotated[QuestionnaireState, Tag("questionnaire")]
    | Annotated[AssignState, Tag("assign")]
    | Annotated[RecordState, Tag("record")]
    | Annotated[HandoverState, Tag("handover")]
    | Annotated[AlertState, Tag("alert")]
    | Annotated[WaitState, Tag("wait")]
    | Annotated[CallState, Tag("call")]
    | Annotated[JumpState, Tag("jump")]
    | Annotated[EndState, Tag("end")],
    Discriminator(
        state_kind,
        custom_error_type="state_kind",
        custom_error_message="a state does one thing: give it one of "
        + ", ".join(ACTION_KEYS)
        + " (or only `say` and `next`)",
    ),
]

# Kinds that never move on by themselves.
FINAL_KINDS = frozenset({"end", "jump"})


class Flow(Strict):
    """One flow file: an id, a title, a start state and its named states."""

    id: str = Field(pattern=IDENTIFIER)
    title: LocalText
    description: str | None = None
    start: str
    inputs: list[str] = Field(default_factory=list)
    migrate: dict[str, str] = Field(default_factory=dict)
    states: dict[str, State] = Field(min_length=1)

    # Set by the loader, never written by researchers.
    _revision: str = PrivateAttr(default="")
    _path: str = PrivateAttr(default="")
    _text: str = PrivateAttr(default="")

    @property
    def revision(self) -> str:
        """A hash of the flow's normalised content: runs are pinned to it."""
        return self._revision

    @property
    def path(self) -> str:
        """The file the flow was loaded from ("" when built in memory)."""
        return self._path

    @property
    def text(self) -> str:
        """The YAML source this revision was loaded from (kept so old revisions can be stored)."""
        return self._text

    def bind(self, *, revision: str, path: str, text: str = "") -> Flow:
        """Record where this flow came from, its revision and source (used by the loader)."""
        self._revision = revision
        self._path = path
        self._text = text
        return self


# The safety pathway's flows, by the names the app starts them under.
SAFETY_FLOW = "safety"  # asks "are you safe right now?", on top of whatever was open
CHECK_FLOW = "safety_check"  # the one gentle question on possible risk
RECHECK_FLOW = "safety_recheck"  # later the same day, until the patient is safe
PATHWAY_FLOWS = (SAFETY_FLOW, CHECK_FLOW, RECHECK_FLOW)


class SafetyRules(Strict):
    """`programme.yaml` `safety:`: which questionnaire alerts start the pathway, and its ends."""

    # Questionnaire alerts (rule reasons) that start the pathway, and the trigger it is told.
    triggers: dict[str, str] = Field(
        default_factory=lambda: {
            "phq9_item9": "phq9_item9",
            "phq9_severe": "severe_score",
            "gad7_severe": "severe_score",
        }
    )
    # Outcomes of the check question after which the pathway does not start.
    check_clear: list[str] = Field(default_factory=lambda: ["no"])
    # Outcomes after which the interrupted conversation waits for the patient's next message.
    unsafe_outcomes: list[str] = Field(default_factory=lambda: ["not_safe", "no_reply"])


class ProgrammeSettings(Strict):
    """`programme.yaml`: the programme's languages and its entry flow."""

    default_language: str = "en"
    languages: list[str] = Field(default_factory=lambda: ["en"])
    onboarding: str = "onboarding"
    modules: list[str] = Field(default_factory=list)  # released one by one, in this order
    checkin: str | None = None  # the daily mood check-in flow, for those who opt in
    # Countries patients may choose (onboarding, /settings); each needs crisis contacts.
    countries: list[str] = Field(default_factory=list)
    safety: SafetyRules = Field(default_factory=SafetyRules)

    @field_validator("countries")
    @classmethod
    def _country_codes(cls, value: list[str]) -> list[str]:
        wrong = [code for code in value if not COUNTRY_CODE.fullmatch(code)]
        if wrong:
            raise ValueError(
                f"`{wrong[0]}` is not a country code: write two capital letters (ISO 3166), "
                "like GB, IE or US"
            )
        return value
