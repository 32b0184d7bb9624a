"""The crisis-language corpus (tests/unit/care/crisis_corpus/) and how the terms score on it."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ruamel.yaml import YAML

from flows.crisis import CrisisTerms

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "tests" / "unit" / "care" / "crisis_corpus"
TERMS = ROOT / "flows" / "programme" / "safety" / "crisis_terms.yml"
LANGUAGES = ("en", "zh")
LABELS = ("explicit", "possible", "not_crisis")
OUTCOMES = ("explicit", "possible", "none")


def load_corpus(language: str) -> dict[str, list[str]]:
    """The phrases of one language, by label."""
    data = YAML(typ="safe").load((CORPUS / f"{language}.yaml").read_text(encoding="utf-8"))
    return {label: [str(text) for text in data.get(label) or []] for label in LABELS}


@dataclass
class Score:
    """How the terms assessed one language's corpus: label → outcome → phrases."""

    cells: dict[str, dict[str, list[str]]] = field(
        default_factory=lambda: {label: {outcome: [] for outcome in OUTCOMES} for label in LABELS}
    )

    def count(self, label: str, outcome: str) -> int:
        """How many phrases with `label` were assessed as `outcome`."""
        return len(self.cells[label][outcome])

    def total(self, label: str) -> int:
        """How many phrases carry `label`."""
        return sum(self.count(label, outcome) for outcome in OUTCOMES)

    @property
    def crisis(self) -> int:
        """Crisis phrases of either tier."""
        return self.total("explicit") + self.total("possible")

    @property
    def recall(self) -> float:
        """The share of crisis phrases (either tier) found at all."""
        missed = self.count("explicit", "none") + self.count("possible", "none")
        return 1 - missed / self.crisis

    @property
    def explicit_right(self) -> float:
        """The share of explicit phrases assessed explicit."""
        return self.count("explicit", "explicit") / self.total("explicit")

    @property
    def false_positives(self) -> list[str]:
        """Look-alikes that were taken for crisis language."""
        cells = self.cells["not_crisis"]
        return cells["explicit"] + cells["possible"]

    @property
    def missed(self) -> list[str]:
        """Crisis phrases that were not found."""
        return self.cells["explicit"]["none"] + self.cells["possible"]["none"]


def score(terms: CrisisTerms, corpus: dict[str, list[str]]) -> Score:
    """Assess every phrase of the corpus."""
    result = Score()
    for label, phrases in corpus.items():
        for text in phrases:
            result.cells[label][terms.assess(text) or "none"].append(text)
    return result
