"""Per-patient clinical outcomes from PHQ-9 and GAD-7 results (pure functions, no I/O).

Thresholds are those of NHS Talking Therapies (formerly IAPT), "Manual" v7 (2024) and the IAPT
data handbook: caseness is PHQ-9 >= 10 or GAD-7 >= 8; reliable change is a change of at least
6 points on the PHQ-9 or 4 on the GAD-7; reliable improvement needs a reliable fall on either
measure and no reliable rise on the other; recovery is moving from caseness at baseline to
below caseness on both measures.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

CASENESS = {"phq9": 10, "gad7": 8}
RELIABLE_CHANGE = {"phq9": 6, "gad7": 4}


@dataclass(frozen=True)
class Result:
    """One scored questionnaire."""

    instrument: str
    timepoint: str
    total: int
    band: str | None
    at: datetime


@dataclass(frozen=True)
class Measure:
    """One instrument: where it started, where it is, and what that change means."""

    instrument: str
    baseline: int | None
    latest: int | None
    band: str | None
    change: int | None
    reliable_improvement: bool
    reliable_deterioration: bool


@dataclass(frozen=True)
class Outcomes:
    """The patient's outcomes across both measures."""

    phq9: Measure
    gad7: Measure
    caseness_at_baseline: bool | None
    caseness_now: bool | None
    reliable_improvement: bool
    reliable_deterioration: bool
    recovery: bool


def measure(instrument: str, results: Sequence[Result]) -> Measure:
    """Baseline (the first result), latest, and the reliable-change flags for one instrument."""
    own = sorted((r for r in results if r.instrument == instrument), key=lambda r: r.at)
    if not own:
        return Measure(instrument, None, None, None, None, False, False)
    first, last = own[0], own[-1]
    change = last.total - first.total if len(own) > 1 else None
    threshold = RELIABLE_CHANGE[instrument]
    return Measure(
        instrument,
        first.total,
        last.total,
        last.band,
        change,
        reliable_improvement=change is not None and change <= -threshold,
        reliable_deterioration=change is not None and change >= threshold,
    )


def outcomes(results: Sequence[Result]) -> Outcomes:
    """Every outcome the trial reports, from all of a patient's results."""
    phq9, gad7 = measure("phq9", results), measure("gad7", results)
    baseline = _caseness(phq9.baseline, gad7.baseline)
    now = _caseness(phq9.latest, gad7.latest)
    deterioration = phq9.reliable_deterioration or gad7.reliable_deterioration
    improvement = (phq9.reliable_improvement or gad7.reliable_improvement) and not deterioration
    changed = phq9.change is not None or gad7.change is not None
    return Outcomes(
        phq9=phq9,
        gad7=gad7,
        caseness_at_baseline=baseline,
        caseness_now=now,
        reliable_improvement=improvement,
        reliable_deterioration=deterioration,
        recovery=bool(baseline) and now is False and changed,
    )


def _caseness(phq9: int | None, gad7: int | None) -> bool | None:
    if phq9 is None and gad7 is None:
        return None
    return (phq9 or 0) >= CASENESS["phq9"] or (gad7 or 0) >= CASENESS["gad7"]


def is_deterioration(instrument: str, baseline: int | None, total: int) -> bool:
    """True when a new total is a reliable deterioration from the baseline."""
    threshold = RELIABLE_CHANGE.get(instrument)
    return threshold is not None and baseline is not None and total - baseline >= threshold
