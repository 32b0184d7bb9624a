"""Run state storage, revisions and migration, the sandbox, languages and runaway flows."""

from __future__ import annotations

import json
import time

import pytest
from engine_support import Chat, flow_from, library, of, texts

from flows.engine import MAX_TRANSITIONS
from flows.expressions import ExpressionError, check_template, evaluate, holds, render
from flows.runtime import Problem, RunState

LESSON_V1 = """
id: lesson
title: Lesson
start: a
states:
  a:
    ask: Old question A
    buttons: [{label: Go, value: go}]
    next: b
  b:
    ask: Old question B
    buttons: [{label: Go, value: go}]
    next: e
  e:
    say: Old ending.
    end: completed
"""

LESSON_V2 = """
id: lesson
title: Lesson
start: a2
migrate: {b: b2, call_it: call_it2}
states:
  a2:
    ask: New question A
    buttons: [{label: Go, value: go}]
    next: b2
  b2:
    ask: New question B
    buttons: [{label: Go, value: go}]
    next: e2
  e2:
    say: New ending.
    end: completed
"""


def test_run_state_survives_a_json_round_trip_and_stays_small() -> None:
    chat = Chat(library(LESSON_V1), "lesson", variables={"alias": "Sam", "mood": 3})
    data = chat.state.to_json()
    text = json.dumps(data)
    assert RunState.from_json(json.loads(text)) == chat.state
    assert len(text) < 400
    assert set(data) >= {"current", "stack", "vars", "status", "awaiting"}


def test_a_run_pinned_to_an_old_revision_finishes_on_it() -> None:
    lib = library(LESSON_V1)
    old = lib.get("lesson")
    chat = Chat(lib, "lesson")
    chat.tap("Go")
    assert chat.state.current.revision == old.revision
    new = flow_from(LESSON_V2)
    assert new.revision != old.revision
    lib.add(new)
    effects = chat.tap("Go")
    assert texts(effects) == ["Old ending."]
    assert Chat(lib, "lesson").last_ask.html == "New question A"


def test_an_old_revision_can_be_loaded_from_its_stored_text() -> None:
    lib = library(LESSON_V2)
    old = lib.add_revision_text(LESSON_V1, "flows/lesson.yaml")
    assert lib.get("lesson").revision != old.revision
    assert lib.get("lesson", old.revision) is old
    state = RunState.model_validate(
        {
            "current": {"flow": "lesson", "revision": old.revision, "state": "a"},
            "awaiting": {"token": "1", "input": "buttons", "buttons": 1},
            "seq": 1,
        }
    )
    chat = Chat(lib, "lesson")
    chat.state = state
    assert texts(chat.reask()) == ["Old question A"]
    assert texts(chat.tap("Go")) == ["Old question B"]


def test_migrate_moves_the_current_frame_as_the_map_says_and_asks_again() -> None:
    lib = library(LESSON_V1)
    chat = Chat(lib, "lesson")
    chat.tap("Go")  # now at b, on v1
    old_token = chat.token
    new = flow_from(LESSON_V2)
    lib.add(new)
    effects = chat.migrate()
    assert chat.state.current.revision == new.revision
    assert chat.where == "b2"
    assert texts(effects) == ["New question B"]
    assert chat.token != old_token
    assert [e.kind for e in chat.press(0, old_token)] == ["stale"]
    assert texts(chat.tap("Go")) == ["New ending."]


def test_migrate_leaves_states_that_the_map_does_not_name() -> None:
    lib = library(LESSON_V1)
    chat = Chat(lib, "lesson")  # at a, which v2 does not map
    before = chat.state
    lib.add(flow_from(LESSON_V2))
    assert chat.migrate() == ()
    assert chat.state == before


PARENT_V1 = """
id: parent
title: Parent
start: call_it
states:
  call_it:
    call: child
    next: old_after
  old_after:
    say: Old parent ending.
    end: completed
"""

PARENT_V2 = """
id: parent
title: Parent
start: call_it2
migrate: {call_it: call_it2}
states:
  call_it2:
    call: child
    next: new_after
  new_after:
    say: New parent ending.
    end: completed
"""

CHILD = """
id: child
title: Child
start: q
states:
  q:
    ask: Child question
    buttons: [{label: Go, value: go}]
    next: e
  e:
    end: completed
"""


def test_migrate_moves_caller_frames_so_the_run_returns_to_the_new_revision() -> None:
    lib = library(PARENT_V1, CHILD)
    chat = Chat(lib, "parent")
    assert chat.state.current.flow == "child"
    new = flow_from(PARENT_V2)
    lib.add(new)
    token = chat.token
    assert chat.migrate() == ()  # the child did not change: its question stays open
    assert chat.state.stack[0].revision == new.revision
    assert chat.state.stack[0].state == "call_it2"
    assert chat.token == token
    assert texts(chat.tap("Go")) == ["New parent ending."]


# ----- the sandbox ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "source",
    [
        "''.__class__",
        "''.__class__.__mro__[1].__subclasses__()",
        "mood.__class__.__init__.__globals__",
        "cycler.__init__.__globals__.os",
        "self._TemplateReference__context",
        "lipsum.__globals__",
    ],
)
def test_python_internals_are_out_of_reach(source: str) -> None:
    assert evaluate(source, {"mood": 3}) in (None, "")
    rendered = render("{{ " + source + " }}", {"mood": 3})
    assert "class" not in rendered.replace(source, "")
    assert "<module" not in rendered
    assert not holds(source, {"mood": 3})


