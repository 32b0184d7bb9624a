"""Reading flow YAML with the line and column of every node, and validating it into a Flow.

ruamel.yaml keeps positions (`.lc`) on every mapping and sequence; we turn its round-trip nodes
into plain data plus a map from node path to position, so every later check — pydantic's and the
graph checker's — can point at the exact line and column.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.constructor import ConstructorError, RoundTripConstructor
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.scalarstring import FoldedScalarString, LiteralScalarString

from flows.diagnostics import Diagnostic
from flows.errors import describe_validation_error
from flows.model import Flow

NodePath = tuple[str | int, ...]
Position = tuple[int, int]  # 1-based line and column


class Positions:
    """Where each node of a YAML document is; lookups fall back to the nearest ancestor."""

    def __init__(self) -> None:
        self.values: dict[NodePath, Position] = {(): (1, 1)}
        self.keys: dict[NodePath, Position] = {}
        # Block scalars (`|`, `>`): where their first content line starts, so an error on
        # line N of a multi-line text can point at line N of the file rather than at the `|`.
        self.blocks: dict[NodePath, Position] = {}

    def value(self, path: NodePath) -> Position:
        """The position of the value at `path` (or of its nearest known ancestor)."""
        for end in range(len(path), -1, -1):
            found = self.values.get(path[:end])
            if found is not None:
                return found
        return (1, 1)

    def key(self, path: NodePath) -> Position:
        """The position of the mapping key that leads to `path` (else of its value)."""
        return self.keys.get(path) or self.value(path)

    def text(self, path: NodePath, line: int = 1) -> Position:
        """Where line `line` (1-based) of the text at `path` is; block scalars keep their lines."""
        block = self.blocks.get(path)
        if block is None:
            return self.value(path)
        return (block[0] + line - 1, block[1])


@dataclass(frozen=True)
class ParsedFlow:
    """A validated flow with the positions of its nodes, for the checker."""

    flow: Flow
    positions: Positions
    data: dict[str, Any]


class _Constructor(RoundTripConstructor):
    """ruamel's round-trip constructor, but an impossible date is an error at its line."""

    def construct_yaml_timestamp(self, node: Any, values: Any = None) -> Any:
        """A date or time; `2026-13-01` raises a positioned error instead of a bare ValueError."""
        try:
            return super().construct_yaml_timestamp(node, values)
        except ValueError as error:
            problem = f"this date does not exist ({error})"
            raise ConstructorError(None, None, problem, node.start_mark) from None


_Constructor.add_constructor("tag:yaml.org,2002:timestamp", _Constructor.construct_yaml_timestamp)


def parse_yaml(text: str, path: str) -> tuple[Any, Positions]:
    """Parse YAML into plain data and positions; raise YamlSyntaxError with the position."""
    yaml = YAML(typ="rt", pure=True)
    yaml.Constructor = _Constructor
    try:
        document = yaml.load(text)
    except MarkedYAMLError as error:
        line, column = _yaml_position(error)
        raise YamlSyntaxError(
            Diagnostic(path, line, column, "error", _yaml_message(error))
        ) from None
    except YAMLError as error:
        raise YamlSyntaxError(Diagnostic(path, 1, 1, "error", f"YAML error: {error}")) from None
    positions = Positions()
    data = _plain(document, (), positions)
    _note_blocks(document, (), positions, text.splitlines())
    return data, positions


class YamlSyntaxError(Exception):
    """The text is not valid YAML; carries the diagnostic."""

    def __init__(self, diagnostic: Diagnostic) -> None:
        super().__init__(str(diagnostic))
        self.diagnostic = diagnostic


def _yaml_position(error: MarkedYAMLError) -> Position:
    """The problem's position, except for an unclosed quote: there, where the quote opens."""
    mark = error.problem_mark or error.context_mark
    if "quoted scalar" in str(error.context) and error.context_mark is not None:
        mark = error.context_mark
    return (mark.line + 1, mark.column + 1) if mark else (1, 1)


# ruamel's wording for the usual mistakes, and what a researcher should do instead.
_YAML_HINTS = (
    ("'\\t'", "a tab is used for indentation here: YAML needs spaces (use two per level)"),
    ("quoted scalar", "this quoted text is never closed: add the closing quote"),
    (
        "mapping values are not allowed",
        "a `: ` inside a text starts a new key: put the whole text in quotes",
    ),
    (
        "expected <block end>",
        "this line is indented differently from the lines above it: line up keys of the same "
        "mapping at the same column",
    ),
    ("expected ',' or ']'", "this `[...]` list is not closed properly: check commas and `]`"),
    ("expected ',' or '}'", "this `{...}` mapping is not closed properly: check commas and `}`"),
    ("date does not exist", "this date does not exist: write a real date as YYYY-MM-DD"),
)


