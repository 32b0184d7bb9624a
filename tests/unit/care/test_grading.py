"""Alert outcomes and adverse-event grading: button data is untrusted and fits in 64 bytes."""

from __future__ import annotations

import pytest

from bot.care import grading
from storage.models import safety
from storage.repositories import Grade

BIGGEST = 999_999_999_999  # the largest id the data may carry (12 digits)


def test_the_vocabularies_are_the_ones_the_database_allows():
    fields = {step.field: tuple(c.value for c in step.choices) for step in grading.STEPS}
    assert fields["severity"] == safety.SEVERITIES
    assert fields["seriousness"] == ("non_serious", *safety.SERIOUS_CRITERIA)
    assert fields["relatedness"] == safety.RELATEDNESS
    assert fields["expectedness"] == safety.EXPECTEDNESS
    assert fields["outcome"] == safety.AE_OUTCOMES
    assert tuple(grading.RESOLUTION_LABELS) == safety.RESOLUTIONS


def test_every_button_fits_in_64_bytes():
    data = [b["data"] for b in grading.resolve_buttons(BIGGEST)]
    codes = ""
    for step in grading.STEPS:
        data += [b["data"] for b in grading.step_buttons(BIGGEST, codes)]
        codes += step.choices[-1].code
    assert max(len(d.encode()) for d in data) <= 64


def test_buttons_round_trip():
    assert grading.parse_resolve(grading.resolve_data(12, "false_alarm")) == (12, "false_alarm")
    assert grading.parse_resolve(grading.resolve_data(12)) == (12, None)
    assert grading.parse_grade(grading.grade_data(5, "o")) == (5, "o")
    assert grading.parse_grade(grading.grade_data(5)) == (5, "")


@pytest.mark.parametrize(
    "forged",
    [
        "res:12:drop_table", "res:12:", "res:0:safe", "res:-1:safe", "res:12:safe:x",
        "res:1234567890123:safe", "res:１２:safe", "ack:12", "res:12:SAFE", "",
        "ae:5:z", "ae:5:mnpeoq", "ae:5:n", "ae:5", "ae::m", "ae:05:", "ae:5:m\n",
    ],
)  # fmt: skip
def test_forged_data_is_refused(forged: str):
    assert grading.parse_resolve(forged) is None
    assert grading.parse_grade(forged) is None


def test_the_steps_end_in_a_grade():
    assert grading.grade_from_codes("o0e") is None  # not finished yet
    assert grading.grade_from_codes("mh3ur") == Grade(
        "mild", "serious", "hospitalisation", "probably", "unexpected", "resolved"
    )
    assert grading.chosen("on") == ["Severity: Moderate", "Seriousness: Not serious"]


def test_a_typed_grade_like_a_busy_helper_types_it():
    typed = "severity=moderate serious=no related=possibly expected=yes outcome=resolved"
    grade = grading.grade_from_text(typed.split(" "))
    assert grade == Grade("moderate", "non_serious", None, "possibly", "expected", "resolved")
    assert isinstance(grade, Grade)
    assert grading.describe(grade) == (
        "moderate · not serious · possibly related · expected · resolved"
    )
    serious = grading.grade_from_text(
        ["sev=severe", "serious=life-threatening", "related=not", "expected=no", "outcome=sequelae"]
    )
    assert serious == Grade(
        "severe", "serious", "life_threatening", "not_related", "unexpected",
        "resolved_with_sequelae",
    )  # fmt: skip


def test_a_wrong_typed_grade_says_what_is_wrong():
    assert "Missing: expectedness, outcome" in str(
        grading.grade_from_text(["severity=mild", "serious=no", "related=unlikely"])
    )
    assert "not one of: mild, moderate, severe" in str(grading.grade_from_text(["severity=huge"]))
    assert "I don't know" in str(grading.grade_from_text(["colour=blue"]))
