"""Clinical outcomes as NHS Talking Therapies defines them, on paired PHQ-9 and GAD-7 scores.

Pure functions over a patient's results; no I/O. Definitions from the NHS Talking Therapies for
anxiety and depression Manual (NHS England, 2024, v7) and the NHS Talking Therapies data handbook:

- caseness: PHQ-9 >= 10 or GAD-7 >= 8 (the GAD-7 stands as the anxiety measure here; the
  service uses a disorder-specific measure where there is one);
- recovery: in caseness at the first point and not in caseness at the later one; both measures
  are needed at both points, and someone not in caseness at the first point cannot recover (the
  outcome does not apply: None);
- reliable improvement: a fall of at least 6 on the PHQ-9 or at least 4 on the GAD-7 (the
  measures' reliable change indices) on at least one measure, and no reliable deterioration on
  the other;
- reliable deterioration: a rise of at least 6 (PHQ-9) or 4 (GAD-7) on at least one measure, and
  no reliable improvement on the other; so one measure better and one worse is neither;
- reliable recovery: recovery and reliable improvement both.

Outcomes compare named timepoints (`baseline` against `post`, or against each follow-up such as
`followup_3m`), never simply the first and the latest result. The per-measure view below
(`measure`, `outcomes`) is what the progress chart and the staff cards show: one instrument's
latest score against its baseline, which is not itself an NHS outcome.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

CASENESS = {"phq9": 10, "gad7": 8}
RELIABLE_CHANGE = {"phq9": 6, "gad7": 4}
BASELINE = "baseline"
POST = "post"


@dataclass(frozen=True)
class Result:
    """One scored questionnaire."""

    instrument: str
    timepoint: str
    total: int
    band: str | None
    at: datetime


@dataclass(frozen=True)
class Pair:
    """One measure at two timepoints."""

    instrument: str
    before: int
    after: int

    @property
    def change(self) -> int:
        """The later score minus the earlier one (negative is better)."""
        return self.after - self.before

    @property
    def improved(self) -> bool:
        """A fall of at least the measure's reliable change."""
        return self.change <= -RELIABLE_CHANGE[self.instrument]

    @property
    def deteriorated(self) -> bool:
        """A rise of at least the measure's reliable change."""
        return self.change >= RELIABLE_CHANGE[self.instrument]


@dataclass(frozen=True)
class PairedOutcome:
    """The NHS Talking Therapies outcomes between two timepoints."""

    baseline: str
    later: str
    phq9: Pair
    gad7: Pair
    caseness_at_baseline: bool
    caseness_later: bool
    recovery: bool | None  # None: not in caseness at baseline, so recovery does not apply
    reliable_improvement: bool
    reliable_deterioration: bool
    reliable_recovery: bool | None


def caseness(phq9: int, gad7: int) -> bool:
    """In caseness: PHQ-9 10 or more, or GAD-7 8 or more."""
    return phq9 >= CASENESS["phq9"] or gad7 >= CASENESS["gad7"]


def at_timepoint(results: Sequence[Result], instrument: str, timepoint: str) -> Result | None:
    """The instrument's result at a timepoint (the latest, if it was given twice)."""
    found = [r for r in results if r.instrument == instrument and r.timepoint == timepoint]
    return max(found, key=lambda r: r.at) if found else None


def paired_outcomes(
    results: Sequence[Result], baseline: str = BASELINE, later: str = POST
) -> PairedOutcome | None:
    """The outcomes from `baseline` to `later`; None unless both measures exist at both."""
    pairs = [_pair(results, name, baseline, later) for name in ("phq9", "gad7")]
    phq9, gad7 = pairs
    if phq9 is None or gad7 is None:
        return None
    improved = phq9.improved or gad7.improved
    deteriorated = phq9.deteriorated or gad7.deteriorated
    before = caseness(phq9.before, gad7.before)
    after = caseness(phq9.after, gad7.after)
    recovery = (not after) if before else None
    reliable_improvement = improved and not deteriorated
    return PairedOutcome(
        baseline=baseline,
        later=later,
        phq9=phq9,
        gad7=gad7,
        caseness_at_baseline=before,
        caseness_later=after,
        recovery=recovery,
        reliable_improvement=reliable_improvement,
        reliable_deterioration=deteriorated and not improved,
        reliable_recovery=None if recovery is None else recovery and reliable_improvement,
    )


def paired_timepoints(results: Sequence[Result], baseline: str = BASELINE) -> list[str]:
    """The later timepoints where both measures were given, in the order they were reached."""
    ordered = sorted(results, key=lambda r: r.at)
    seen: list[str] = []
    for result in ordered:
        if result.timepoint != baseline and result.timepoint not in seen:
            seen.append(result.timepoint)
    both = {r.timepoint for r in results if r.instrument == "phq9"}
    both &= {r.timepoint for r in results if r.instrument == "gad7"}
    return [timepoint for timepoint in seen if timepoint in both]


def all_paired_outcomes(
    results: Sequence[Result], baseline: str = BASELINE
) -> dict[str, PairedOutcome]:
    """The outcomes at every later timepoint that can be paired with the baseline."""
    found = {
        later: paired_outcomes(results, baseline, later)
        for later in paired_timepoints(results, baseline)
    }
    return {later: outcome for later, outcome in found.items() if outcome is not None}


def _pair(results: Sequence[Result], instrument: str, baseline: str, later: str) -> Pair | None:
    before = at_timepoint(results, instrument, baseline)
    after = at_timepoint(results, instrument, later)
    if before is None or after is None:
        return None
    return Pair(instrument, before.total, after.total)


# ----- one measure at a time: the progress chart and the staff cards ---------------------------


@dataclass(frozen=True)
class Measure:
    """One instrument: its baseline, its latest score, and that change against the RCI."""

    instrument: str
    baseline: int | None
    latest: int | None
    band: str | None
    change: int | None
    reliable_improvement: bool
    reliable_deterioration: bool


@dataclass(frozen=True)
class Outcomes:
    """Where a patient stands: each measure against its baseline, and the latest paired outcome."""

    phq9: Measure
    gad7: Measure
    latest: PairedOutcome | None  # baseline against the latest timepoint with both measures

    @property
    def reliably_worse(self) -> bool:
        """True when either measure's latest score is reliably worse than its baseline."""
        return self.phq9.reliable_deterioration or self.gad7.reliable_deterioration


def measure(instrument: str, results: Sequence[Result]) -> Measure:
    """An instrument's baseline result (else its first), its latest, and the change between."""
    own = sorted((r for r in results if r.instrument == instrument), key=lambda r: r.at)
    if not own:
        return Measure(instrument, None, None, None, None, False, False)
    first = at_timepoint(own, instrument, BASELINE) or own[0]
    last = own[-1]
    change = last.total - first.total if last is not first else None
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
    """Each measure against its baseline, and the paired outcome at the latest paired timepoint."""
    later = paired_timepoints(results)
    latest = paired_outcomes(results, BASELINE, later[-1]) if later else None
    return Outcomes(measure("phq9", results), measure("gad7", results), latest)


def is_deterioration(instrument: str, baseline: int | None, total: int) -> bool:
    """True when a new total is a reliable deterioration from the baseline."""
    threshold = RELIABLE_CHANGE.get(instrument)
    return threshold is not None and baseline is not None and total - baseline >= threshold
