"""Outcomes by the NHS Talking Therapies definitions, on paired scores at named timepoints."""

from datetime import UTC, datetime, timedelta

import pytest

from bot.care.outcomes import (
    Result,
    all_paired_outcomes,
    caseness,
    is_deterioration,
    outcomes,
    paired_outcomes,
    paired_timepoints,
)

START = datetime(2026, 1, 5, tzinfo=UTC)


def at(week: int, phq9: int | None, gad7: int | None, timepoint: str) -> list[Result]:
    """The results of one timepoint (a measure given as None was not given)."""
    when = START + timedelta(weeks=week)
    made = [Result("phq9", timepoint, phq9, None, when)] if phq9 is not None else []
    return made + ([Result("gad7", timepoint, gad7, None, when)] if gad7 is not None else [])


def pair(before: tuple[int, int], after: tuple[int, int]) -> list[Result]:
    """Baseline and post-treatment (PHQ-9, GAD-7)."""
    return at(0, *before, "baseline") + at(8, *after, "post")


# ----- caseness ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("phq9", "gad7", "expected"),
    [
        (10, 0, True),  # PHQ-9 exactly 10
        (9, 0, False),  # PHQ-9 9
        (0, 8, True),  # GAD-7 exactly 8
        (0, 7, False),  # GAD-7 7
        (9, 7, False),  # both just below
    ],
)
def test_caseness_is_phq9_10_or_more_or_gad7_8_or_more(
    phq9: int, gad7: int, expected: bool
) -> None:
    assert caseness(phq9, gad7) is expected


# ----- recovery -----------------------------------------------------------------------------


def test_recovery_from_caseness_to_below_it_on_both_measures() -> None:
    found = paired_outcomes(pair((15, 12), (8, 5)))
    assert found is not None
    assert (found.baseline, found.later) == ("baseline", "post")
    assert (found.caseness_at_baseline, found.caseness_later) == (True, False)
    assert found.recovery is True
    assert found.reliable_improvement is True
    assert found.reliable_recovery is True
    assert (found.phq9.change, found.gad7.change) == (-7, -7)


def test_phq9_of_9_and_gad7_of_7_after_treatment_is_recovery_but_10_is_not() -> None:
    recovered = paired_outcomes(pair((12, 9), (9, 7)))
    still = paired_outcomes(pair((12, 9), (10, 7)))
    anxious = paired_outcomes(pair((12, 9), (9, 8)))  # GAD-7 exactly 8 is still caseness
    assert recovered is not None
    assert still is not None
    assert anxious is not None
    assert recovered.recovery is True
    assert still.recovery is False
    assert anxious.recovery is False


def test_recovery_without_reliable_improvement_is_not_reliable_recovery() -> None:
    found = paired_outcomes(pair((11, 5), (9, 5)))  # out of caseness, but a fall of only 2
    assert found is not None
    assert found.recovery is True
    assert found.reliable_improvement is False
    assert found.reliable_recovery is False


def test_recovery_does_not_apply_when_not_in_caseness_at_baseline() -> None:
    found = paired_outcomes(pair((9, 7), (2, 1)))
    assert found is not None
    assert found.caseness_at_baseline is False
    assert found.recovery is None
    assert found.reliable_recovery is None
    assert found.reliable_improvement is True  # reliable change still applies: PHQ-9 down 7


# ----- reliable change ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("before", "after", "improved", "deteriorated"),
    [
        ((14, 10), (8, 10), True, False),  # PHQ-9 down exactly 6
        ((14, 10), (9, 10), False, False),  # PHQ-9 down 5: within measurement error
        ((10, 10), (10, 6), True, False),  # GAD-7 down exactly 4
        ((10, 10), (10, 7), False, False),  # GAD-7 down 3
        ((8, 6), (14, 6), False, True),  # PHQ-9 up exactly 6
        ((8, 6), (13, 6), False, False),  # PHQ-9 up 5
        ((8, 6), (8, 10), False, True),  # GAD-7 up exactly 4
        ((8, 6), (8, 9), False, False),  # GAD-7 up 3
        ((16, 4), (8, 8), False, False),  # PHQ-9 better, GAD-7 worse: neither
        ((8, 12), (14, 6), False, False),  # PHQ-9 worse, GAD-7 better: neither
        ((16, 12), (8, 8), True, False),  # both better
        ((8, 4), (14, 8), False, True),  # both worse
        ((16, 4), (8, 7), True, False),  # PHQ-9 better, GAD-7 up 3 (not reliably): better
    ],
)
def test_reliable_change_on_at_least_one_measure_and_not_the_opposite_on_the_other(
    before: tuple[int, int], after: tuple[int, int], improved: bool, deteriorated: bool
) -> None:
    found = paired_outcomes(pair(before, after))
    assert found is not None
    assert (found.reliable_improvement, found.reliable_deterioration) == (improved, deteriorated)


