"""Turning pydantic's validation errors into messages a researcher understands, at their lines."""

from __future__ import annotations

import difflib
from collections import defaultdict
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from flows import model as flow_model
from flows.diagnostics import Diagnostic

if TYPE_CHECKING:
    from flows.loader import NodePath, Positions

# What each pydantic type error expected, in plain words (used when a value fits no option).
_EXPECTED = {
    "string_type": "a text",
    "dict_type": "a mapping (for texts: one per language, like {en: ..., zh: ...})",
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
    "list_type": "a list",
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "int_from_float": "a whole number",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "float_type": "a number",
    "float_parsing": "a number",
}


def _vocabulary() -> list[str]:
    """Every key a flow file may use, for "did you mean" suggestions."""
    words: set[str] = set()
    for value in vars(flow_model).values():
        if isinstance(value, type) and issubclass(value, BaseModel):
            for name, field in value.model_fields.items():
                words.add(field.alias or name)
    return sorted(words)


_VOCABULARY = _vocabulary()


def suggest(word: str, options: list[str] | None = None) -> str:
    """` (did you mean `x`?)` when a close match exists, else ""."""
    matches = difflib.get_close_matches(word, options or _VOCABULARY, n=1, cutoff=0.6)
    return f" (did you mean `{matches[0]}`?)" if matches else ""


def describe_validation_error(
    error: ValidationError, data: Any, positions: Positions, path: str
) -> list[Diagnostic]:
    """One diagnostic per problem; errors from the options of one union are merged."""
    grouped: dict[NodePath, list[ErrorDetails]] = defaultdict(list)
    for detail in error.errors():
        grouped[_data_path(detail, data)].append(detail)
    diagnostics = []
    for node_path, details in grouped.items():
        if _only_types(details) and any(_below(other, node_path) for other in grouped):
            continue  # a deeper error in the same value says more precisely what is wrong
        for message, at_key in _messages(node_path, details, _node(data, node_path)):
            line, column = positions.key(node_path) if at_key else positions.value(node_path)
            diagnostics.append(Diagnostic(path, line, column, "error", message))
    return sorted(set(diagnostics))


def _has(node: Any, part: str | int) -> bool:
    if isinstance(node, dict):
        return part in node
    return isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)


def _only_types(details: list[ErrorDetails]) -> bool:
    return all(d["type"] in _EXPECTED for d in details)


def _below(path: NodePath, ancestor: NodePath) -> bool:
    return len(path) > len(ancestor) and path[: len(ancestor)] == ancestor


def _node(data: Any, node_path: NodePath) -> Any:
    for part in node_path:
        data = data[part]
    return data


def _data_path(detail: ErrorDetails, data: Any) -> NodePath:
    """Follow pydantic's error location through the data, skipping union and tag labels."""
    loc = list(detail["loc"])
    if len(loc) > 2 and loc[0] == "states" and detail["type"] != "state_kind":
        del loc[2]  # the discriminator's tag, which pydantic puts after the state's name
    node, found = data, []
    for part in loc:
        if not _has(node, part):
            continue
        node = node[part]
        found.append(part)
    return tuple(found)


def _messages(
    node_path: NodePath, details: list[ErrorDetails], node: Any
) -> list[tuple[str, bool]]:
    """Messages for the errors at one node, and whether each points at the key (not the value)."""
    name = f"`{node_path[-1]}`" if node_path and isinstance(node_path[-1], str) else "this value"
    type_errors = [d for d in details if d["type"] in _EXPECTED]
    others = [d for d in details if d["type"] not in _EXPECTED]
    messages = [_message(name, detail, node) for detail in others]
    if type_errors and not others:
        expected = sorted({_EXPECTED[d["type"]] for d in type_errors})
        messages.append((f"{name} should be {' or '.join(expected)}", False))
    return messages


def _message(name: str, detail: ErrorDetails, node: Any) -> tuple[str, bool]:
    kind = detail["type"]
    loc = detail["loc"]
    if kind == "extra_forbidden":
        return _unknown_key(str(loc[-1]), loc), True
    if kind == "missing":
        return f"missing `{loc[-1]}` here", False
    text = detail["msg"].removeprefix("Value error, ")
    if kind == "string_pattern_mismatch":
        return f"{name} should be a name of letters, digits and `_` (no spaces), like `done`", False
    if kind == "state_kind":
        return _state_kind_message(node), True
    return f"{name}: {text[0].lower()}{text[1:]}", False


def _unknown_key(key: str, loc: tuple[int | str, ...]) -> str:
    """Name the unknown key; inside a state, suggest from what that kind of state accepts."""
    model = _STATE_MODELS.get(str(loc[2])) if len(loc) > 3 and loc[0] == "states" else None
    if model is None:
        return f"unknown key `{key}`{suggest(key)}"
    allowed = sorted(field.alias or name for name, field in model.model_fields.items())
    allowed.remove("kind")
    if key in _VOCABULARY:
        article = "an" if str(loc[2])[0] in "aeiou" else "a"
        kind = f"{article} `{loc[2]}` state"
        return f"`{key}` does not belong in {kind} (it may have: {', '.join(allowed)})"
    return f"unknown key `{key}`{suggest(key, allowed)}"


def _state_kind_message(node: Any) -> str:
    if not isinstance(node, dict):
        return "a state must be a mapping, like `say: ...` and `next: ...`"
    found = [key for key in flow_model.ACTION_KEYS if key in node]
    listed = " and ".join(f"`{key}`" for key in found)
    return (
        f"a state does one thing, but this one has {listed}: split it into states joined by `next`"
    )


_STATE_MODELS: dict[str, type[BaseModel]] = {
    str(model.model_fields["kind"].default): model
    for model in vars(flow_model).values()
    if isinstance(model, type)
    and issubclass(model, flow_model.StateBase)
    and "kind" in model.model_fields
}
