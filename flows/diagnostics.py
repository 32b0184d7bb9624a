"""Problems found in a researcher's files, each with its file, line and column."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One problem: where it is (1-based line and column) and what to do about it."""

    path: str
    line: int
    column: int
    severity: Severity
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}: {self.severity}: {self.message}"


def has_errors(diagnostics: list[Diagnostic], *, strict: bool = False) -> bool:
    """True when any diagnostic is an error (or, with `strict`, a warning)."""
    return any(d.severity == "error" or strict for d in diagnostics)
