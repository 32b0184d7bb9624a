"""Every kind of state, run on small inline flows the way a patient would meet it."""

from __future__ import annotations

from datetime import timedelta

from engine_support import Chat, labels, library, of, texts

from flows.runtime import (
    Alert,
    Ask,
    AssignExercise,
    FlowFinished,
    FlowStarted,
    Handover,
    SaveAnswer,
    Say,
    ScheduleTimeout,
    Score,
)


def single(states: str, *, start: str = "s", extra: str = "") -> str:
    """A flow `t` with the given (already indented) states."""
    return f"id: t\ntitle: T\nstart: {start}\n{extra}states:\n{states}"


# ----- say --------------------------------------------------------------------------------


def test_say_sends_several_messages_in_order_with_media_next_to_the_yaml() -> None:
    lib = library(
        single("""
  s:
    say:
      - Hello {{ alias }}.
      - image: media/cycle.png
        text: The cycle.
      - document: ../docs/sheet.pdf
    next: e
  e:
    end: completed
""")
    )
    chat = Chat(lib, "t", {"alias": "Sam"})
    says = of(Say, chat.effects)
    assert [s.html for s in says] == ["Hello Sam.", "The cycle.", ""]
    assert says[1].image == "flows/media/cycle.png"
    assert says[2].document == "docs/sheet.pdf"
    assert chat.state.status == "finished"
    assert chat.state.outcome == "completed"


# ----- ask with buttons -------------------------------------------------------------------


BUTTONS = single("""
  s:
    ask: Pick one
    save_as: pick
    buttons:
      - label: Red
        value: red
        set: {colour_set: true}
        compute: {double: "count * 2"}
        next: red
      - label: Blue
    next: other
  red:
    say: Red it is, {{ double }}.
    end: completed
  other:
    say: You chose {{ pick }}.
    end: completed
""")


def test_button_sets_and_computes_variables_and_goes_to_its_own_next() -> None:
    chat = Chat(library(BUTTONS), "t", variables={"count": 21})
    ask = of(Ask, chat.effects)[0]
    assert labels(ask) == ["Red", "Blue"]
    assert ask.input == "buttons"
    effects = chat.tap("Red")
    assert chat.vars["pick"] == "red"
    assert chat.vars["colour_set"] is True
    assert chat.vars["double"] == 42
    assert texts(effects) == ["Red it is, 42."]
    saved = of(SaveAnswer, effects)[0]
    assert (saved.variable, saved.value, saved.free_text) == ("pick", "red", False)


def test_button_without_value_saves_its_label_and_follows_the_state_next() -> None:
    chat = Chat(library(BUTTONS), "t", variables={"count": 1})
    effects = chat.tap("Blue")
    assert chat.vars["pick"] == "Blue"
    assert texts(effects) == ["You chose Blue."]


def test_typing_a_button_label_or_its_number_counts_as_tapping_it() -> None:
    chat = Chat(library(BUTTONS), "t", variables={"count": 1})
    chat.send("  blue! ")
    assert chat.vars["pick"] == "Blue"
    chat = Chat(library(BUTTONS), "t", variables={"count": 1})
    chat.send("1")
    assert chat.vars["pick"] == "red"


# ----- yes / no ---------------------------------------------------------------------------


YES_NO = single("""
  s:
    ask: Are you 18 or older?
    input: yes_no
    save_as: adult
    yes: adult
    no: minor
  adult:
    end: adult
  minor:
    end: minor
""")


def test_yes_no_offers_two_buttons_and_a_tap_follows_yes_or_no() -> None:
    chat = Chat(library(YES_NO), "t")
    assert labels(chat.last_ask) == ["Yes", "No"]
    chat.tap("No")
    assert chat.vars["adult"] is False
    assert chat.state.outcome == "minor"


def test_yes_no_typed_in_english_and_chinese() -> None:
    for typed, outcome in [("yep", "adult"), ("NO.", "minor"), ("是的", "adult"), ("不", "minor")]:
        chat = Chat(library(YES_NO), "t")
        chat.send(typed)
        assert chat.state.outcome == outcome, typed


