"""Misfits and reprompts, stale buttons, forged options, finished runs and re-asking."""

from __future__ import annotations

from engine_support import Chat, labels, library, of, texts

from flows.runtime import Ask, SaveAnswer, Stale


def flow(states: str) -> str:
    return f"id: t\ntitle: T\nstart: s\nstates:\n{states}"


CUSTOM = flow("""
  s:
    ask: {en: Are you 18 or older?, zh: 你年满 18 岁了吗？}
    input: yes_no
    save_as: adult
    reprompt: {en: "Please tap Yes or No, {{ alias }}.", zh: 请点“是”或“否”。}
    max_misfits: 3
    on_misfits: helper
    yes: e
    no: e
  helper:
    say: Let me get someone to help.
    handover: cannot_answer
    next: e
  e:
    end: completed
""")


def test_custom_reprompt_text_is_rendered_in_the_patients_language() -> None:
    chat = Chat(library(CUSTOM), "t", {"alias": "Sam"})
    effects = chat.send("perhaps")
    ask = of(Ask, effects)[0]
    assert ask.html == "Please tap Yes or No, Sam."
    assert ask.reprompt is True
    assert labels(ask) == ["Yes", "No"]
    chat = Chat(library(CUSTOM), "t", {"language": "zh"})
    assert texts(chat.send("也许")) == ["请点“是”或“否”。"]


def test_max_misfits_goes_to_on_misfits_and_resets_the_count() -> None:
    chat = Chat(library(CUSTOM), "t")
    chat.send("a")
    chat.send("b")
    assert chat.state.misfits == 2
    assert chat.where == "s"
    effects = chat.send("c")
    assert texts(effects) == ["Let me get someone to help."]
    assert [e.kind for e in effects if e.kind == "handover"] == ["handover"]
    assert chat.state.misfits == 0
    assert not of(SaveAnswer, effects)


def test_a_reprompt_keeps_the_token_so_the_first_buttons_still_work() -> None:
    chat = Chat(library(CUSTOM), "t")
    first = chat.last_ask
    chat.send("what?")
    assert chat.last_ask.token == first.token
    chat.press(0, first.token)  # the "Yes" under the first message
    assert chat.vars["adult"] is True
    assert chat.state.outcome == "completed"


DEFAULTS = flow("""
  s:
    ask: Pick
    buttons: [{label: A}, {label: B}]
    next: n
  n:
    ask: Number
    input: number
    min: 1
    max: 5
    next: y
  y:
    ask: Yes or no
    input: yes_no
    yes: tm
    no: tm
  tm:
    ask: Time
    input: time
    next: d
  d:
    ask: Date
    input: date
    next: x
  x:
    ask: Words
    input: text
    max_length: 20
    next: e
  e:
    end: completed
""")


def reprompts(language: str) -> list[str]:
    chat = Chat(library(DEFAULTS), "t", {"language": language})
    found = []
    for good in ["A", "3", "yes", "9:00", "today", "ok"]:
        found += texts(chat.send("x" * 30))
        chat.send(good)
    assert chat.state.outcome == "completed"
    return found


def test_default_reprompts_in_english() -> None:
    assert reprompts("en") == [
        "Sorry, I didn't catch that. Please tap one of the buttons.",
        "Please send a number from 1 to 5.",
        "Sorry, I didn't catch that. Please answer yes or no.",
        "Please send a time of day, like 09:00 or 6pm.",
        "Please send a date, like 2026-03-14, or say today or tomorrow.",
        "Could you say that in words, in under 20 characters?",
    ]


def test_default_reprompts_in_chinese() -> None:
    found = reprompts("zh")
    assert found[0] == "抱歉，我没看懂。请点一下下面的按钮。"
    assert found[1] == "请发送一个 1 到 5 之间的数字。"
    assert all(not text.isascii() for text in found)


def test_an_unknown_language_falls_back_to_english_phrases() -> None:
    assert reprompts("fr")[0] == "Sorry, I didn't catch that. Please tap one of the buttons."


# ----- stale tokens and forged options ----------------------------------------------------


TWO_QUESTIONS = flow("""
  s:
    ask: First
    buttons: [{label: A, value: a}, {label: B, value: b}]
    save_as: first
    next: q2
  q2:
    ask: Second
    buttons: [{label: C, value: c}, {label: D, value: d}]
    save_as: second
    next: e
  e:
    end: completed
""")


def test_a_button_of_an_earlier_question_is_stale_and_changes_nothing() -> None:
    chat = Chat(library(TWO_QUESTIONS), "t")
    old = chat.token
    chat.tap("A")
    before = chat.state
    effects = chat.press(1, old)
    assert effects == (Stale(token=old),)
    assert chat.state == before
    assert "second" not in chat.vars


def test_forged_options_and_random_tokens_are_stale() -> None:
    chat = Chat(library(TWO_QUESTIONS), "t")
    before = chat.state
    for option, token in [(2, chat.token), (-1, chat.token), (10**9, chat.token), (0, "zzz")]:
        effects = chat.press(option, token)
        assert [e.kind for e in effects] == ["stale"]
        assert chat.state == before


def test_a_press_on_a_typed_question_is_stale() -> None:
    chat = Chat(library(DEFAULTS), "t")
    chat.tap("A")
    before = chat.state
    assert [e.kind for e in chat.press(0)] == ["stale"]
    assert chat.state == before


def test_events_after_the_run_finished_change_nothing() -> None:
    chat = Chat(library(TWO_QUESTIONS), "t")
    first = chat.token
    chat.tap("A")
    chat.tap("D")
    done = chat.state
    assert done.status == "finished"
    assert done.awaiting is None
    assert chat.send("hello") == ()
    assert chat.press(0, first) == (Stale(token=first),)
    assert [e.kind for e in chat.timeout(first)] == ["stale"]
    assert chat.reask() == ()
    assert chat.migrate() == ()
    assert chat.state == done


# ----- reask ------------------------------------------------------------------------------


def test_reask_sends_the_open_question_again_with_the_same_token() -> None:
    chat = Chat(library(TWO_QUESTIONS), "t")
    chat.tap("B")
    asked = chat.last_ask
    before = chat.state
    effects = chat.reask()
    assert effects == (
        Ask(
            html="Second", token=asked.token, input="buttons", buttons=asked.buttons, numbered=True
        ),
    )
    assert chat.state == before
    chat.press(0, asked.token)
    assert chat.vars == {"first": "b", "second": "c", "last_outcome": "completed"}


def test_reask_repeats_the_current_questionnaire_item() -> None:
    lib = library(
        flow("""
  s:
    questionnaire:
      id: quiz
      options: [{label: No, score: 0}, {label: Yes, score: 1}]
      items:
        - {id: a, text: First item}
        - {id: b, text: Second item}
    next: e
  e:
    end: completed
""")
    )
    chat = Chat(lib, "t")
    chat.tap("Yes")
    token = chat.token
    effects = chat.reask()
    assert texts(effects) == ["(2/2) Second item"]
    assert of(Ask, effects)[0].token == token
    assert chat.state.scores == {"a": 1}


def test_reask_during_a_wait_says_nothing() -> None:
    lib = library(flow("  s:\n    wait: 1h\n    next: e\n  e:\n    end: completed\n"))
    chat = Chat(lib, "t")
    assert chat.reask() == ()
