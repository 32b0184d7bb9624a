"""programme.yaml names flows (onboarding, modules, check-in): a wrong name is an error there."""

from pathlib import Path

from flows.library import load_programme

FLOW = """id: {id}
title: A flow
start: done
states:
  done:
    end: completed
"""


def test_unknown_flows_named_in_programme_file_are_reported_at_their_lines(tmp_path: Path) -> None:
    for flow_id in ("onboarding", "module_1", "checkin"):
        (tmp_path / f"{flow_id}.yaml").write_text(FLOW.format(id=flow_id), encoding="utf-8")
    (tmp_path / "programme.yaml").write_text(
        "default_language: en\n"
        "languages: [en]\n"
        "onboarding: onbording\n"
        "modules: [module_1, module_2]\n"
        "checkin: checkin\n",
        encoding="utf-8",
    )
    _, problems = load_programme([tmp_path])
    found = [(p.line, p.column, p.message) for p in problems if p.severity == "error"]
    assert found == [
        (3, 13, "there is no flow with id `onbording` (did you mean `onboarding`?)"),
        (4, 21, "there is no flow with id `module_2` (did you mean `module_1`?)"),
    ]
