"""Checks on validated flows: the graph, expressions, questionnaires, translations, media."""

from __future__ import annotations

from collections.abc import Sequence

from flows.diagnostics import Diagnostic
from flows.loader import ParsedFlow
from flows.model import ProgrammeSettings


def check_flows(parsed: Sequence[ParsedFlow], settings: ProgrammeSettings) -> list[Diagnostic]:
    """Every problem across the flows, all at once, each at its line and column."""
    return []
