"""Crisis language in free text, in two tiers: explicit (start the pathway) and possible (ask).

The matching is pure and lives in `flows.crisis`, so `daybreak flows check` can try the
programme's lists the way the app uses them; the care layer imports it from here.
"""

from __future__ import annotations

from flows.crisis import CrisisTerms, CrisisTermsError, Risk, load_terms

__all__ = ["CrisisTerms", "CrisisTermsError", "Risk", "load_terms"]