def test_loops_and_other_statements_are_rejected_by_the_checker() -> None:
    for source in [
        "{% for i in range(10) %}x{% endfor %}",
        "{% set x = 1 %}",
        "{% macro m() %}{% endmacro %}",
        "{% include 'x' %}",
    ]:
        with pytest.raises(ExpressionError):
            check_template(source)
    assert render("{% for i in range(10**9) %}x{% endfor %}", {}).startswith("{% for")


@pytest.mark.parametrize(
    "source",
    [
        "'a' * 10**9",
        "2 ** (10**6)",
        "[1] * 10**8",
        "(((10**64)**64)**64)**64",
        "(10**64)**64 * (10**64)**64",
    ],
)
def test_huge_values_are_refused_quickly(source: str) -> None:
    began = time.perf_counter()
    assert evaluate(source, {}) is None
    assert render("{{ " + source + " }}", {}) == "{{ " + source + " }}"
    assert time.perf_counter() - began < 0.5


def test_jinja_power_is_left_associative_so_a_chain_stays_small() -> None:
    assert evaluate("2 ** 10**6", {}) == 2**60


def test_undefined_variables_render_empty_and_make_conditions_false() -> None:
    assert render("Hi {{ alias }}!", {}) == "Hi !"
    assert render("{{ phq9.total }}", {}) == ""
    assert not holds("phq9.total >= 10", {})
    assert not holds("mood < 4", {})
    assert holds("not mood", {})


def test_dotted_names_prefer_keys_over_dict_methods() -> None:
    phq9 = {"total": 12, "items": {"q9": 2}, "values": 5}
    assert evaluate("phq9.items.q9", {"phq9": phq9}) == 2
    assert evaluate("phq9.values", {"phq9": phq9}) == 5
    assert holds("phq9.items.q9 > 0 and phq9.total >= 10", {"phq9": phq9})


def test_patient_html_is_escaped_but_the_researchers_markup_is_kept() -> None:
    lib = library(
        "id: t\ntitle: T\nstart: s\nstates:\n  s:\n"
        "    say: <b>Hello</b> {{ alias }}\n    end: completed\n"
    )
    chat = Chat(lib, "t", variables={"alias": "<b>Sam</b> & co"})
    assert texts(chat.effects) == ["<b>Hello</b> &lt;b&gt;Sam&lt;/b&gt; &amp; co"]


LANGUAGES = """
id: t
title: T
start: s
states:
  s:
    say:
      - {en: Hello, zh: 你好}
      - {zh: 只有中文}
      - Plain
    end: completed
"""


def test_texts_follow_the_language_and_fall_back_to_the_programme_default() -> None:
    assert texts(Chat(library(LANGUAGES), "t", {"language": "zh"}).effects) == [
        "你好",
        "只有中文",
        "Plain",
    ]
    assert texts(Chat(library(LANGUAGES), "t", {"language": "fr"}).effects)[0] == "Hello"
    zh_default = library(LANGUAGES, default_language="zh")
    assert texts(Chat(zh_default, "t", {"language": "fr"}).effects)[0] == "你好"
    assert texts(Chat(library(LANGUAGES), "t", variables={"language": "zh"}).effects)[0] == "你好"


# ----- runaway flows ----------------------------------------------------------------------


def test_an_endless_say_and_branch_loop_ends_with_a_problem() -> None:
    lib = library("""
id: t
title: T
start: a
states:
  a:
    say: Round and round
    next: b
  b:
    branch:
      - if: "true"
        next: a
      - else: a
""")
    began = time.perf_counter()
    chat = Chat(lib, "t")
    assert time.perf_counter() - began < 2
    problem = of(Problem, chat.effects)[0]
    assert str(MAX_TRANSITIONS) in problem.message
    assert chat.state.status == "finished"
    assert chat.state.outcome == "error"
    assert len(texts(chat.effects)) <= MAX_TRANSITIONS


def test_a_loop_that_doubles_a_variable_neither_hangs_nor_bloats_the_state() -> None:
    lib = library("""
id: t
title: T
start: a
states:
  a:
    set: {x: ab}
    next: b
  b:
    compute: {x: "x ~ x", n: "n * n + 2"}
    next: b
""")
    began = time.perf_counter()
    chat = Chat(lib, "t", variables={"n": 2})
    assert time.perf_counter() - began < 5
    assert chat.state.outcome == "error"
    assert len(json.dumps(chat.state.to_json())) < 50_000


def test_computed_values_are_always_storable() -> None:
    lib = library("""
id: t
title: T
start: a
states:
  a:
    compute:
      r: "range(3)"
      u: "[nope, 1]"
      f: "1e308 * 10"
      c: "cycler(1, 2)"
      t: "(1, 2)"
      ok: "{'a': [1, 2.5, 'x', none, true]}"
    next: e
  e:
    end: completed
""")
    chat = Chat(lib, "t")  # Chat checks every state round-trips through JSON
    assert chat.vars["ok"] == {"a": [1, 2.5, "x", None, True]}
    assert chat.vars["t"] == [1, 2]
    assert chat.vars["u"] == [None, 1]
    assert chat.vars["f"] is None
    assert chat.vars["c"] is None
    json.dumps(chat.state.to_json(), allow_nan=False)


def test_typed_digits_that_are_not_plain_numbers_never_crash() -> None:
    lib = library("""
id: t
title: T
start: s
states:
  s:
    ask: Pick
    buttons: [{label: A}, {label: B}]
    save_as: pick
    next: e
  e:
    end: completed
""")
    for typed in ["፩", "𐩀", "1" * 5000, "²", "①"]:
        chat = Chat(lib, "t")
        chat.send(typed)
        assert chat.where in ("s", "e"), typed
    chat = Chat(lib, "t")
    chat.send("２")  # a full-width 2 is the second button
    assert chat.vars["pick"] == "B"
