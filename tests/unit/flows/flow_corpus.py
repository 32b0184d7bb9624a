"""Reading the expected diagnostics that the broken flows declare in their own comments.

Convention: a comment `# expect@COL: SEVERITY: FRAGMENT` on a line says that exactly one
diagnostic is expected on that line, at column COL, with that severity, and with FRAGMENT in
its message. `# expect+N@COL: ...` expects it N lines further down (for lines that cannot hold a
comment, such as the inside of a `|` text). A line may hold several expectations one after the
other. `{dir}` in a fragment stands for the folder of the case.

A case is a `.yaml` file in `broken/` (checked with `broken/programme.yaml`: languages en, zh)
or a folder in `broken/` (a small programme of its own: several flows, media files).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from flows.diagnostics import Diagnostic

BROKEN = Path(__file__).parent / "broken"
_EXPECT = re.compile(r"#\s*expect(?:\+(\d+))?@(\d+):\s*(error|warning):\s*(.+?)\s*(?=#\s*expect|$)")


@dataclass(frozen=True)
class Expected:
    """One diagnostic a case expects."""

    path: str
    line: int
    column: int
    severity: str
    fragment: str

    def matches(self, found: Diagnostic) -> bool:
        """Same place and severity, and the message contains the fragment."""
        return (found.path, found.line, found.column, found.severity) == (
            self.path,
            self.line,
            self.column,
            self.severity,
        ) and self.fragment in found.message


def cases() -> list[Path]:
    """Every case: flow files and programme folders in `broken/`."""
    entries = [p for p in sorted(BROKEN.iterdir()) if p.name != "programme.yaml"]
    return [p for p in entries if p.suffix == ".yaml" or p.is_dir()]


def files_of(case: Path) -> list[Path]:
    """The YAML files of a case."""
    return sorted(case.rglob("*.yaml")) if case.is_dir() else [case]


def expected(case: Path) -> list[Expected]:
    """Every expectation declared in a case's files."""
    folder = str(case if case.is_dir() else case.parent)
    found = []
    for path in files_of(case):
        lines = path.read_text(encoding="utf-8").splitlines()
        for number, text in enumerate(lines, start=1):
            for match in _EXPECT.finditer(text):
                below, column, severity, fragment = match.groups()
                line = number + int(below or 0)
                fragment = fragment.replace("{dir}", folder)
                found.append(Expected(str(path), line, int(column), severity, fragment))
    return found


def unmatched(
    wanted: list[Expected], found: list[Diagnostic]
) -> tuple[list[Expected], list[Diagnostic]]:
    """Expectations with no diagnostic, and diagnostics nobody expected (one-to-one)."""
    left = list(found)
    missing = []
    for expectation in wanted:
        match = next((d for d in left if expectation.matches(d)), None)
        if match is None:
            missing.append(expectation)
        else:
            left.remove(match)
    return missing, left
