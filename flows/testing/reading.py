"""Reading a conversation test file and reporting every problem in it at its line and column."""

from __future__ import annotations

import difflib
from collections.abc import Collection, Sequence
from pathlib import Path
from typing import Any, get_args

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from flows.diagnostics import Diagnostic
from flows.loader import NodePath, Positions, YamlSyntaxError, parse_yaml
from flows.runtime import Effect
from flows.testing.spec import STEP_KEYS, Case, ConversationFile, LoadedTests

# Effect kind → the fields a test may name, taken from the engine's own effect models.
EFFECT_FIELDS: dict[str, tuple[str, ...]] = {
    str(model.model_fields["kind"].default): tuple(model.model_fields) for model in get_args(Effect)
}
_EFFECT_STEPS = ("effect", "no_effect", "score")
_AT_HINT = "a date and time like 2026-01-05T09:00Z"
_EXPECTED = {
    "string_type": "a text",
    "dict_type": "a mapping",
    "model_type": "a mapping",
    "list_type": "a list",
    "literal_error": "true",
    "datetime_type": _AT_HINT,
    "datetime_parsing": _AT_HINT,
    "datetime_from_date_parsing": _AT_HINT,
}


def load_tests(
    path: Path, known_flows: Collection[str] | None = None
) -> tuple[LoadedTests | None, list[Diagnostic]]:
    """Read and validate one test file; on problems, None and every problem at its position.

    With `known_flows`, flows the file names that are not among them are problems too.
    """
    try:
        data, positions = parse_yaml(path.read_text(encoding="utf-8"), str(path))
    except (OSError, UnicodeDecodeError) as error:
        return None, [Diagnostic(str(path), 1, 1, "error", f"cannot read the file: {error}")]
    except YamlSyntaxError as error:
        return None, [error.diagnostic]
    if not isinstance(data, dict):
        message = "a test file must be a mapping with `flow` and `tests`"
        return None, [Diagnostic(str(path), 1, 1, "error", message)]
    # Checks on the raw data run even when pydantic fails, so every problem shows at once.
    problems = _Checker(data, positions, str(path)).run(known_flows)
    try:
        spec = ConversationFile.model_validate(data)
    except ValidationError as error:
        return None, sorted(set(problems + describe_errors(error, data, positions, str(path))))
    return (None if problems else LoadedTests(str(path), spec, positions)), sorted(problems)


def suggest(word: str, options: Sequence[str]) -> str:
    """` (did you mean `x`?)` when a close match exists, else ""."""
    matches = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    return f" (did you mean `{matches[0]}`?)" if matches else ""


# ----- pydantic's errors, in words --------------------------------------------------------------


def describe_errors(
    error: ValidationError, data: Any, positions: Positions, path: str
) -> list[Diagnostic]:
    """One diagnostic per pydantic error, at the key or value it is about."""
    found = set()
    for detail in error.errors():
        node_path = _data_path(detail["loc"], data)
        message, at_key = _message(detail, node_path)
        line, column = positions.key(node_path) if at_key else positions.value(node_path)
        found.add(Diagnostic(path, line, column, "error", message))
    return sorted(found)


def _data_path(loc: tuple[int | str, ...], data: Any) -> NodePath:
    """Follow an error location through the data, dropping parts pydantic adds (union labels)."""
    node, found = data, []
    for part in loc:
        if _has(node, part):
            node = node[part]
            found.append(part)
    return tuple(found)


def _has(node: Any, part: int | str) -> bool:
    if isinstance(node, dict):
        return part in node
    return isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)


def _message(detail: ErrorDetails, node_path: NodePath) -> tuple[str, bool]:
    """The message for one error, and whether it points at the key (else at the value)."""
    kind = detail["type"]
    named = bool(node_path) and isinstance(node_path[-1], str)
    name = f"`{node_path[-1]}`" if named else "this"
    if kind == "extra_forbidden":
        return _unknown_key(detail["loc"]), True
    if kind == "missing":
        return f"missing `{detail['loc'][-1]}` here", False
    if kind == "model_type" and node_path[-2:-1] == ("steps",):
        return "a step should be a mapping, like `bot: Welcome` or `tap: I agree`", False
    if kind in _EXPECTED:
        return f"{name} should be {_EXPECTED[kind]}", False
    if kind == "too_short":
        return f"{name} needs at least one entry", False
    text = detail["msg"].removeprefix("Value error, ")
    return (f"{name}: {text[0].lower()}{text[1:]}" if named else text), False


