"""The words and codes helpers use for alert outcomes and adverse-event grading.

Pure: button data and typed arguments in, validated choices out. Button data comes back from
the Telegram client, so it is parsed here as untrusted input and must fit in 64 bytes. The
grading terms are those of ICH E2A (1994) and ICH E6(R2); see storage/models/safety.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from bot.care.ports import RESOLUTIONS, Grade

RESOLUTION_LABELS = {
    "safe": "Contacted, safe",
    "referred": "Contacted, referred to urgent care",
    "emergency": "Emergency services involved",
    "unreachable": "Could not reach",
    "false_alarm": "False alarm",
}


@dataclass(frozen=True)
class Choice:
    """One answer of a grading step: its one-character code, stored value and button label."""

    code: str
    value: str
    label: str


@dataclass(frozen=True)
class GradingStep:
    """One question of the grading, asked with buttons."""

    field: str
    question: str
    choices: tuple[Choice, ...]

    def by_code(self, code: str) -> Choice | None:
        """The choice with this code, if any."""
        return next((c for c in self.choices if c.code == code), None)


NOT_SERIOUS = "non_serious"
STEPS = (
    GradingStep(
        "severity",
        "How severe (intensity)?",
        (Choice("m", "mild", "Mild"), Choice("o", "moderate", "Moderate"),
         Choice("s", "severe", "Severe")),
    ),
    # Serious (E2A II.B) is asked together with its criterion: one tap on a phone.
    GradingStep(
        "seriousness",
        "Serious? (ICH E2A: what did it result in)",
        (Choice("n", NOT_SERIOUS, "Not serious"),
         Choice("d", "death", "Serious: death"),
         Choice("l", "life_threatening", "Serious: life-threatening"),
         Choice("h", "hospitalisation", "Serious: hospitalisation"),
         Choice("x", "disability", "Serious: disability or incapacity"),
         Choice("c", "congenital_anomaly", "Serious: congenital anomaly"),
         Choice("i", "medically_important", "Serious: other important medical event")),
    ),
    GradingStep(
        "relatedness",
        "Related to the programme?",
        (Choice("0", "not_related", "Not related"), Choice("1", "unlikely", "Unlikely"),
         Choice("2", "possibly", "Possibly"), Choice("3", "probably", "Probably"),
         Choice("4", "definitely", "Definitely")),
    ),
    GradingStep(
        "expectedness",
        "Expected?",
        (Choice("e", "expected", "Expected"), Choice("u", "unexpected", "Unexpected")),
    ),
    GradingStep(
        "outcome",
        "Outcome?",
        (Choice("g", "ongoing", "Ongoing"), Choice("r", "resolved", "Resolved"),
         Choice("q", "resolved_with_sequelae", "Resolved with sequelae"),
         Choice("k", "unknown", "Unknown")),
    ),
)  # fmt: skip

_ID = r"([1-9][0-9]{0,11})"
_RESOLVE_DATA = re.compile(rf"res:{_ID}(?::([a-z_]{{1,16}}))?")
_GRADE_DATA = re.compile(rf"ae:{_ID}:([a-z0-9]{{0,{len(STEPS)}}})")


def resolve_data(alert_id: int, resolution: str | None = None) -> str:
    """Button data: choose how an alert ended, or (with a resolution) resolve it."""
    return f"res:{alert_id}" if resolution is None else f"res:{alert_id}:{resolution}"


def grade_data(event_id: int, codes: str = "") -> str:
    """Button data: grade an event, with the step codes chosen so far."""
    return f"ae:{event_id}:{codes}"


def parse_resolve(data: str) -> tuple[int, str | None] | None:
    """(alert id, resolution or None) from button data; None if it is not valid."""
    found = _RESOLVE_DATA.fullmatch(data)
    if found is None or (found[2] is not None and found[2] not in RESOLUTIONS):
        return None
    return int(found[1]), found[2]


def parse_grade(data: str) -> tuple[int, str] | None:
    """(event id, valid step codes so far) from button data; None if it is not valid."""
    found = _GRADE_DATA.fullmatch(data)
    if found is None or not all(s.by_code(c) for s, c in zip(STEPS, found[2], strict=False)):
        return None
    return int(found[1]), found[2]


def resolve_buttons(alert_id: int) -> list[dict[str, Any]]:
    """One button per way an alert can end."""
    return [{"label": label, "data": resolve_data(alert_id, code)}
            for code, label in RESOLUTION_LABELS.items()]  # fmt: skip


def step_buttons(event_id: int, codes: str) -> list[dict[str, Any]]:
    """The buttons of the next grading step after `codes`."""
    step = STEPS[len(codes)]
    return [{"label": c.label, "data": grade_data(event_id, codes + c.code)} for c in step.choices]


def chosen(codes: str) -> list[str]:
    """The labels picked so far, as "Severity: Moderate" lines."""
    return [
        f"{step.field.capitalize()}: {choice.label}"
        for step, code in zip(STEPS, codes, strict=False)
        if (choice := step.by_code(code)) is not None
    ]


def grade_from_codes(codes: str) -> Grade | None:
    """The grading once every step has a code; None before."""
    if len(codes) != len(STEPS):
        return None
    values = {}
    for step, code in zip(STEPS, codes, strict=True):
        choice = step.by_code(code)
        if choice is None:
            return None
        values[step.field] = choice.value
    return _grade(values)


def _grade(values: dict[str, str]) -> Grade:
    serious = values["seriousness"]
    return Grade(
        severity=values["severity"],
        seriousness=NOT_SERIOUS if serious == NOT_SERIOUS else "serious",
        serious_criterion=None if serious == NOT_SERIOUS else serious,
        relatedness=values["relatedness"],
        expectedness=values["expectedness"],
        outcome=values["outcome"],
    )


# What a helper may type: `/ae 5 severity=moderate serious=no related=possibly expected=yes
# outcome=resolved`. Keys and values have a few spellings; anything else is refused.
_KEYS = {
    "severity": "severity", "sev": "severity",
    "serious": "seriousness", "seriousness": "seriousness",
    "related": "relatedness", "relatedness": "relatedness",
    "expected": "expectedness", "expectedness": "expectedness",
    "outcome": "outcome",
}  # fmt: skip
_SYNONYMS = {
    "seriousness": {"no": NOT_SERIOUS, "non-serious": NOT_SERIOUS, "not": NOT_SERIOUS,
                    "life-threatening": "life_threatening", "hospitalization": "hospitalisation",
                    "congenital": "congenital_anomaly", "important": "medically_important",
                    "medically-important": "medically_important"},
    "relatedness": {"not": "not_related", "no": "not_related", "not-related": "not_related",
                    "possible": "possibly", "probable": "probably", "definite": "definitely"},
    "expectedness": {"yes": "expected", "no": "unexpected"},
    "outcome": {"sequelae": "resolved_with_sequelae",
                "resolved-with-sequelae": "resolved_with_sequelae"},
}  # fmt: skip


def grade_from_text(words: list[str]) -> Grade | str:
    """The grading typed as key=value words, or what is wrong with it."""
    values: dict[str, str] = {}
    for word in words:
        key, _, raw = word.partition("=")
        field = _KEYS.get(key.lower())
        if field is None or not raw:
            return f"I don't know “{key}”: use severity=, serious=, related=, expected=, outcome="
        value = _value(field, raw.lower())
        if value is None:
            return f"{key}={raw} is not one of: {', '.join(_allowed(field))}"
        values[field] = value
    missing = [step.field for step in STEPS if step.field not in values]
    if missing:
        return f"Missing: {', '.join(missing)}"
    return _grade(values)


def _value(field: str, raw: str) -> str | None:
    step = next(s for s in STEPS if s.field == field)
    value = _SYNONYMS.get(field, {}).get(raw, raw.replace("-", "_"))
    return value if any(c.value == value for c in step.choices) else None


def _allowed(field: str) -> list[str]:
    step = next(s for s in STEPS if s.field == field)
    return [c.value for c in step.choices]


def describe(grade: Grade) -> str:
    """A grading in one line: "moderate · not serious · possibly related · expected · resolved"."""
    serious = (
        "not serious"
        if grade.serious_criterion is None
        else f"serious ({grade.serious_criterion.replace('_', ' ')})"
    )
    related = grade.relatedness.replace("_", " ")
    related = related if grade.relatedness == "not_related" else f"{related} related"
    parts = [grade.severity, serious, related, grade.expectedness, grade.outcome]
    return " · ".join(part.replace("_", " ") for part in parts)
