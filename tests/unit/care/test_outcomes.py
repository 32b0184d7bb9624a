"""Outcomes by the NHS Talking Therapies rules: caseness, reliable change, recovery."""

from datetime import UTC, datetime, timedelta

import pytest

from bot.care.outcomes import Result, is_deterioration, outcomes

START = datetime(2026, 1, 5, tzinfo=UTC)


def results(phq9: list[int], gad7: list[int]) -> list[Result]:
    """Weekly results, oldest first."""
    made = [
        Result("phq9", f"w{i}", t, None, START + timedelta(weeks=i)) for i, t in enumerate(phq9)
    ]
    made += [
        Result("gad7", f"w{i}", t, None, START + timedelta(weeks=i)) for i, t in enumerate(gad7)
    ]
    return made


def test_recovery_needs_caseness_at_start_and_below_caseness_on_both_at_the_end() -> None:
    found = outcomes(results([15, 8], [12, 5]))
    assert found.caseness_at_baseline
    assert found.caseness_now is False
    assert found.recovery
    assert found.reliable_improvement
    assert found.phq9.change == -7
    assert found.gad7.change == -7


def test_no_recovery_when_one_measure_stays_above_caseness() -> None:
    found = outcomes(results([15, 8], [12, 9]))
    assert not found.recovery
    assert found.reliable_improvement  # PHQ-9 fell by 7, GAD-7 did not rise reliably


def test_below_caseness_at_baseline_cannot_recover() -> None:
    assert not outcomes(results([7, 2], [5, 1])).recovery


@pytest.mark.parametrize(
    ("phq9", "gad7", "improved", "deteriorated"),
    [
        ([14, 8], [10, 10], True, False),  # PHQ-9 down exactly 6
        ([14, 9], [10, 10], False, False),  # down 5: not reliable
        ([10, 10], [10, 6], True, False),  # GAD-7 down exactly 4
        ([8, 14], [6, 6], False, True),  # PHQ-9 up 6
        ([16, 8], [4, 8], False, True),  # one falls, the other rises reliably: not improvement
    ],
)
def test_reliable_change_thresholds(
    phq9: list[int], gad7: list[int], improved: bool, deteriorated: bool
) -> None:
    found = outcomes(results(phq9, gad7))
    assert (found.reliable_improvement, found.reliable_deterioration) == (improved, deteriorated)


def test_a_single_result_has_no_change_yet() -> None:
    found = outcomes(results([12], [9]))
    assert found.phq9.change is None
    assert not found.recovery
    assert found.caseness_now


def test_deterioration_against_baseline() -> None:
    assert is_deterioration("phq9", 5, 11)
    assert not is_deterioration("phq9", 5, 10)
    assert is_deterioration("gad7", 3, 7)
    assert not is_deterioration("gad7", None, 20)
