"""Questionnaire scoring, pure: which item comes next, the total, the band and the rules raised.

An unscored item (`scored: false`, e.g. the PHQ-9's difficulty question) is asked and kept with
the result but never counted: the total, the band and `items` are those of the scored items, and
the unscored answers are kept apart. Only an unscored item may be asked on a condition (`if`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flows.expressions import check_expression, holds
from flows.model import Questionnaire, Rule


@dataclass(frozen=True)
class Raised:
    """A rule that held, and the numbers an alert for it may carry."""

    rule: Rule
    detail: dict[str, Any]


@dataclass(frozen=True)
class Scored:
    """A questionnaire's result: scored and unscored answers, total, band and raised rules."""

    items: dict[str, int]
    unscored: dict[str, int]
    total: int
    band: str | None
    raised: list[Raised]


def counter(form: Questionnaire, index: int) -> str:
    """ "(3/9) " for a scored item, counting scored items only; nothing for an unscored one."""
    if not form.items[index].scored:
        return ""  # like the paper form's question under the total: not one of the count
    position = sum(1 for earlier in form.items[:index] if earlier.scored) + 1
    return f"({position}/{len(form.scored_items)}) "


def next_item(form: Questionnaire, scores: dict[str, int], start: int) -> int | None:
    """The first item from `start` on whose condition (if any) holds; None when none is left."""
    known = scope(form, scores)
    for index in range(start, len(form.items)):
        condition = form.items[index].if_
        if condition is None or holds(condition, known):
            return index
    return None


def scope(form: Questionnaire, scores: dict[str, int]) -> dict[str, Any]:
    """What rules and conditions read: each answered item by id, `items` (scored) and `total`."""
    items = _scored(form, scores)
    return {**scores, "items": items, "total": sum(items.values())}


def evaluate(form: Questionnaire, scores: dict[str, int]) -> Scored:
    """Total and band of the scored items, the unscored answers apart, and the rules that hold."""
    items = _scored(form, scores)
    total = sum(items.values())
    band = next((b.label for b in form.bands if b.min <= total <= b.max), None)
    known = scope(form, scores)
    raised = []
    for rule in form.rules:
        if holds(rule.if_, known):
            named = check_expression(rule.if_).variables & set(scores)
            numbers = {name: scores[name] for name in sorted(named)}
            raised.append(Raised(rule, {"instrument": form.id, "total": total, **numbers}))
    unscored = {name: score for name, score in scores.items() if name not in items}
    return Scored(items, unscored, total, band, raised)


def result_variable(form: Questionnaire, scored: Scored, timepoint: str) -> dict[str, Any]:
    """The variable a questionnaire saves: total, band, items, timepoint, alerts (and unscored)."""
    result: dict[str, Any] = {
        "total": scored.total,
        "band": scored.band,
        "items": scored.items,
        "timepoint": timepoint,
        "alerts": [raised.rule.alert.reason for raised in scored.raised],
    }
    if len(form.scored_items) < len(form.items):
        result["unscored"] = scored.unscored  # only the unscored items that were asked
    return result


def _scored(form: Questionnaire, scores: dict[str, int]) -> dict[str, int]:
    return {item.id: scores[item.id] for item in form.scored_items if item.id in scores}
