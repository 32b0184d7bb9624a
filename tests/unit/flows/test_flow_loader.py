"""The loader: positions of every node, and YAML / schema errors in plain words."""

from __future__ import annotations

from pathlib import Path

import pytest

from flows.library import load_programme
from flows.loader import load_flow_text, parse_yaml

PROGRAMME = Path(__file__).parents[3] / "flows" / "programme"

NESTED = """\
id: x
states:
  a:
    m: {a: 1, b: [1, {c: 2}]}
    n:
      - x
      -   - y
          - z
    say: |
      first line
        second line
"""


def test_block_mapping_positions_point_at_keys_and_values() -> None:
    _, positions = parse_yaml(NESTED, "t.yaml")
    assert positions.key(("states", "a")) == (3, 3)
    assert positions.key(("id",)) == (1, 1)
    assert positions.value(("id",)) == (1, 5)


def test_flow_style_map_positions() -> None:
    _, positions = parse_yaml(NESTED, "t.yaml")
    assert positions.key(("states", "a", "m", "b")) == (4, 15)
    assert positions.value(("states", "a", "m", "b")) == (4, 18)
    assert positions.key(("states", "a", "m", "b", 1, "c")) == (4, 23)


def test_nested_list_positions() -> None:
    _, positions = parse_yaml(NESTED, "t.yaml")
    assert positions.value(("states", "a", "n", 0)) == (6, 9)
    assert positions.value(("states", "a", "n", 1, 0)) == (7, 13)
    assert positions.value(("states", "a", "n", 1, 1)) == (8, 13)


def test_unknown_paths_fall_back_to_the_nearest_ancestor() -> None:
    _, positions = parse_yaml(NESTED, "t.yaml")
    assert positions.value(("states", "a", "m", "zzz")) == (4, 8)


def test_block_scalar_lines_map_to_file_lines() -> None:
    data, positions = parse_yaml(NESTED, "t.yaml")
    assert data["states"]["a"]["say"] == "first line\n  second line\n"
    assert positions.value(("states", "a", "say")) == (9, 10)
    assert positions.text(("states", "a", "say"), 1) == (10, 7)
    assert positions.text(("states", "a", "say"), 2) == (11, 7)
    assert positions.text(("id",), 3) == (1, 5)  # plain scalars keep their own position


def test_integer_keys_are_found_by_their_text() -> None:
    _, positions = parse_yaml("labels:\n  0: calm\n  10: tense\n", "t.yaml")
    assert positions.key(("labels", "10")) == (3, 3)


@pytest.mark.parametrize(
    ("text", "where", "fragment"),
    [
        ("a:\n\tb: 1\n", (2, 1), "a tab is used for indentation"),
        ("a: b: c\n", (1, 5), "put the whole text in quotes"),
        ('a: "open\nb: 1\n', (1, 4), "never closed"),
        ("a:\n  b: 1\n c: 2\n", (3, 2), "indented differently"),
        ("a: 1\na: 2\n", (2, 1), 'duplicate key "a"'),
        ("a: [1, 2\nb: 3\n", (2, 2), "`[...]` list is not closed"),
    ],
)
def test_yaml_errors_in_plain_words(text: str, where: tuple[int, int], fragment: str) -> None:
    parsed, (problem,) = load_flow_text(text, "t.yaml")
    assert parsed is None
    assert (problem.line, problem.column) == where
    assert fragment in problem.message


def test_schema_errors_name_the_key_and_suggest() -> None:
    text = "id: x\ntitle: t\nstart: a\nstates:\n  a:\n    ask: Hi\n    inptu: text\n    next: a\n"
    _, (problem,) = load_flow_text(text, "t.yaml")
    assert str(problem) == "t.yaml:7:5: error: unknown key `inptu` (did you mean `input`?)"


def test_every_schema_error_at_once() -> None:
    text = (
        "id: bad id\ntitle: t\nstart: a\nstates:\n  a:\n    ask: Hi\n"
        "    min: lots\n    next: a\n  b:\n    end: all done\n"
    )
    _, problems = load_flow_text(text, "t.yaml")
    assert [(p.line, p.column) for p in problems] == [(1, 5), (7, 10), (10, 10)]
    assert "should be a name of letters" in problems[0].message
    assert "should be a whole number" in problems[1].message


def test_shipped_programme_has_no_errors() -> None:
    library, problems = load_programme([PROGRAMME])
    assert [str(p) for p in problems if p.severity == "error"] == []
    assert library.flows