def test_yes_no_buttons_are_in_the_patients_language() -> None:
    chat = Chat(library(YES_NO), "t", {"language": "zh"})
    assert labels(chat.last_ask) == ["是", "否"]


# ----- numbers and scales -----------------------------------------------------------------


NUMBER = single("""
  s:
    ask: How many hours did you sleep?
    input: number
    min: 0
    max: 24
    save_as: hours
    next: e
  e:
    end: completed
""")


def test_number_in_range_with_decimals_and_commas() -> None:
    for typed, value in [("7", 7), ("7.5", 7.5), ("7,5", 7.5), ("0", 0), ("24", 24)]:
        chat = Chat(library(NUMBER), "t")
        chat.send(typed)
        assert chat.vars["hours"] == value, typed
        assert type(chat.vars["hours"]) is type(value)


def test_number_out_of_range_or_not_a_number_is_reprompted() -> None:
    for typed in ["25", "-1", "seven", "", "nan", "inf", "1e400"]:
        chat = Chat(library(NUMBER), "t")
        effects = chat.send(typed)
        assert chat.where == "s", typed
        assert "hours" not in chat.vars
        assert texts(effects) == ["Please send a number from 0 to 24."], typed


SCALE = single("""
  s:
    ask: Mood?
    input: scale
    min: 0
    max: 10
    labels: {0: worst, 10: best}
    save_as: mood
    next: e
  e:
    end: completed
""")


def test_scale_renders_labelled_buttons_and_a_tap_saves_the_value() -> None:
    chat = Chat(library(SCALE), "t")
    assert labels(chat.last_ask) == ["0 worst", *map(str, range(1, 10)), "10 best"]
    chat.tap("3")
    assert chat.vars["mood"] == 3


def test_scale_typed_number_is_the_value_not_the_button_position() -> None:
    chat = Chat(library(SCALE), "t")
    chat.send("10")
    assert chat.vars["mood"] == 10
    chat = Chat(library(SCALE), "t")
    chat.send("0")
    assert chat.vars["mood"] == 0


def test_scale_typed_out_of_range_is_reprompted_and_a_label_is_accepted() -> None:
    chat = Chat(library(SCALE), "t")
    chat.send("11")
    assert chat.where == "s"
    assert chat.last_ask.reprompt
    chat.send("10 best")
    assert chat.vars["mood"] == 10


# ----- free text --------------------------------------------------------------------------


TEXT = single("""
  s:
    ask: Your name?
    input: text
    max_length: 10
    save_as: alias
    next: e
  e:
    say: Hi {{ alias }}
    end: completed
""")


def test_free_text_is_trimmed_saved_and_marked_for_encryption() -> None:
    chat = Chat(library(TEXT), "t")
    effects = chat.send("  Sam  ")
    assert chat.vars["alias"] == "Sam"
    assert of(SaveAnswer, effects)[0].free_text is True
    assert texts(effects) == ["Hi Sam"]


def test_free_text_too_long_or_empty_is_reprompted_with_the_limit() -> None:
    chat = Chat(library(TEXT), "t")
    effects = chat.send("x" * 11)
    assert "alias" not in chat.vars
    assert "10 characters" in texts(effects)[0]
    chat.send("   ")
    assert chat.where == "s"
    chat.send("x" * 10)
    assert chat.vars["alias"] == "x" * 10


# ----- time and date ----------------------------------------------------------------------


TIME_DATE = single("""
  s:
    ask: When?
    input: time
    save_as: at
    next: d
  d:
    ask: Which day?
    input: date
    save_as: day
    next: e
  e:
    end: completed
""")


def test_time_of_day_in_common_forms() -> None:
    for typed, value in [("9", "09:00"), ("9pm", "21:00"), ("21.30", "21:30"), ("12am", "00:00")]:
        chat = Chat(library(TIME_DATE), "t")
        chat.send(typed)
        assert chat.vars["at"] == value, typed
    chat = Chat(library(TIME_DATE), "t")
    chat.send("25:00")
    assert "at" not in chat.vars
    assert "09:00" in chat.last_ask.html


