"""Helpers shared by the researcher-tool tests (a unique module name: tests have no packages)."""

from __future__ import annotations

from pathlib import Path

FIXTURE_PROGRAMME = Path(__file__).parent / "fixtures" / "programme"


def conversation_test(steps: list[str], *, flow: str = "greet", name: str = "broken") -> str:
    """A one-test file whose steps start on line 5, column 9."""
    lines = [f"flow: {flow}", "tests:", f"  - name: {name}", "    steps:"]
    return "\n".join(lines + [f"      - {step}" for step in steps]) + "\n"
