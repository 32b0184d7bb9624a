"""Questionnaires whose options, scores, bands and rules agree with each other."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from flows.checks import syntax
from flows.checks.base import SANDBOX_NAMES, FlowFile
from flows.diagnostics import Diagnostic
from flows.errors import suggest
from flows.expressions import ExpressionError
from flows.loader import NodePath
from flows.model import AnswerOption, Questionnaire, QuestionnaireState


def check(file: FlowFile) -> Iterator[Diagnostic]:
    """Every questionnaire of the flow."""
    for _, state, at in file.states():
        if isinstance(state, QuestionnaireState):
            form, where = state.questionnaire, (*at, "questionnaire")
            yield from _options(file, form, where)
            yield from _item_ids(file, form, where)
            yield from _bands(file, form, where)
            yield from _rules(file, form, where)
            yield from _unscored(file, form, where)


def _option_lists(
    form: Questionnaire, at: NodePath
) -> Iterator[tuple[NodePath, list[AnswerOption]]]:
    if form.options is not None:
        yield (*at, "options"), form.options
    for index, item in enumerate(form.items):
        if item.options is not None:
            yield (*at, "items", index, "options"), item.options


def _options(file: FlowFile, form: Questionnaire, at: NodePath) -> Iterator[Diagnostic]:
    for index, item in enumerate(form.items):
        if not form.options_for(item):
            message = (
                f"item `{item.id}` has no answer options: give it `options:`, "
                "or give the questionnaire shared `options:`"
            )
            yield file.at((*at, "items", index), message)
    for where, options in _option_lists(form, at):
        yield from _scores(file, where, options)
        yield from _distinct(file, where, options)


def _scores(file: FlowFile, at: NodePath, options: list[AnswerOption]) -> Iterator[Diagnostic]:
    # The model accepts "2" and 2.0 as 2; a score must be written as a plain whole number.
    for index in range(len(options)):
        raw = file.raw((*at, index, "score"))
        if type(raw) is not int:
            message = f"a score must be a whole number like 2 (written without quotes), not {raw!r}"
            yield file.at((*at, index, "score"), message)


def _key(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def _is_quiz(options: list[AnswerOption]) -> bool:
    """Right/wrong marking (scores 0 and 1): several wrong answers may all score 0."""
    return {option.score for option in options} == {0, 1}


def _distinct(file: FlowFile, at: NodePath, options: list[AnswerOption]) -> Iterator[Diagnostic]:
    seen_scores: dict[int, int] = {}
    seen_labels: dict[str, int] = {}
    quiz = _is_quiz(options)
    for index, option in enumerate(options):
        first = seen_scores.setdefault(option.score, index)
        if first != index and not quiz:
            message = (
                f"two options score {option.score}: give each answer its own score "
                "(only right/wrong quizzes, scored 0 and 1, may repeat a score)"
            )
            yield file.at((*at, index, "score"), message)
        first = seen_labels.setdefault(_key(option.label), index)
        if first != index:
            yield file.at((*at, index, "label"), "two options have this label: make them differ")


def _item_ids(file: FlowFile, form: Questionnaire, at: NodePath) -> Iterator[Diagnostic]:
    first: dict[str, int] = {}
    for index, item in enumerate(form.items):
        earlier = first.setdefault(item.id, index)
        if earlier != index:
            line, _ = file.parsed.positions.value((*at, "items", earlier, "id"))
            message = f"item id `{item.id}` is already used on line {line}: give each its own id"
            yield file.at((*at, "items", index, "id"), message)


def total_range(form: Questionnaire) -> tuple[int, int] | None:
    """The lowest and highest possible total (None when an item has no options)."""
    low = high = 0
    for item in form.scored_items:
        scores = [option.score for option in form.options_for(item)]
        if not scores:
            return None
        low, high = low + min(scores), high + max(scores)
    return low, high


def _span(low: int, high: int) -> str:
    return str(low) if low == high else f"{low}–{high}"


def _bands(file: FlowFile, form: Questionnaire, at: NodePath) -> Iterator[Diagnostic]:
    if not form.bands:
        return
    labels: dict[str, int] = {}
    for index, band in enumerate(form.bands):
        where = (*at, "bands", index)
        if band.min > band.max:
            yield file.at((*where, "min"), f"band `{band.label}` has `min` above `max`")
        if labels.setdefault(band.label, index) != index:
            yield file.at((*where, "label"), f"two bands are labelled `{band.label}`")
        yield from _overlaps(file, form, at, index)
    possible = total_range(form)
    if possible is not None:
        yield from _coverage(file, form, at, possible)


def _overlaps(
    file: FlowFile, form: Questionnaire, at: NodePath, index: int
) -> Iterator[Diagnostic]:
    band = form.bands[index]
    for other in form.bands[:index]:
        low, high = max(band.min, other.min), min(band.max, other.max)
        if low <= high and other.min <= other.max and band.min <= band.max:
            message = (
                f"band `{band.label}` ({_span(band.min, band.max)}) overlaps band "
                f"`{other.label}` ({_span(other.min, other.max)}) on {_span(low, high)}: "
                "each total must fall in one band"
            )
            yield file.at((*at, "bands", index), message)


def _runs(values: list[int]) -> list[str]:
    """Consecutive numbers as spans: [1, 2, 3, 7] -> ["1–3", "7"]."""
    runs: list[list[int]] = []
    for value in values:
        if runs and runs[-1][1] == value - 1:
            runs[-1][1] = value
        else:
            runs.append([value, value])
    return [_span(low, high) for low, high in runs]


def _coverage(
    file: FlowFile, form: Questionnaire, at: NodePath, possible: tuple[int, int]
) -> Iterator[Diagnostic]:
    low, high = possible
    covered = {n for band in form.bands for n in range(band.min, band.max + 1)}
    missing = [n for n in range(low, high + 1) if n not in covered]
    if missing:
        message = (
            f"no band covers the totals {', '.join(_runs(missing))} "
            f"(totals run from {low} to {high}): extend or add a band"
        )
        yield file.at_key((*at, "bands"), message)
    for index, band in enumerate(form.bands):
        extra = [n for n in range(band.min, band.max + 1) if not low <= n <= high]
        if extra:
            message = (
                f"band `{band.label}` covers {', '.join(_runs(extra))}, but totals run only "
                f"from {low} to {high}"
            )
            yield file.at((*at, "bands", index), message)


def _rules(file: FlowFile, form: Questionnaire, at: NodePath) -> Iterator[Diagnostic]:
    allowed = {item.id for item in form.items} | {"total", "items"} | SANDBOX_NAMES
    for index, rule in enumerate(form.rules):
        where = (*at, "rules", index, "if")
        try:
            names = syntax.expression(rule.if_).variables
        except ExpressionError as error:
            yield syntax.expression_problem(file, where, error)
            continue
        for name in sorted(names - allowed):
            message = (
                f"a rule may only use the item ids, `total` and `items`, not `{name}`"
                f"{_suggest_item(name, form)}"
            )
            yield file.at(where, message)


def _suggest_item(name: str, form: Questionnaire) -> str:
    return suggest(name, [item.id for item in form.items])


def _unscored(file: FlowFile, form: Questionnaire, at: NodePath) -> Iterator[Diagnostic]:
    """Unscored items and conditions: a total to count, and conditions only where they fit."""
    if not form.scored_items:
        message = "every item is `scored: false`: a questionnaire needs a scored item for its total"
        yield file.at_key((*at, "items"), message)
    for index, item in enumerate(form.items):
        if item.if_ is not None:
            yield from _condition(file, form, (*at, "items", index), index)


def _condition(
    file: FlowFile, form: Questionnaire, at: NodePath, index: int
) -> Iterator[Diagnostic]:
    item, where = form.items[index], (*at, "if")
    if item.scored:
        message = (
            f"only an unscored item may be asked on a condition: skipping `{item.id}` would "
            "change what the total means (add `scored: false`, or remove `if`)"
        )
        yield file.at(where, message)
    if index == 0:
        yield file.at(where, "the first item is always asked: there is nothing before it to test")
        return
    try:
        names = syntax.expression(item.if_ or "").variables
    except ExpressionError as error:
        yield syntax.expression_problem(file, where, error)
        return
    earlier = {other.id for other in form.items[:index]}
    for name in sorted(names - earlier - {"total", "items"} - SANDBOX_NAMES):
        message = (
            f"an item's `if` may only use earlier items, `total` and `items`, not `{name}`"
            f"{_suggest_item(name, form)}"
        )
        yield file.at(where, message)