def test_dates_today_and_tomorrow_are_relative_to_the_event_time() -> None:
    # Chat starts on 2026-03-14 09:30 UTC.
    for typed, value in [
        ("today", "2026-03-14"),
        ("Tomorrow", "2026-03-15"),
        ("明天", "2026-03-15"),
        ("2026-04-01", "2026-04-01"),
        ("1 April 2026", "2026-04-01"),
    ]:
        chat = Chat(library(TIME_DATE), "t")
        chat.send("8pm")
        chat.send(typed)
        assert chat.vars["day"] == value, typed
    chat = Chat(library(TIME_DATE), "t")
    chat.send("8pm")
    chat.now += timedelta(days=30)
    chat.send("tomorrow")
    assert chat.vars["day"] == "2026-04-14"


def test_a_bad_date_is_reprompted() -> None:
    chat = Chat(library(TIME_DATE), "t")
    chat.send("8pm")
    effects = chat.send("someday")
    assert chat.where == "d"
    assert "today or tomorrow" in texts(effects)[0]


# ----- branch, set, compute ---------------------------------------------------------------


BRANCH = single("""
  s:
    set: {base: 3}
    compute: {sum: "base + mood"}
    next: b
  b:
    branch:
      - if: sum >= 10
        next: high
      - if: sum >= 5 and mood != 4
        next: mid
      - else: low
  high:
    end: high
  mid:
    end: mid
  low:
    end: low
""")


def test_branch_takes_the_first_arm_that_holds_else_the_else_arm() -> None:
    outcomes = {
        mood: Chat(library(BRANCH), "t", variables={"mood": mood}).state.outcome
        for mood in (7, 2, 4, 0)
    }
    assert outcomes == {7: "high", 2: "mid", 4: "low", 0: "low"}


def test_set_and_compute_store_plain_values() -> None:
    chat = Chat(library(BRANCH), "t", variables={"mood": 2})
    assert chat.vars["base"] == 3
    assert chat.vars["sum"] == 5


# ----- questionnaires ---------------------------------------------------------------------


QUESTIONNAIRE = single("""
  s:
    questionnaire:
      id: mini
      save_as: mini_result
      timepoint: "{{ week }}"
      preamble: Over the last 2 weeks...
      options:
        - {label: Not at all, score: 0}
        - {label: Several days, score: 1}
        - {label: Nearly every day, score: 3}
      items:
        - {id: q1, text: Little interest}
        - {id: q2, text: Feeling down}
        - {id: q9, text: Thoughts of self-harm}
      bands:
        - {min: 0, max: 2, label: minimal}
        - {min: 3, max: 5, label: mild}
        - {min: 6, max: 9, label: severe}
      rules:
        - if: q9 > 0
          alert: {reason: self_harm_item}
    next: e
  e:
    say: Total {{ mini_result.total }} ({{ mini_result.band }}) item {{ mini_result.items.q9 }}
    end: completed
""")


def answer_all(chat: Chat, picks: list[str]) -> list[object]:
    effects: list[object] = []
    for pick in picks:
        effects += chat.tap(pick)
    return effects


def test_questionnaire_asks_item_by_item_and_scores_with_its_timepoint() -> None:
    chat = Chat(library(QUESTIONNAIRE), "t", variables={"week": "week4"})
    assert texts(chat.effects) == ["Over the last 2 weeks...", "(1/3) Little interest"]
    effects = answer_all(chat, ["Several days", "Nearly every day", "Not at all"])
    score = of(Score, effects)[0]
    assert (score.instrument, score.timepoint, score.total, score.band) == (
        "mini",
        "week4",
        4,
        "mild",
    )
    assert score.items == {"q1": 1, "q2": 3, "q9": 0}
    assert score.variable == "mini_result"
    assert not of(Alert, effects)
    result = chat.vars["mini_result"]
    assert result == {
        "total": 4,
        "band": "mild",
        "items": {"q1": 1, "q2": 3, "q9": 0},
        "timepoint": "week4",
        "alerts": [],
    }
    assert texts(effects)[-1] == "Total 4 (mild) item 0"
    assert chat.state.scores == {}


