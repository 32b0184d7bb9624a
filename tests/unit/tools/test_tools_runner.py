"""The conversation test runner: passing tests pass, wrong ones fail at their line, clearly."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from tools_support import FIXTURE_PROGRAMME, conversation_test

from flows.library import FlowLibrary
from flows.model import Flow, ProgrammeSettings
from flows.testing import Conversation, TestReport, load_tests, run_case, run_tests


def run_one(programme: Path, steps: list[str]) -> TestReport:
    path = programme / "broken.test.yaml"
    path.write_text(conversation_test(steps), encoding="utf-8")
    return run_tests([path])


def test_the_fixture_tests_pass() -> None:
    report = run_tests([FIXTURE_PROGRAMME])
    assert report.lines() == ["5 passed, 0 failed"]
    assert report.ok


TO_THE_SCREEN = ["tap: I agree", "send: Sam", "send: 1", "tap: Most days", "tap: Not at all"]

# Each case: steps (the last one fails), then fragments the failure message must contain.
BROKEN = {
    "bot text": (
        ["bot: Goodbye"],
        [
            'expected a message containing "Goodbye"',
            '1. "Welcome to Daybreak!"',
            "[I agree | Not now]",
        ],
    ),
    "bot pattern": (
        ["tap: I agree", "bot: {pattern: '^bye'}"],
        ["a message matching /^bye/", '1. "What should I call you?"'],
    ),
    "no_bot text": (
        ["no_bot: daybreak"],
        ['expected no message containing "daybreak"', 'the bot sent "Welcome to Daybreak!"'],
    ),
    "no_bot pattern": (
        ["no_bot: {pattern: 'not an? emergency'}"],
        ["no message matching /not an? emergency/", '"This is not an emergency service."'],
    ),
    "buttons": (
        ["buttons: [Yes, No]"],
        ['expected buttons ["Yes", "No"]', 'offers ["I agree", "Not now"]'],
    ),
    "tap": (["tap: Maybe"], ['expected a button "Maybe"', 'offers ["I agree", "Not now"]']),
    "tap on no question": (
        ["tap: Not now", "tap: I agree"],
        ['expected to tap "I agree"', "there is no open question", "ended with 'abandoned'"],
    ),
    "vars": (
        ["tap: I agree", "send: Sam", "vars: {alias: Samuel, consented: 1, mood: 3}"],
        ["alias is 'Sam'", "consented is True", "mood is not set", "variables set: alias"],
    ),
    "end": (
        ["end: completed"],
        ["end with 'completed'", "waits at state 'consent'", 'asking "Do you agree'],
    ),
    "timeout": (["tap: I agree", "timeout: true"], ["none is scheduled", "state 'name'"]),
    "effect": (
        [*TO_THE_SCREEN, "effect: {kind: alert}"],
        ["expected an effect {kind: 'alert'}", "effects since the last action: score"],
    ),
    "score": (
        [*TO_THE_SCREEN, "score: {total: 3}"],
        ["{kind: 'score', total: 3}", "total=2", "band='raised'"],
    ),
    "no_effect": (
        ["tap: Not now", "no_effect: {kind: flow_finished}"],
        ["expected no effect", "flow_finished(flow='greet', outcome='abandoned')"],
    ),
    "send after the end": (["tap: Not now", "send: hello"], ["ended with 'abandoned'"]),
}


@pytest.mark.parametrize("case", BROKEN, ids=list(BROKEN))
def test_a_wrong_step_fails_at_its_line_with_what_happened(programme: Path, case: str) -> None:
    steps, fragments = BROKEN[case]
    report = run_one(programme, steps)
    assert (report.passed, report.failed) == (0, 1)
    failure = str(report.failures[0])
    line = 4 + len(steps)
    assert failure.startswith(f"{programme}/broken.test.yaml:{line}:9: test 'broken': expected")
    for fragment in fragments:
        assert fragment in failure


def test_a_failing_step_stops_its_test_and_the_others_go_on(programme: Path) -> None:
    text = """\
flow: greet
tests:
  - name: fails early
    steps:
      - bot: Goodbye
      - tap: Nonsense
  - name: passes
    steps:
      - tap: Not now
      - end: abandoned