def test_one_better_one_worse_is_neither_recovery_nor_reliable_recovery() -> None:
    found = paired_outcomes(pair((16, 4), (8, 8)))  # out of PHQ-9 caseness, into GAD-7 caseness
    assert found is not None
    assert found.recovery is False
    assert found.reliable_recovery is False


# ----- what can be paired -------------------------------------------------------------------


def test_a_measure_missing_at_either_timepoint_is_not_computable() -> None:
    assert paired_outcomes(at(0, 15, 12, "baseline") + at(8, 8, None, "post")) is None
    assert paired_outcomes(at(0, 15, None, "baseline") + at(8, 8, 5, "post")) is None
    assert paired_outcomes(at(0, 15, 12, "baseline")) is None
    assert paired_outcomes(at(8, 8, 5, "post")) is None


def test_timepoints_are_paired_by_name_not_by_order() -> None:
    results = (
        at(0, 16, 12, "baseline")
        + at(1, 20, None, "week1")  # a worse week in between changes nothing
        + at(8, 9, 7, "post")
        + at(20, 15, 11, "followup_3m")
        + at(40, 4, 3, "followup_6m")
    )
    assert paired_timepoints(results) == ["post", "followup_3m", "followup_6m"]
    found = all_paired_outcomes(results)
    assert list(found) == ["post", "followup_3m", "followup_6m"]
    assert found["post"].recovery is True
    assert found["followup_3m"].recovery is False  # back in caseness three months on
    assert found["followup_3m"].reliable_improvement is False
    assert found["followup_6m"].reliable_recovery is True
    post = paired_outcomes(results, "baseline", "post")
    assert post == found["post"]


def test_a_timepoint_given_twice_counts_its_latest_result() -> None:
    results = at(0, 15, 12, "baseline") + at(8, 14, 11, "post") + at(9, 8, 5, "post")
    found = paired_outcomes(results)
    assert found is not None
    assert (found.phq9.after, found.gad7.after) == (8, 5)


# ----- one measure at a time (progress chart, staff cards, digest) ----------------------------


def test_each_measure_against_its_baseline_and_the_latest_paired_outcome() -> None:
    results = at(0, 15, 12, "baseline") + at(1, 13, None, "week1") + at(8, 8, 5, "post")
    found = outcomes(results)
    assert (found.phq9.baseline, found.phq9.latest, found.phq9.change) == (15, 8, -7)
    assert found.phq9.reliable_improvement
    assert found.latest is not None
    assert found.latest.later == "post"
    assert not found.reliably_worse


def test_a_single_result_has_no_change_and_no_paired_outcome() -> None:
    found = outcomes(at(0, 12, 9, "baseline"))
    assert found.phq9.change is None
    assert found.latest is None
    assert not found.reliably_worse


def test_a_measure_reliably_worse_than_its_baseline_shows_before_any_pairing() -> None:
    found = outcomes(at(0, 5, 3, "baseline") + at(2, 11, None, "week2"))
    assert found.phq9.reliable_deterioration
    assert found.reliably_worse
    assert found.latest is None  # no GAD-7 at week 2: no NHS outcome there


def test_deterioration_against_baseline() -> None:
    assert is_deterioration("phq9", 5, 11)
    assert not is_deterioration("phq9", 5, 10)
    assert is_deterioration("gad7", 3, 7)
    assert not is_deterioration("gad7", None, 20)
