"""Checks on validated flows: the graph, expressions, questionnaires, translations, media.

Pydantic has already checked each file's shape; these checks look at what the shape cannot
say (targets that exist, ways out, consistent scores) and report every problem at its node.
"""

from __future__ import annotations

from collections.abc import Sequence

from flows.checks import asks, countries, graph, programme, questionnaires, texts, variables, words
from flows.checks.base import Programme
from flows.diagnostics import Diagnostic
from flows.loader import ParsedFlow
from flows.model import ProgrammeSettings


def check_flows(parsed: Sequence[ParsedFlow], settings: ProgrammeSettings) -> list[Diagnostic]:
    """Every problem across the flows, all at once, each at its line and column."""
    whole = Programme.of(list(parsed), settings)
    problems: list[Diagnostic] = []
    for file in whole.files:
        problems += graph.check(file)
        problems += asks.check(file)
        problems += questionnaires.check(file)
        problems += words.check(file)
        problems += texts.check(whole, file)
    problems += programme.duplicate_ids(whole)
    problems += programme.unknown_flows(whole)
    problems += variables.check(whole)
    problems += countries.check(whole)
    return sorted(set(problems))