"""
    (programme / "two.test.yaml").write_text(text, encoding="utf-8")
    report = run_tests([programme / "two.test.yaml"])
    assert report.summary() == "1 passed, 1 failed"
    assert [f.line for f in report.failures] == [5]
    assert not report.ok


def test_unknown_step_keys_and_other_mistakes_are_reported_at_once(programme: Path) -> None:
    text = """\
flow: gret
tests:
  - name: typo
    steps:
      - tapp: I agree
      - bot: {patern: x}
      - effect: {kind: alertt}
      - effect: {kind: alert, reasn: x}
      - bot: hi
        send: x
  - name: typo
    stepz: []
"""
    path = programme / "bad.test.yaml"
    path.write_text(text, encoding="utf-8")
    report = run_tests([path])
    got = {(d.line, d.column): d.message for d in report.errors}
    assert got[(1, 7)] == "there is no flow `gret` (did you mean `greet`?)"
    assert got[(5, 9)].startswith("unknown step `tapp` (did you mean `tap`?)")
    assert "unknown key `patern` in `bot`" in got[(6, 15)]
    assert got[(7, 24)].startswith("unknown effect kind `alertt` (did you mean `alert`?)")
    assert got[(8, 31)].startswith("an `alert` effect has no `reasn` (did you mean `reason`?)")
    assert "a step does one thing" in got[(9, 9)]
    assert "already called 'typo'" in got[(11, 11)]
    assert got[(12, 5)] == "unknown key `stepz` (did you mean `steps`?)"
    assert report.not_run == [str(path)]
    assert str(report.errors[1]).startswith(f"{path}:5:9: error: unknown step `tapp`")
    assert report.summary() == "0 passed, 0 failed; 1 test file not run because of errors"


def test_a_programme_with_errors_is_not_run(programme: Path) -> None:
    (programme / "oops.yaml").write_text(
        "id: oops\ntitle: Oops\nstart: a\nstates:\n  a:\n    sayy: hi\n", encoding="utf-8"
    )
    report = run_tests([programme])
    assert report.passed == 0
    assert report.not_run == [str(programme / "greet.test.yaml")]
    assert any(d.path.endswith("oops.yaml") and d.line == 6 for d in report.errors)


def test_a_wrong_path_is_an_error(tmp_path: Path) -> None:
    report = run_tests([tmp_path / "missing"])
    assert "does not exist" in report.errors[0].message
    assert not report.ok


def test_the_event_time_comes_from_at(programme: Path) -> None:
    (programme / "when.yaml").write_text(
        "id: when\ntitle: When\nstart: ask\nstates:\n"
        "  ask:\n    ask: Which day?\n    input: date\n    save_as: day\n    next: done\n"
        "  done:\n    end: completed\n",
        encoding="utf-8",
    )
    text = "flow: when\nat: 2026-03-14T10:00Z\ntests:\n  - name: today\n    steps:\n"
    text += "      - send: today\n      - vars: {day: '2026-03-14'}\n      - end: completed\n"
    (programme / "when.test.yaml").write_text(text, encoding="utf-8")
    report = run_tests([programme / "when.test.yaml"])
    assert report.lines() == ["1 passed, 0 failed"]


# ----- the engine's own trouble becomes a failure, never a crash ---------------------------------


def _broken_library() -> FlowLibrary:
    flow = Flow.model_validate(
        {"id": "lost", "title": "Lost", "start": "a", "states": {"a": {"say": "Hi", "next": "b"}}}
    )
    return FlowLibrary(ProgrammeSettings(), [flow])


def test_an_engine_problem_fails_the_test(tmp_path: Path) -> None:
    path = tmp_path / "lost.test.yaml"
    path.write_text(conversation_test(["bot: Hi"], flow="lost"), encoding="utf-8")
    loaded, problems = load_tests(path)
    assert loaded is not None, problems
    failure = run_case(loaded, 0, _broken_library())
    assert failure is not None
    assert (failure.line, failure.column) == (3, 5)  # the test's `name`
    assert "the engine stopped the run: flow 'lost' has no state 'b'" in failure.message


class ExplodingSource:
    """A flow source that fails the way a bug would."""

    default_language = "en"

    def get(self, flow_id: str, revision: str | None = None) -> Flow:
        raise RuntimeError("boom")


def test_an_engine_exception_is_reported_not_raised() -> None:
    conversation = Conversation(ExplodingSource(), {}, datetime(2026, 1, 5, tzinfo=UTC))
    assert conversation.start("any", {}) == "the engine raised RuntimeError: boom"
