"""What every check works with: one flow and its positions, and the programme around it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from flows.diagnostics import Diagnostic, Severity
from flows.loader import NodePath, ParsedFlow
from flows.model import Flow, ProgrammeSettings, State

# Names every template may read without a flow setting them: the patient's context.
CONTEXT_NAMES = frozenset(
    {
        "alias", "language", "week", "care_mode", "timepoint", "pseudonym", "module", "now",
        "today", "staffed",
    }
)  # fmt: skip


@dataclass(frozen=True)
class FlowFile:
    """One parsed flow and helpers to report problems at its nodes."""

    parsed: ParsedFlow

    @property
    def flow(self) -> Flow:
        """The validated flow."""
        return self.parsed.flow

    @property
    def path(self) -> str:
        """The file the flow came from."""
        return self.parsed.flow.path

    def at(self, node: NodePath, message: str, severity: Severity = "error") -> Diagnostic:
        """A diagnostic at the value of `node`."""
        line, column = self.parsed.positions.value(node)
        return Diagnostic(self.path, line, column, severity, message)

    def at_key(self, node: NodePath, message: str, severity: Severity = "error") -> Diagnostic:
        """A diagnostic at the key that leads to `node`."""
        line, column = self.parsed.positions.key(node)
        return Diagnostic(self.path, line, column, severity, message)

    def at_text(
        self, node: NodePath, line: int, message: str, severity: Severity = "error"
    ) -> Diagnostic:
        """A diagnostic at line `line` of the text at `node` (multi-line texts keep their lines)."""
        file_line, column = self.parsed.positions.text(node, line)
        return Diagnostic(self.path, file_line, column, severity, message)

    def raw(self, node: NodePath) -> Any:
        """The plain data at `node`, as written (None when absent)."""
        value: Any = self.parsed.data
        for part in node:
            if isinstance(value, dict):
                value = _lookup(value, part)
            elif isinstance(value, list) and isinstance(part, int) and part < len(value):
                value = value[part]
            else:
                return None
        return value

    def has(self, node: NodePath) -> bool:
        """True when the file itself writes `node` (not a default filled in by the model)."""
        return node in self.parsed.positions.values

    def states(self) -> Iterator[tuple[str, State, NodePath]]:
        """Every state with its name and node path."""
        for name, state in self.flow.states.items():
            yield name, state, ("states", name)


def _lookup(mapping: dict[Any, Any], part: str | int) -> Any:
    """Positions name keys as strings; the data may hold int keys (scale labels)."""
    if part in mapping:
        return mapping[part]
    return next((value for key, value in mapping.items() if str(key) == str(part)), None)


@dataclass
class Programme:
    """Every flow being checked together, with what they share."""

    files: list[FlowFile]
    settings: ProgrammeSettings
    flow_ids: set[str] = field(default_factory=set)

    @classmethod
    def of(cls, parsed: list[ParsedFlow], settings: ProgrammeSettings) -> Programme:
        """Wrap the parsed flows."""
        files = [FlowFile(p) for p in parsed]
        return cls(files, settings, {f.flow.id for f in files})


def _sandbox_names() -> frozenset[str]:
    from flows.expressions import _ENV  # the sandbox's own globals (min, max, range, ...)

    return frozenset(_ENV.globals)


# Names any expression may use without setting them: the sandbox's functions.
SANDBOX_NAMES = _sandbox_names()
