"""The app's safety pathway as conversation tests see it: the same flows and rules, no database.

So a test of a lesson can show what a patient lives through when they disclose risk mid-lesson:
crisis words start the safety flow (or, for possible risk, its check question) on top of the
lesson; a questionnaire alert the programme lists as a trigger ends the lesson's turn; when the
safety conversation ends the lesson is asked again, or waits after "I'm not safe".
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flows.crisis import CRISIS_TERMS_FILE, CrisisTerms, Risk, load_terms
from flows.library import FlowLibrary
from flows.model import CHECK_FLOW, PATHWAY_FLOWS, SAFETY_FLOW, SafetyRules
from flows.runtime import Alert, Effect, RunState

# Where the programme keeps its crisis terms, under its folder.
TERMS_PATH = Path("safety") / CRISIS_TERMS_FILE


@dataclass(frozen=True)
class Pathway:
    """What starts the safety flow, and what happens to the interrupted run when it ends."""

    terms: CrisisTerms
    rules: SafetyRules

    def opening(self, text: str) -> tuple[str, str] | None:
        """The flow and trigger the patient's words start, or None when they show no risk."""
        risk: Risk | None = self.terms.assess(text)
        if risk is None:
            return None
        return (SAFETY_FLOW, "crisis_language") if risk == "explicit" else (CHECK_FLOW, "")

    def trigger(self, effect: Effect) -> str | None:
        """The trigger a questionnaire alert is, per the programme's `safety.triggers`."""
        if isinstance(effect, Alert):
            return self.rules.triggers.get(effect.reason)
        return None

    def after_check(self, outcome: str | None) -> bool:
        """True when the check question's outcome starts the safety flow."""
        return outcome not in self.rules.check_clear

    def keeps_quiet(self, outcome: str | None) -> bool:
        """True when, after this outcome, the interrupted run waits for the patient's words."""
        return outcome in self.rules.unsafe_outcomes


def in_pathway(state: RunState) -> bool:
    """True when the run is one of the pathway's own flows (which it never interrupts)."""
    root = (*state.stack, state.current)[0]
    return root.flow in PATHWAY_FLOWS


def safety_variables(trigger: str) -> dict[str, Any]:
    """What the app tells the pathway's flows; contacts fall back to each flow's defaults."""
    return {"trigger": trigger, "crisis_contacts": "", "has_safety_plan": False}


def load_pathway(root: Path, library: FlowLibrary) -> Pathway | None:
    """The programme's pathway, when it has a safety flow and crisis terms; else None."""
    path = root / TERMS_PATH
    if SAFETY_FLOW not in library.flows or not path.is_file():
        return None
    return Pathway(load_terms(path), library.settings.safety)
