"""Crisis language in patients' messages: the two-tier term lists and how they are matched."""

from flows.crisis.data import CRISIS_TERMS_FILE, CrisisTermsError, load_terms
from flows.crisis.terms import CrisisTerms, Entry, Hit, Risk

__all__ = [
    "CRISIS_TERMS_FILE",
    "CrisisTerms",
    "CrisisTermsError",
    "Entry",
    "Hit",
    "Risk",
    "load_terms",
]