def test_questionnaire_bands_include_both_boundaries() -> None:
    cases = {
        ("Not at all", "Not at all", "Not at all"): "minimal",  # 0
        ("Several days", "Several days", "Not at all"): "minimal",  # 2
        ("Nearly every day", "Not at all", "Not at all"): "mild",  # 3
        ("Nearly every day", "Several days", "Several days"): "mild",  # 5
        ("Nearly every day", "Nearly every day", "Not at all"): "severe",  # 6
        ("Nearly every day", "Nearly every day", "Nearly every day"): "severe",  # 9
    }
    for picks, band in cases.items():
        chat = Chat(library(QUESTIONNAIRE), "t", variables={"week": "w"})
        answer_all(chat, list(picks))
        assert chat.vars["mini_result"]["band"] == band, picks


def test_questionnaire_rule_raises_an_alert_whose_detail_holds_only_scores() -> None:
    chat = Chat(library(QUESTIONNAIRE), "t", variables={"week": "w", "alias": "Sam"})
    effects = answer_all(chat, ["Not at all", "Not at all", "Several days"])
    alert = of(Alert, effects)[0]
    assert (alert.reason, alert.level, alert.flow) == ("self_harm_item", "urgent", "t")
    assert alert.detail == {"instrument": "mini", "total": 1, "q9": 1}
    assert chat.vars["mini_result"]["alerts"] == ["self_harm_item"]
    assert "Sam" not in str(alert)


def test_questionnaire_timepoint_defaults_to_adhoc_and_typed_labels_work() -> None:
    lib = library(QUESTIONNAIRE.replace('      timepoint: "{{ week }}"\n', ""))
    chat = Chat(lib, "t")
    chat.send("not at all")
    chat.send("3")  # the score 3: "Nearly every day"
    effects = chat.send("Several days")
    score = of(Score, effects)[0]
    assert score.timepoint == "adhoc"
    assert score.items == {"q1": 0, "q2": 3, "q9": 1}


def test_questionnaire_reprompts_the_same_item_on_a_misfit() -> None:
    chat = Chat(library(QUESTIONNAIRE), "t", variables={"week": "w"})
    token = chat.token
    effects = chat.send("maybe")
    assert texts(effects) == [
        "Sorry, I didn't catch that. Please tap one of the buttons.",
        "(1/3) Little interest",
    ]
    assert chat.token == token
    assert chat.state.scores == {}


# ----- assign, handover, alert ------------------------------------------------------------


SIDE_EFFECTS = single("""
  s:
    assign: {exercise: mood_diary, remind_after: P1D}
    next: h
  h:
    handover: patient_asked_to_talk
    say: A helper will be in touch.
    next: a
  a:
    alert: {reason: worry, level: warning}
    next: e
  e:
    end: completed
""")


def test_assign_handover_and_alert_emit_their_effects_in_order() -> None:
    chat = Chat(library(SIDE_EFFECTS), "t")
    kinds = [e.kind for e in chat.effects]
    assert kinds == [
        "flow_started",
        "assign",
        "say",
        "handover",
        "alert",
        "flow_finished",
    ]
    assign = of(AssignExercise, chat.effects)[0]
    assert (assign.exercise, assign.remind_after) == ("mood_diary", timedelta(days=1))
    assert of(Handover, chat.effects)[0].reason == "patient_asked_to_talk"
    alert = of(Alert, chat.effects)[0]
    assert (alert.reason, alert.level, alert.detail) == ("worry", "warning", {})


# ----- waiting and timeouts ---------------------------------------------------------------


WAIT = single("""
  s:
    say: Breathe for a minute.
    wait: PT1M
    next: back
  back:
    say: Welcome back.
    end: completed
""")


