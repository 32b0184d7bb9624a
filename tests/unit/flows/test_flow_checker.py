"""The checker on small programmes written in the test: what it accepts as well as rejects."""

from __future__ import annotations

from pathlib import Path

from flows.diagnostics import Diagnostic
from flows.library import load_programme


def _check(tmp_path: Path, **files: str) -> list[Diagnostic]:
    for name, text in files.items():
        (tmp_path / f"{name}.yaml").write_text(text, encoding="utf-8")
    _, problems = load_programme([tmp_path])
    return problems


MAIN = """\
id: main
title: Main
start: a
states:
  a:
    call: {flow: helper, with: {topic: sleep}}
    next: b
  b:
    say: "Back from {{ topic }}: {{ last_outcome }}, {{ alias }} ({{ result.total }})"
    next: c
  c:
    branch:
      - if: max(result.total, 0) >= 1
        next: d
      - else: d
  d:
    end: completed
"""

HELPER = """\
id: helper
title: Helper
start: q
states:
  q:
    questionnaire:
      id: result
      options: [{label: Wrong, score: 0}, {label: Right, score: 1}, {label: Also wrong, score: 0}]
      items: [{id: one, text: "About {{ topic }}"}]
      bands: [{min: 0, max: 0, label: review}, {min: 1, max: 1, label: got_it}]
      rules: [{if: one == 0 and total < 1, alert: {reason: quiz, level: info}}]
    next: wait
  wait:
    wait: 1d
    next: done
  done:
    end: completed
"""


def test_a_sound_programme_has_no_problems(tmp_path: Path) -> None:
    assert _check(tmp_path, main=MAIN, helper=HELPER) == []


def test_variables_set_in_another_flow_count_as_set(tmp_path: Path) -> None:
    problems = _check(tmp_path, main=MAIN)
    assert [p.message for p in problems if p.severity == "warning"] == [
        "`result` is used here but never set: save it first with `save_as`, `set` or "
        "`compute`, or declare it under `inputs:`"
    ] * 2


def test_a_loop_through_a_question_is_fine(tmp_path: Path) -> None:
    flow = """\
id: loop
title: Loop
start: a
states:
  a:
    ask: Again?
    input: yes_no
    yes: a
    no: b
  b:
    end: completed
"""
    assert _check(tmp_path, loop=flow) == []


def test_a_branch_may_fall_back_to_next(tmp_path: Path) -> None:
    flow = """\
id: fallback
title: Fallback
start: a
inputs: [mood]
states:
  a:
    branch:
      - if: mood < 3
        next: b
    next: b
  b:
    end: completed
"""
    assert _check(tmp_path, fallback=flow) == []


def test_migrate_keys_may_name_states_that_are_gone(tmp_path: Path) -> None:
    flow = """\
id: moved
title: Moved
start: a
migrate: {old_a: a, old_b: b}
states:
  a:
    say: Hi
    next: b
  b:
    end: completed
"""
    assert _check(tmp_path, moved=flow) == []
