"""Text templates and conditions, evaluated in Jinja2's sandbox.

Researchers write `{{ alias }}` in text and `phq9.total >= 10 and mood < 4` in conditions. Jinja2's
SandboxedEnvironment already refuses access to Python internals (no `__class__`, no file access);
on top of it we forbid loops, macros and includes, and cap arithmetic that could exhaust memory,
so a flow can never run Python, read files or loop forever.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from jinja2 import ChainableUndefined, TemplateSyntaxError, meta, nodes
from jinja2.sandbox import SandboxedEnvironment

# Anything bigger than this from `*` or `**` is refused: texts are short and scores are small.
MAX_RESULT_SIZE = 10_000
# Whole numbers beyond this many bits are refused too (a chain of `**` would otherwise hang).
MAX_INT_BITS = 1024
_FORBIDDEN_NODES: dict[type[nodes.Node], str] = {
    nodes.For: "loops (`for`)",
    nodes.Macro: "macros",
    nodes.CallBlock: "call blocks",
    nodes.FilterBlock: "filter blocks",
    nodes.Include: "includes",
    nodes.Import: "imports",
    nodes.FromImport: "imports",
    nodes.Extends: "extends",
    nodes.Assign: "`set`",
    nodes.AssignBlock: "`set`",
    nodes.With: "`with`",
}


class ExpressionError(ValueError):
    """A template or condition that cannot be parsed or is not allowed."""

    def __init__(self, message: str, line: int = 1) -> None:
        super().__init__(message)
        self.line = line


class _Sandbox(SandboxedEnvironment):
    """Jinja2's sandbox with size caps on `*` and `**`, where `a.b` prefers a mapping's key."""

    intercepted_binops = frozenset({"*", "**"})

    def getattr(self, obj: Any, attribute: str) -> Any:
        # Researchers' data are mappings: `phq9.items` must be the item scores, not dict.items.
        if isinstance(obj, Mapping) and attribute in obj:
            return obj[attribute]
        return super().getattr(obj, attribute)

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "**":
            if isinstance(right, int | float) and abs(right) > 64:
                raise ExpressionError("exponent too large")
            if _is_int(left) and _is_int(right) and left.bit_length() * right > MAX_INT_BITS:
                raise ExpressionError("result too large")
            return left**right
        if (
            _is_int(left)
            and _is_int(right)
            and left.bit_length() + right.bit_length() > MAX_INT_BITS
        ):
            raise ExpressionError("result too large")
        if isinstance(left, str | list) or isinstance(right, str | list):
            count = right if isinstance(right, int) else left
            size = len(left) if isinstance(left, str | list) else len(right)
            if isinstance(count, int) and count * size > MAX_RESULT_SIZE:
                raise ExpressionError("result too large")
        return left * right


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _build_env() -> _Sandbox:
    env = _Sandbox(autoescape=True, undefined=ChainableUndefined)
    env.globals.update({"min": min, "max": max, "abs": abs, "len": len, "round": round})
    return env


# The environment holds no per-patient data: it is a constant, shared safely.
_ENV = _build_env()


@dataclass(frozen=True)
class Compiled:
    """A checked template: its source and the variable names it reads."""

    source: str
    variables: frozenset[str]


def _check_nodes(tree: nodes.Template) -> None:
    for node_type, what in _FORBIDDEN_NODES.items():
        for node in tree.find_all(node_type):
            raise ExpressionError(f"{what} are not allowed in flow text", node.lineno)


@lru_cache(maxsize=4096)
def check_template(source: str) -> Compiled:
    """Parse a text template; raise ExpressionError with a line number if it is not allowed."""
    return _checked(source, "template error")


@lru_cache(maxsize=4096)
def check_expression(source: str) -> Compiled:
    """Parse a condition or computed value; raise ExpressionError if it does not parse."""
    if not source.strip():
        raise ExpressionError("empty expression")
    checked = _checked("{{ (" + source + ") }}", "expression error")
    return Compiled(source, checked.variables)


def _checked(source: str, what: str) -> Compiled:
    """Parse and compile (compiling finds unknown filters and tests), then vet the nodes."""
    try:
        tree = _ENV.parse(source)
        _ENV.compile(tree)
    except TemplateSyntaxError as error:  # includes TemplateAssertionError (unknown filter)
        raise ExpressionError(f"{what}: {error.message}", error.lineno or 1) from None
    _check_nodes(tree)
    return Compiled(source, frozenset(meta.find_undeclared_variables(tree)))


@lru_cache(maxsize=4096)
def _template(source: str) -> Any:
    check_template(source)
    return _ENV.from_string(source)


@lru_cache(maxsize=4096)
def _expression(source: str) -> Any:
    check_expression(source)
    return _ENV.compile_expression(source, undefined_to_none=True)


def render(source: str, namespace: Mapping[str, Any]) -> str:
    """Render text with variables HTML-escaped; a failing template renders as its source."""
    if "{" not in source:
        return source
    try:
        return str(_template(source).render(dict(namespace)))
    except Exception:
        return source


def evaluate(source: str, namespace: Mapping[str, Any]) -> Any:
    """Evaluate an expression; any error (undefined variable, wrong type) gives None."""
    try:
        return _expression(source)(**namespace)
    except Exception:
        return None


def holds(source: str, namespace: Mapping[str, Any]) -> bool:
    """True when a condition evaluates to a true value."""
    return bool(evaluate(source, namespace))


def storable(value: Any) -> Any:
    """A computed value as plain JSON data for the run state; None when it is not data or too big.

    Anything that is not data (a `range`, a function, an undefined name) becomes None, as do
    numbers JSON cannot hold (infinity, NaN), so every run state can always be stored.
    """
    try:
        plain = _plain(value, 0)
        size = len(json.dumps(plain, ensure_ascii=False, allow_nan=False))
    except (ValueError, TypeError):
        return None
    return plain if size <= MAX_RESULT_SIZE else None


def _plain(value: Any, depth: int) -> Any:
    if depth > 16:
        raise ValueError("nested too deeply")
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        if len(value) > MAX_RESULT_SIZE:
            raise ValueError("text too long")
        return str(value)  # Markup (escaped text) becomes a plain string
    if isinstance(value, int):
        return int(value) if value.bit_length() <= MAX_INT_BITS else None
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, list | tuple):
        if len(value) > MAX_RESULT_SIZE:
            raise ValueError("list too long")
        return [_plain(item, depth + 1) for item in value]
    if isinstance(value, dict):
        if len(value) > MAX_RESULT_SIZE:
            raise ValueError("mapping too long")
        return {str(key): _plain(item, depth + 1) for key, item in value.items()}
    return None
