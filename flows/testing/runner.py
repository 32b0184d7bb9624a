"""Finding conversation tests, loading the programme they test, running them, reporting."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

from flows.diagnostics import Diagnostic
from flows.library import PROGRAMME_FILE, TEST_SUFFIX, FlowLibrary, load_programme
from flows.testing.conversation import Conversation
from flows.testing.pathway import Pathway, load_pathway
from flows.testing.reading import load_tests
from flows.testing.spec import LoadedTests
from flows.testing.steps import HANDLERS


@dataclass(frozen=True)
class TestFailure:
    """One failed test: where the failing step is, and what was expected versus what happened."""

    __test__: ClassVar[bool] = False

    path: str
    line: int
    column: int
    test: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}: test {self.test!r}: {self.message}"


@dataclass
class TestReport:
    """What a test run found: passes, failures, and files that could not be run."""

    __test__: ClassVar[bool] = False

    passed: int = 0
    failures: list[TestFailure] = field(default_factory=list)
    errors: list[Diagnostic] = field(default_factory=list)  # broken test files or programmes
    not_run: list[str] = field(default_factory=list)  # test files skipped because of errors
    files: int = 0

    @property
    def failed(self) -> int:
        """How many tests failed."""
        return len(self.failures)

    @property
    def ok(self) -> bool:
        """True when every test ran and passed."""
        return not self.failures and not self.errors and not self.not_run

    def summary(self) -> str:
        """One line such as `12 passed, 1 failed`."""
        line = f"{self.passed} passed, {self.failed} failed"
        if self.not_run:
            noun = "file" if len(self.not_run) == 1 else "files"
            line += f"; {len(self.not_run)} test {noun} not run because of errors"
        return line

    def lines(self) -> list[str]:
        """Every problem and failure, then the summary."""
        return [str(d) for d in self.errors] + [str(f) for f in self.failures] + [self.summary()]


def discover(paths: Sequence[Path]) -> tuple[list[Path], list[Diagnostic]]:
    """Every `*.test.yaml` under the given files and folders, and paths that are not tests."""
    found: list[Path] = []
    problems: list[Diagnostic] = []
    for path in paths:
        if path.is_dir():
            found += sorted(path.rglob(f"*{TEST_SUFFIX}"))
        elif path.is_file() and path.name.endswith(TEST_SUFFIX):
            found.append(path)
        else:
            what = "does not exist" if not path.exists() else f"is not a *{TEST_SUFFIX} file"
            problems.append(Diagnostic(str(path), 1, 1, "error", f"{path} {what}"))
    return list(dict.fromkeys(found)), problems


def programme_root(test_file: Path) -> Path:
    """The programme a test belongs to: the nearest folder up with programme.yaml, else its own."""
    for folder in test_file.resolve().parents:
        if (folder / PROGRAMME_FILE).is_file():
            return folder
    return test_file.resolve().parent


def run_tests(paths: Sequence[Path]) -> TestReport:
    """Run every conversation test under `paths` and report passes and failures."""
    files, problems = discover(paths)
    report = TestReport(errors=problems, files=len(files))
    programmes: dict[Path, tuple[FlowLibrary, Pathway | None] | None] = {}
    for path in files:
        root = programme_root(path)
        if root not in programmes:
            library = _load(root, report)
            programmes[root] = None if library is None else (library, load_pathway(root, library))
        loaded = programmes[root]
        if loaded is None:
            report.not_run.append(str(path))
            continue
        _run_file(path, *loaded, report)
    return report


def _load(root: Path, report: TestReport) -> FlowLibrary | None:
    """The programme's flows; None (with its errors reported) when it does not check cleanly."""
    library, diagnostics = load_programme([root])
    errors = [d for d in diagnostics if d.severity == "error"]
    report.errors += errors
    return None if errors else library


def _run_file(
    path: Path, library: FlowLibrary, pathway: Pathway | None, report: TestReport
) -> None:
    loaded, problems = load_tests(path, known_flows=library.flows)
    if loaded is None:
        report.errors += problems
        report.not_run.append(str(path))
        return
    for index in range(len(loaded.spec.tests)):
        failure = run_case(loaded, index, library, pathway)
        if failure is None:
            report.passed += 1
        else:
            report.failures.append(failure)


def run_case(
    loaded: LoadedTests, index: int, library: FlowLibrary, pathway: Pathway | None = None
) -> TestFailure | None:
    """Run one test; the first failing step stops it and is returned."""
    spec = loaded.spec
    case = spec.tests[index]
    conv = Conversation(library, {**spec.context, **case.context}, spec.at, pathway)
    trouble = conv.start(case.flow or spec.flow, {**spec.vars, **case.vars})
    if trouble is not None:
        line, column = loaded.test_position(index)
        message = f"expected the flow to start — {trouble}"
        return TestFailure(loaded.path, line, column, case.name, message)
    for number, step in enumerate(case.steps):
        trouble = HANDLERS[step.key](conv, step.value)
        if trouble is not None:
            line, column = loaded.step_position(index, number)
            return TestFailure(loaded.path, line, column, case.name, trouble)
    return None