def test_wait_schedules_a_timeout_and_goes_on_when_it_fires() -> None:
    chat = Chat(library(WAIT), "t")
    schedule = of(ScheduleTimeout, chat.effects)[0]
    assert schedule.after == timedelta(minutes=1)
    assert chat.state.awaiting is not None
    assert chat.state.awaiting.input == "wait"
    assert chat.send("hello?") == ()  # typing while we wait changes nothing
    assert chat.where == "s"
    effects = chat.timeout(schedule.token)
    assert texts(effects) == ["Welcome back."]
    assert chat.state.outcome == "completed"


TIMEOUT = single("""
  s:
    ask: Shall we start?
    input: yes_no
    save_as: go
    yes: e
    no: e
    timeout: {after: P1D, next: reminder}
  reminder:
    ask: Just checking in. Shall we start?
    input: yes_no
    save_as: go
    yes: e
    no: e
    timeout: {after: P2D, next: give_up}
  give_up:
    say: I'll leave it here.
    end: abandoned
  e:
    end: completed
""")


def test_ask_timeout_reminds_then_gives_up() -> None:
    chat = Chat(library(TIMEOUT), "t")
    first = of(ScheduleTimeout, chat.effects)[0]
    assert first.after == timedelta(days=1)
    effects = chat.timeout()
    assert chat.where == "reminder"
    second = of(ScheduleTimeout, effects)[0]
    assert second.after == timedelta(days=2)
    assert second.token != first.token
    stale = chat.timeout(first.token)
    assert [e.kind for e in stale] == ["stale"]
    assert chat.where == "reminder"
    effects = chat.timeout()
    assert texts(effects) == ["I'll leave it here."]
    assert chat.state.outcome == "abandoned"


def test_an_answer_before_the_timeout_makes_the_timeout_stale() -> None:
    chat = Chat(library(TIMEOUT), "t")
    token = chat.token
    chat.tap("Yes")
    assert chat.state.outcome == "completed"
    assert [e.kind for e in chat.timeout(token)] == ["stale"]


# ----- call, jump, end --------------------------------------------------------------------


CALLER = """
id: main
title: Main
start: s
states:
  s:
    call: {flow: sub, with: {timepoint: baseline}}
    next: after
  after:
    say: Back with {{ answer }} ({{ last_outcome }}).
    next: j
  j:
    jump: {flow: other, with: {from_main: true}}
"""

SUB = """
id: sub
title: Sub
start: q
states:
  q:
    ask: At {{ timepoint }}, pick
    buttons:
      - {label: A, value: a}
    save_as: answer
    next: inner
  inner:
    call: leaf
    next: done
  done:
    end: finished_sub
"""

LEAF = """
id: leaf
title: Leaf
start: l
states:
  l:
    say: In the leaf.
    end: leafed
"""

OTHER = """
id: other
title: Other
start: o
states:
  o:
    say: Other flow, from main {{ from_main }}.
    end: completed
"""


def test_call_passes_with_and_returns_to_next_through_nested_calls() -> None:
    chat = Chat(library(CALLER, SUB, LEAF, OTHER), "main")
    assert chat.last_ask.html == "At baseline, pick"
    assert chat.state.current.flow == "sub"
    assert [frame.flow for frame in chat.state.stack] == ["main"]
    effects = chat.tap("A")
    assert texts(effects) == [
        "In the leaf.",
        "Back with a (finished_sub).",
        "Other flow, from main True.",
    ]
    finished = [(e.flow, e.outcome) for e in of(FlowFinished, effects)]
    assert finished == [
        ("leaf", "leafed"),
        ("sub", "finished_sub"),
        ("main", "jumped"),
        ("other", "completed"),
    ]
    started = [e.flow for e in of(FlowStarted, chat.history)]
    assert started == ["main", "sub", "leaf", "other"]
    assert chat.state.status == "finished"
    assert chat.state.outcome == "completed"
    assert chat.state.stack == ()


def test_a_call_to_an_unknown_flow_ends_the_run_with_a_problem() -> None:
    lib = library(CALLER)  # no `sub` flow
    chat = Chat(lib, "main")
    assert [e.kind for e in chat.effects][-2:] == ["problem", "flow_finished"]
    assert chat.state.outcome == "error"