def _unknown_key(loc: tuple[int | str, ...]) -> str:
    key = str(loc[-1])
    parent = [part for part in loc[:-1] if not isinstance(part, int)]
    if parent and parent[-1] == "steps":
        listed = ", ".join(STEP_KEYS)
        return f"unknown step `{key}`{suggest(key, STEP_KEYS)} (a step is one of: {listed})"
    if parent and parent[-1] in ("bot", "no_bot"):
        return f"unknown key `{key}` in `{parent[-1]}` (write a text, or {{pattern: REGEX}})"
    model: type[BaseModel] = Case if parent == ["tests"] else ConversationFile
    return f"unknown key `{key}`{suggest(key, tuple(model.model_fields))}"


# ----- what pydantic cannot see -----------------------------------------------------------------


class _Checker:
    """Checks on the raw data: flow ids, duplicate test names, effect kinds and fields."""

    def __init__(self, data: dict[str, Any], positions: Positions, path: str) -> None:
        self.data = data
        self.positions = positions
        self.path = path
        self.problems: list[Diagnostic] = []

    def run(self, known_flows: Collection[str] | None) -> list[Diagnostic]:
        """Every problem found; flow ids are checked only when `known_flows` is given."""
        tests = self.data.get("tests")
        cases = list(enumerate(tests)) if isinstance(tests, list) else []
        cases = [(t, case) for t, case in cases if isinstance(case, dict)]
        if known_flows is not None:
            self._flow(self.data.get("flow"), ("flow",), known_flows)
            for t, case in cases:
                self._flow(case.get("flow"), ("tests", t, "flow"), known_flows)
        self._names(cases)
        for t, case in cases:
            steps = case.get("steps")
            for s, step in enumerate(steps if isinstance(steps, list) else []):
                self._step(step, ("tests", t, "steps", s))
        return self.problems

    def _add(self, position: tuple[int, int], message: str) -> None:
        self.problems.append(Diagnostic(self.path, *position, "error", message))

    def _flow(self, flow_id: Any, node: NodePath, known: Collection[str]) -> None:
        if isinstance(flow_id, str) and flow_id not in known:
            hint = suggest(flow_id, sorted(known))
            self._add(self.positions.value(node), f"there is no flow `{flow_id}`{hint}")

    def _names(self, cases: list[tuple[int, dict[str, Any]]]) -> None:
        """Test names must be unique: a failure report names its test."""
        seen: set[str] = set()
        for t, case in cases:
            name = case.get("name")
            if isinstance(name, str) and name in seen:
                message = f"another test in this file is already called {name!r}"
                self._add(self.positions.value(("tests", t, "name")), message)
            seen.add(str(name))

    def _step(self, step: Any, node: NodePath) -> None:
        if not isinstance(step, dict):
            return
        for key in _EFFECT_STEPS:
            fields = step.get(key)
            if isinstance(fields, dict):
                self._effect(key, fields, (*node, key))

    def _effect(self, key: str, fields: dict[str, Any], node: NodePath) -> None:
        kinds = sorted(EFFECT_FIELDS)
        kind = "score" if key == "score" else fields.get("kind")
        if kind is None:
            self._add(self.positions.value(node), f"`{key}` needs a `kind` ({', '.join(kinds)})")
            return
        if str(kind) not in EFFECT_FIELDS:
            message = (
                f"unknown effect kind `{kind}`{suggest(str(kind), kinds)} ({', '.join(kinds)})"
            )
            self._add(self.positions.value((*node, "kind")), message)
            return
        allowed = EFFECT_FIELDS[str(kind)]
        for name in fields:
            if name not in allowed:
                effect = f"{_article(str(kind))} `{kind}` effect"
                hint = suggest(name, allowed)
                message = f"{effect} has no `{name}`{hint} (it has: {', '.join(allowed)})"
                self._add(self.positions.key((*node, name)), message)


def _article(word: str) -> str:
    return "an" if word[:1] in "aeiou" else "a"
