"""The high-risk baseline rule: PHQ-9 20 or more, or item 9 above 0, and what each setting does."""

from typing import Any

import pytest

from bot.care.eligibility import baseline_detail, decide, effective_policy, high_risk


def baseline(total: int, item9: int = 0) -> dict[str, Any]:
    """Onboarding's variables after the baseline PHQ-9."""
    return {"phq9": {"total": total, "items": {"q9": item9}, "timepoint": "baseline"}}


@pytest.mark.parametrize(
    ("variables", "expected"),
    [
        (baseline(20), True),  # the severe band starts at 20 (Kroenke 2001)
        (baseline(19), False),
        (baseline(3, item9=1), True),  # any thought of death or self-harm
        (baseline(27, item9=3), True),
        (baseline(0), False),
        ({}, False),  # no baseline (a programme without it): nothing to hold
    ],
)
def test_a_high_risk_baseline(variables: dict[str, Any], expected: bool) -> None:
    assert high_risk(variables) is expected


@pytest.mark.parametrize(
    ("policy", "expected"),
    [("guided_review", "review"), ("continue", "continue"), ("exclude", "exclude")],
)
def test_each_rule_decides_a_high_risk_baseline(policy: Any, expected: str) -> None:
    assert decide(policy, baseline(22)) == expected
    assert decide(policy, baseline(2, item9=1)) == expected


@pytest.mark.parametrize("policy", ["guided_review", "continue", "exclude"])
def test_no_rule_touches_a_baseline_below_the_line(policy: Any) -> None:
    assert decide(policy, baseline(19)) == "continue"


def test_a_review_needs_helpers_to_approve_it() -> None:
    assert effective_policy("guided_review", helpers=True) == "guided_review"
    assert effective_policy("guided_review", helpers=False) == "continue"
    assert effective_policy("exclude", helpers=False) == "exclude"


def test_the_detail_holds_numbers_only() -> None:
    assert baseline_detail(baseline(22, item9=1)) == {"instrument": "phq9", "total": 22, "q9": 1}
