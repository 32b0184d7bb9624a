"""A programme's flows, every revision the engine may still need, and loading them from folders."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from flows.checker import check_flows
from flows.checks.crisis_terms import check_crisis_terms
from flows.contacts import check_programme_contacts
from flows.diagnostics import Diagnostic
from flows.errors import suggest
from flows.loader import (
    NodePath,
    ParsedFlow,
    Positions,
    YamlSyntaxError,
    load_flow_file,
    load_flow_text,
    parse_yaml,
    validate,
)
from flows.model import Flow, ProgrammeSettings

PROGRAMME_FILE = "programme.yaml"
TEST_SUFFIX = ".test.yaml"


class FlowLibrary:
    """The current flows by id, plus older revisions by (id, revision): a FlowSource."""

    def __init__(self, settings: ProgrammeSettings, flows: Iterable[Flow] = ()) -> None:
        self.settings = settings
        self.default_language = settings.default_language
        self._latest: dict[str, Flow] = {}
        self._revisions: dict[tuple[str, str], Flow] = {}
        for flow in flows:
            self.add(flow)

    def add(self, flow: Flow, *, latest: bool = True) -> None:
        """Add a flow revision; `latest=False` keeps an old revision only for pinned runs."""
        self._revisions[(flow.id, flow.revision)] = flow
        if latest:
            self._latest[flow.id] = flow

    def add_revision_text(self, text: str, path: str) -> Flow:
        """Load an older revision from its stored YAML text (so pinned runs can finish on it)."""
        parsed, problems = load_flow_text(text, path)
        if parsed is None:
            raise ValueError(f"stored revision no longer loads: {problems[0]}")
        self.add(parsed.flow, latest=False)
        return parsed.flow

    def get(self, flow_id: str, revision: str | None = None) -> Flow:
        """The latest revision, or the given one; KeyError when unknown."""
        if revision is None:
            return self._latest[flow_id]
        return self._revisions[(flow_id, revision)]

    def has_revision(self, flow_id: str, revision: str) -> bool:
        """True when that revision is loaded."""
        return (flow_id, revision) in self._revisions

    @property
    def flows(self) -> dict[str, Flow]:
        """The latest revision of every flow, by id."""
        return dict(self._latest)


def flow_files(paths: Sequence[Path]) -> list[Path]:
    """Every flow file under the given files and folders (not programme.yaml, not tests)."""
    found: list[Path] = []
    for path in paths:
        candidates = sorted(path.rglob("*.yaml")) if path.is_dir() else [path]
        found += [p for p in candidates if _is_flow_file(p)]
    return found


def _is_flow_file(path: Path) -> bool:
    # `.yml` files are data (e.g. safety/crisis_terms.yml), even when named on the command line
    return path.name != PROGRAMME_FILE and not path.name.endswith((TEST_SUFFIX, ".yml"))


def load_settings(paths: Sequence[Path]) -> tuple[ProgrammeSettings, list[Diagnostic]]:
    """Read programme.yaml from the first folder that has one (defaults if none)."""
    settings, _, problems = _settings_file(paths)
    return settings, problems


def _settings_file(
    paths: Sequence[Path],
) -> tuple[ProgrammeSettings, tuple[str, Positions] | None, list[Diagnostic]]:
    for folder in paths:
        candidate = folder / PROGRAMME_FILE if folder.is_dir() else folder.parent / PROGRAMME_FILE
        if candidate.is_file():
            return _read_settings(candidate)
    return ProgrammeSettings(), None, []


def _read_settings(
    path: Path,
) -> tuple[ProgrammeSettings, tuple[str, Positions] | None, list[Diagnostic]]:
    try:
        data, positions = parse_yaml(path.read_text(encoding="utf-8"), str(path))
    except YamlSyntaxError as error:
        return ProgrammeSettings(), None, [error.diagnostic]
    settings, problems = validate(ProgrammeSettings, data or {}, positions, str(path))
    return settings or ProgrammeSettings(), (str(path), positions), problems


def _named_flows(
    settings: ProgrammeSettings, where: tuple[str, Positions] | None, ids: set[str]
) -> list[Diagnostic]:
    """programme.yaml names flows (onboarding, modules, check-in): each must exist."""
    if where is None:
        return []
    path, positions = where
    named: list[tuple[NodePath, str]] = [(("onboarding",), settings.onboarding)]
    named += [(("modules", index), flow) for index, flow in enumerate(settings.modules)]
    if settings.checkin is not None:
        named.append((("checkin",), settings.checkin))
    problems = []
    for node, flow in named:
        if node not in positions.values:
            continue  # a default (not written in the file) is not the researcher's mistake
        if flow not in ids:
            line, column = positions.value(node)
            message = f"there is no flow with id `{flow}`{suggest(flow, sorted(ids))}"
            problems.append(Diagnostic(path, line, column, "error", message))
    return problems


def load_programme(paths: Sequence[Path]) -> tuple[FlowLibrary, list[Diagnostic]]:
    """Load and check every flow under `paths`; the library holds the flows that loaded."""
    settings, where, problems = _settings_file(paths)
    parsed: list[ParsedFlow] = []
    for path in flow_files(paths):
        flow, file_problems = load_flow_file(path)
        problems += file_problems
        if flow is not None:
            parsed.append(flow)
    problems += check_flows(parsed, settings)
    problems += _named_flows(settings, where, {p.flow.id for p in parsed})
    if where is not None:  # the safety data files live next to programme.yaml
        problems += check_programme_contacts(settings, *where)
    problems += check_crisis_terms(paths)
    library = FlowLibrary(settings, (p.flow for p in parsed))
    return library, sorted(problems)


__all__ = ["FlowLibrary", "Positions", "flow_files", "load_programme", "load_settings"]