def _yaml_message(error: MarkedYAMLError) -> str:
    problem = error.problem or "not valid YAML"
    if "duplicate key" in problem:
        return f"YAML: {problem.split(' with value')[0]} (each key may appear once here)"
    found = f"{error.context or ''} {problem}"
    for needle, hint in _YAML_HINTS:
        if needle in found:
            return f"YAML syntax error: {hint}"
    return f"YAML syntax error: {problem}"


def _plain(node: Any, path: NodePath, positions: Positions) -> Any:
    """Turn ruamel's round-trip nodes into dicts, lists and plain scalars, noting positions."""
    if isinstance(node, CommentedMap):
        result: dict[Any, Any] = {}
        for key in node:
            line, column = node.lc.key(key)
            value_line, value_column = node.lc.value(key)
            child = (*path, str(key))
            positions.keys[child] = (line + 1, column + 1)
            positions.values[child] = (value_line + 1, value_column + 1)
            result[_scalar(key)] = _plain(node[key], child, positions)
        return result
    if isinstance(node, CommentedSeq):
        items = []
        for index, item in enumerate(node):
            line, column = node.lc.item(index)
            positions.values[(*path, index)] = (line + 1, column + 1)
            items.append(_plain(item, (*path, index), positions))
        return items
    return _scalar(node)


def _note_blocks(node: Any, path: NodePath, positions: Positions, lines: list[str]) -> None:
    """Record where the content of each block scalar starts (its line and indentation)."""
    if isinstance(node, CommentedMap):
        children: list[tuple[str | int, Any]] = [(str(key), node[key]) for key in node]
    elif isinstance(node, CommentedSeq):
        children = list(enumerate(node))
    else:
        return
    for part, child in children:
        child_path = (*path, part)
        if isinstance(child, LiteralScalarString | FoldedScalarString):
            indicator_line = positions.values[child_path][0]
            positions.blocks[child_path] = _block_start(lines, indicator_line)
        else:
            _note_blocks(child, child_path, positions, lines)


def _block_start(lines: list[str], indicator_line: int) -> Position:
    """The first content line after a `|` or `>` and its column (1-based)."""
    for number in range(indicator_line + 1, len(lines) + 1):
        content = lines[number - 1]
        if content.strip():
            return (indicator_line + 1, len(content) - len(content.lstrip(" ")) + 1)
    return (indicator_line + 1, 1)


def _scalar(value: Any) -> Any:
    """ruamel wraps scalars in subclasses; hand back the plain built-in types."""
    if isinstance(value, bool) or value is None:
        return value
    for kind in (str, int, float):
        if isinstance(value, kind):
            return kind(value)
    return value


def revision_of(data: Any) -> str:
    """A content hash of the flow's data: the same flow written differently has one revision."""
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:12]


def load_flow_text(text: str, path: str) -> tuple[ParsedFlow | None, list[Diagnostic]]:
    """Parse and validate one flow file's text; return the flow (if valid) and every problem."""
    try:
        data, positions = parse_yaml(text, path)
    except YamlSyntaxError as error:
        return None, [error.diagnostic]
    if not isinstance(data, dict):
        message = "a flow file must be a mapping with id, title, start and states"
        return None, [Diagnostic(path, 1, 1, "error", message)]
    flow, problems = validate(Flow, data, positions, path)
    if flow is None:
        return None, problems
    flow.bind(revision=revision_of(data), path=path, text=text)
    return ParsedFlow(flow, positions, data), problems


def load_flow_file(path: Path) -> tuple[ParsedFlow | None, list[Diagnostic]]:
    """Read and validate one flow file."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        return None, [Diagnostic(str(path), 1, 1, "error", f"cannot read the file: {error}")]
    return load_flow_text(text, str(path))


M = TypeVar("M", bound=BaseModel)


def validate(
    model: type[M], data: Any, positions: Positions, path: str
) -> tuple[M | None, list[Diagnostic]]:
    """Validate data into `model`; on failure, one diagnostic per problem, at its position."""
    try:
        return model.model_validate(data), []
    except ValidationError as error:
        return None, describe_validation_error(error, data, positions, path)
