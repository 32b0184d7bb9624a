"""The Bot API spec (methods, fields, types) and a checker for requests and responses against it."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

SPEC_FILE = Path(__file__).parent / "spec" / "bot-api-10.1.json"
SCALARS = frozenset({"Integer", "String", "Boolean", "Float"})
_INT = re.compile(r"-?\d+")
_BOOLS = {"true": True, "false": False, "1": True, "0": False}


@dataclass(frozen=True)
class Field:
    """One field of a method or type: its name, its alternative types and whether it is required."""

    name: str
    types: tuple[str, ...]
    required: bool


@dataclass(frozen=True)
class Shape:
    """A method's parameters or an object type's fields (or, for a union type, its subtypes)."""

    name: str
    fields: dict[str, Field]
    subtypes: tuple[str, ...] = ()


@dataclass
class Checked:
    """The outcome of checking a request: the values converted to Python types and the errors."""

    params: dict[str, Any] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    attached: set[str] = field(default_factory=set)


class Spec:
    """The machine-readable Bot API: look up methods and check values against declared types."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.version = str(data.get("version", ""))
        self.methods = {name: _shape(raw) for name, raw in data["methods"].items()}
        self.types = {name: _shape(raw) for name, raw in data["types"].items()}
        self._by_lower = {name.lower(): name for name in self.methods}

    def method_name(self, name: str) -> str | None:
        """The spec's spelling of a method name (the Bot API ignores case), or None if unknown."""
        return self._by_lower.get(name.lower())

    def check_request(
        self, method: str, raw: dict[str, Any], files: set[str], *, form: bool
    ) -> Checked:
        """Check a request's parameters; `form` means every value arrived as a string."""
        shape = self.methods[method]
        out = Checked()
        raw = {name: value for name, value in raw.items() if value is not None}  # null = absent
        for name in raw:
            if name not in shape.fields and name not in files:
                out.errors.append(f"unknown field {name!r}")
        for spec_field in shape.fields.values():
            if spec_field.name in files:
                out.params[spec_field.name] = _Upload(spec_field.name)
                out.attached.add(spec_field.name)
                if "InputFile" not in spec_field.types:
                    out.errors.append(f"field {spec_field.name!r} can't be a file upload")
                continue
            if spec_field.name not in raw:
                if spec_field.required:
                    out.errors.append(f"missing required field {spec_field.name!r}")
                continue
            value, errors = self._top_level(spec_field, raw[spec_field.name], form, out.attached)
            out.params[spec_field.name] = value
            out.errors.extend(errors)
        for name in sorted(files - out.attached):
            out.errors.append(f"file part {name!r} is neither a field nor referenced by attach://")
        for name in sorted(out.attached - files):
            out.errors.append(f"attach://{name} names no uploaded file part")
        return out

    def check_object(self, type_name: str, value: Any, path: str = "") -> list[str]:
        """Errors of a decoded JSON value against an object type (used for responses too)."""
        return self._check(value, (type_name,), path or type_name, set())

    def _top_level(
        self, spec_field: Field, value: Any, form: bool, attached: set[str]
    ) -> tuple[Any, list[str]]:
        types = spec_field.types
        if isinstance(value, str) and any(not _is_scalar_like(t) for t in types):
            if value.startswith("attach://") and "InputFile" in types:
                attached.add(value.removeprefix("attach://"))
                return value, []
            if "String" not in types:
                try:
                    value = json.loads(value)
                except ValueError:
                    return value, [f"field {spec_field.name!r} is not valid JSON"]
        if form and isinstance(value, str):
            value = _coerce_form_scalar(value, types)
        return value, self._check(value, types, spec_field.name, attached)

    def _check(
        self, value: Any, types: tuple[str, ...], path: str, attached: set[str]
    ) -> list[str]:
        best: list[str] | None = None
        for type_name in types:
            errors = self._check_one(value, type_name, path, attached)
            if not errors:
                return []
            if best is None or len(errors) < len(best):
                best = errors
        if len(types) > 1 and best and best[0].startswith(f"{path} has the wrong type"):
            return [f"{path} must be {' or '.join(types)}, got {_json_type(value)}"]
        return best or []

    def _check_one(self, value: Any, type_name: str, path: str, attached: set[str]) -> list[str]:
        if type_name.startswith("Array of "):
            if not isinstance(value, list):
                return [f"{path} has the wrong type: expected {type_name}, got {_json_type(value)}"]
            inner = (type_name.removeprefix("Array of "),)
            return [
                e
                for i, item in enumerate(value)
                for e in self._check(item, inner, f"{path}[{i}]", attached)
            ]
        if type_name in SCALARS:
            return [] if _scalar_ok(value, type_name) else [_wrong(path, type_name, value)]
        if type_name == "InputFile":
            if isinstance(value, str) and value.startswith("attach://"):
                attached.add(value.removeprefix("attach://"))
                return []
            return [_wrong(path, type_name, value)]
        return self._check_shape(value, type_name, path, attached)

    def _check_shape(self, value: Any, type_name: str, path: str, attached: set[str]) -> list[str]:
        shape = self.types.get(type_name)
        if shape is None:
            return [f"{path}: the spec has no type {type_name!r}"]
        if shape.subtypes:
            return self._check(value, shape.subtypes, path, attached)
        if not isinstance(value, dict):
            return [_wrong(path, type_name, value)]
        errors = [
            f"{path}: unknown field {name!r} in {type_name}"
            for name in value
            if name not in shape.fields
        ]
        for spec_field in shape.fields.values():
            if spec_field.name in value:
                errors += self._check(
                    value[spec_field.name], spec_field.types, f"{path}.{spec_field.name}", attached
                )
            elif spec_field.required:
                errors.append(f"{path}: missing required field {spec_field.name!r} of {type_name}")
        return errors


class _Upload(str):
    """Marks a parameter that arrived as a multipart file part under the field's own name."""


def _shape(raw: dict[str, Any]) -> Shape:
    fields = {
        f["name"]: Field(f["name"], tuple(f["types"]), bool(f["required"]))
        for f in raw.get("fields", [])
    }
    return Shape(raw["name"], fields, tuple(raw.get("subtypes", ())))


def _is_scalar_like(type_name: str) -> bool:
    return type_name in SCALARS or type_name == "InputFile"


def _coerce_form_scalar(value: str, types: tuple[str, ...]) -> Any:
    for type_name in types:
        if type_name == "String":
            return value
        if type_name == "Integer" and _INT.fullmatch(value):
            return int(value)
        if type_name == "Boolean" and value.lower() in _BOOLS:
            return _BOOLS[value.lower()]
        if type_name == "Float":
            try:
                return float(value)
            except ValueError:
                continue
    return value


def _scalar_ok(value: Any, type_name: str) -> bool:
    if type_name == "Boolean":
        return isinstance(value, bool)
    if isinstance(value, bool):
        return False
    if type_name == "Integer":
        return isinstance(value, int)
    if type_name == "Float":
        return isinstance(value, int | float)
    return isinstance(value, str)


def _json_type(value: Any) -> str:
    names = {
        bool: "Boolean",
        int: "Integer",
        float: "Float",
        str: "String",
        list: "Array",
        dict: "Object",
    }
    return "null" if value is None else names.get(type(value), type(value).__name__)


def _wrong(path: str, type_name: str, value: Any) -> str:
    return f"{path} has the wrong type: expected {type_name}, got {_json_type(value)}"


@cache
def load_spec(path: Path = SPEC_FILE) -> Spec:
    """The spec shipped with the fake (loaded once per process)."""
    return Spec(json.loads(path.read_text(encoding="utf-8")))
