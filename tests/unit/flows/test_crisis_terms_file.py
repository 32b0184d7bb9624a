"""`flows check` on `safety/crisis_terms.yml`: entries that read, lists that are not empty, and
look-alikes that neither hide a crisis phrase entirely nor hide nothing, at file:line:col."""

from __future__ import annotations

from pathlib import Path

import pytest

from flows.crisis.patterns import PatternError, expand
from flows.library import load_programme

SHIPPED = Path(__file__).resolve().parents[3] / "flows" / "programme"

GOOD = """\
en:
  explicit:
    - kill myself
    - (cut|cutting) myself
    - took (all|too many) [of] my pills
  possible:
    - can't go on $
  not_crisis:
    - cut myself (some|a bit of) slack
zh:
  explicit: [想死]
  possible: [活够了]
  not_crisis: [想死你了]
"""


def check(tmp_path: Path, text: str) -> list[tuple[int, int, str, str]]:
    """Every diagnostic `flows check` gives a programme folder holding this terms file."""
    path = tmp_path / "safety" / "crisis_terms.yml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    _, problems = load_programme([tmp_path])
    assert all(p.path == str(path) for p in problems)
    return [(p.line, p.column, p.severity, p.message) for p in problems]


def test_the_shipped_terms_have_no_problem_at_all() -> None:
    _, problems = load_programme([SHIPPED])
    assert [str(p) for p in problems if "crisis_terms" in p.path] == []


def test_a_sound_file_has_no_problems(tmp_path: Path) -> None:
    assert check(tmp_path, GOOD) == []


def test_the_file_named_on_the_command_line_is_checked_not_loaded_as_a_flow(
    tmp_path: Path,
) -> None:
    path = tmp_path / "crisis_terms.yml"
    path.write_text("en:\n  explicit: []\n  possible: [give up]\n", encoding="utf-8")
    _, problems = load_programme([path])
    assert [(p.line, p.message) for p in problems] == [
        (2, "`explicit` is empty: list phrases or remove the key")
    ]


def test_malformed_entries_are_reported_where_they_are(tmp_path: Path) -> None:
    text = """\
en:
  explicit:
    - (kill|hurt myself
    - "take all) my pills"
    - 12
    - ""
    - want to (|) die
    - "$ #"
  possible:
    - can't go on | anymore
"""
    assert check(tmp_path, text) == [
        (3, 7, "error", "`(` is never closed: add `)`"),
        (4, 16, "error", "`)` closes nothing: remove it or add its opening"),
        (5, 7, "error", "a phrase should be a text, like `kill myself` (this is a number: "
         "put it in quotes)"),
        (6, 7, "error", "this phrase is blank"),
        (7, 15, "error", "`()` has nothing inside"),
        (8, 7, "error", "this phrase has no words (only punctuation, `#` or `$`)"),
        (10, 19, "error", "`|` only goes inside `( )` or `[ ]`, like `(die|be dead)`"),
    ]  # fmt: skip


def test_the_layout_is_explained(tmp_path: Path) -> None:
    text = """\
en:
  - kill myself
not_crisis:
  en: [killing time]
English:
  explicit: [kill myself]
zh:
  explict: [想死]
  possible: [活够了]
"""
    assert check(tmp_path, text) == [
        (2, 3, "error", "`en` should be a mapping with `explicit:`, `possible:` and "
         "`not_crisis:` lists"),
        (3, 1, "error", "look-alikes now go under each language, as `not_crisis:` next to "
         "`explicit:`"),
        (5, 1, "error", "`English` is not a language code like `en` or `zh`"),
        (7, 1, "error", "`zh` has no `explicit:` list: the phrases that start the pathway"),
        (8, 3, "error", "unknown key `explict` (did you mean `explicit`?)"),
    ]  # fmt: skip


def test_empty_lists_and_a_missing_possible_list(tmp_path: Path) -> None:
    text = "en:\n  explicit:\n  not_crisis: []\n"
    assert check(tmp_path, text) == [
        (1, 1, "warning", "`en` has no `possible:` list: the phrases that ask a check question"),
        (2, 3, "error", "`explicit` is empty: list phrases or remove the key"),
        (3, 3, "error", "`not_crisis` is empty: list phrases or remove the key"),
    ]


