"""The broken-flow corpus: every case reports exactly the diagnostics its comments expect."""

from __future__ import annotations

from pathlib import Path

import pytest
from flow_corpus import BROKEN, cases, expected, unmatched

from flows.library import load_programme


def _ids(case: Path) -> str:
    return case.name


@pytest.mark.parametrize("case", cases(), ids=_ids)
def test_case_reports_exactly_what_it_expects(case: Path) -> None:
    _, found = load_programme([case])
    missing, extra = unmatched(expected(case), found)
    report = [f"missing: {m}" for m in missing] + [f"unexpected: {d}" for d in extra]
    assert not report, "\n".join(report)


def test_corpus_is_large_and_every_case_expects_something() -> None:
    assert len(cases()) >= 30
    assert all(expected(case) for case in cases())


def test_all_problems_of_one_file_come_out_in_one_run() -> None:
    case = BROKEN / "many_problems.yaml"
    _, found = load_programme([case])
    kinds = {d.severity for d in found}
    assert kinds == {"error", "warning"}
    assert len(found) == len(expected(case)) >= 7


def test_duplicate_flow_id_names_the_first_file() -> None:
    case = BROKEN / "duplicate_flow_id"
    _, found = load_programme([case])
    (problem,) = found
    assert problem.path.endswith("second.yaml")
    assert f"{case}/first.yaml:1:5" in problem.message