def test_a_phrase_that_is_also_a_look_alike_is_an_error(tmp_path: Path) -> None:
    text = GOOD.replace("    - kill myself\n", "    - kill myself\n    - killing time\n")
    text = text.replace("  not_crisis:\n    - cut", "  not_crisis:\n    - Killing  time\n    - cut")
    found = check(tmp_path, text)
    assert (10, 7, "error", "`killing time` is both a crisis phrase and a look-alike "
            "(`en.explicit` on line 4): keep one") in found  # fmt: skip


def test_a_look_alike_that_hides_a_phrase_whenever_it_is_written_is_an_error(
    tmp_path: Path,
) -> None:
    text = GOOD.replace("  not_crisis:\n", "  not_crisis:\n    - $ kill myself\n")
    assert check(tmp_path, text) == [
        (3, 7, "error", "`kill myself` can never start the pathway: the look-alike "
         "`$ kill myself` (line 9) hides it; make the look-alike narrower"),
    ]  # fmt: skip


def test_a_look_alike_that_hides_nothing_is_a_warning(tmp_path: Path) -> None:
    text = GOOD.replace("[想死你了]", "[想死你了, 笑死我了]")
    assert check(tmp_path, text) == [
        (13, 22, "warning", "the look-alike `笑死我了` hides no crisis phrase (none lies inside "
         "it, or another look-alike hides it first): remove it"),
    ]  # fmt: skip


def test_a_look_alike_that_stops_a_typo_guess_does_something(tmp_path: Path) -> None:
    text = GOOD.replace("    - kill myself\n", "    - overdose\n")
    text = text.replace("    - cut myself (some|a bit of) slack\n", "    - overdone\n")
    assert check(tmp_path, text) == []


def test_repeats_are_warnings_naming_the_first(tmp_path: Path) -> None:
    text = GOOD.replace("    - can't go on $\n", "    - can't go on $\n    - cant go on $\n")
    text = text.replace("  possible: [活够了]", "  possible: [活够了, 想死]")
    assert check(tmp_path, text) == [
        (8, 7, "warning", "`can not go on $` is already listed under `en.possible` on line 7"),
        (13, 19, "warning", "`想死` is also under `zh.explicit` on line 12; explicit wins: keep "
         "it in one list"),
    ]  # fmt: skip


def test_punctuation_inside_a_phrase_is_a_warning(tmp_path: Path) -> None:
    text = GOOD.replace("    - kill myself\n", "    - kill myself.\n")
    assert check(tmp_path, text) == [
        (3, 7, "warning", "`.` in a phrase counts as the end of a sentence: remove it, or "
         "write `$` if that is what you mean"),
    ]  # fmt: skip


def test_a_phrase_cut_short_by_a_yaml_comment_is_a_warning(tmp_path: Path) -> None:
    text = GOOD.replace("    - kill myself\n", "    - took # (pills|tablets)\n    - kill myself\n")
    assert check(tmp_path, text) == [
        (3, 7, "warning", "` #` starts a YAML comment, so this phrase ends before it: if `#` "
         'belongs to the phrase, put the whole phrase in quotes (like "took # pills"); if not, '
         "put the comment on a line of its own"),
    ]  # fmt: skip
    quoted = text.replace("took # (pills|tablets)", '"took # (pills|tablets)"  # a comment')
    assert check(tmp_path, quoted) == []


def test_not_yaml_is_a_yaml_error(tmp_path: Path) -> None:
    found = check(tmp_path, "en:\n  explicit: [kill myself\n")
    assert [(severity, message[:17]) for _, _, severity, message in found] == [
        ("error", "YAML syntax error")
    ]


@pytest.mark.parametrize(
    ("entry", "phrases"),
    [
        ("kill myself", ["kill myself"]),
        ("took (all|too many) my pills", ["took all my pills", "took too many my pills"]),
        ("[really] want to die", ["really want to die", " want to die"]),
        ("(吃|吞)了(很多|一瓶)药", ["吃了很多药", "吃了一瓶药", "吞了很多药", "吞了一瓶药"]),
        ("(a|(b|c)d)", ["a", "bd", "cd"]),
        ("end (it|) all", ["end it all", "end  all"]),
    ],
)
def test_an_entry_stands_for_every_combination(entry: str, phrases: list[str]) -> None:
    assert expand(entry) == phrases


def test_an_entry_standing_for_too_many_phrases_is_refused() -> None:
    with pytest.raises(PatternError, match="more than 1000 phrases"):
        expand("(a|b|c|d|e|f|g|h|i|j) (a|b|c|d|e|f|g|h|i|j) (a|b|c|d|e|f|g|h|i|j) (a|b)")
