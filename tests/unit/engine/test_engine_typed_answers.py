"""Typed answers mean what the patient means: a score is a score, a scale point is itself.

A typed number is the score printed on a questionnaire's paper form or the point on a scale; it
is a button's position only where no number can mean anything else. Words a flow lists with
`also:` answer like the button they belong to.
"""

from __future__ import annotations

from engine_support import Chat, library, of, texts

from flows.runtime import Alert, Ask, SaveAnswer, Score


def flow(states: str) -> str:
    return f"id: t\ntitle: T\nstart: s\nstates:\n{states}"


# Three PHQ-9-like items with the form's own scores and its item-9 rule.
FORM = flow("""
  s:
    questionnaire:
      id: mini
      options:
        - {label: Not at all, score: 0}
        - {label: Several days, score: 1}
        - {label: More than half the days, score: 2}
        - {label: Nearly every day, score: 3}
      items:
        - {id: q1, text: Little interest}
        - {id: q2, text: Feeling down}
        - {id: q9, text: Thoughts of self-harm}
      rules:
        - if: q9 > 0
          alert: {reason: self_harm_item, level: urgent}
    next: e
  e:
    end: completed
""")


def typed(*answers: str, language: str = "en", form: str = FORM) -> Chat:
    chat = Chat(library(form), "t", {"language": language})
    for answer in answers:
        chat.send(answer)
    return chat


def test_a_typed_number_is_the_score_on_the_form() -> None:
    chat = typed("3", "0", "2")
    (score,) = of(Score, chat.history)
    assert score.items == {"q1": 3, "q2": 0, "q9": 2}
    assert score.total == 5


def test_a_typed_1_at_item_9_scores_1_and_raises_the_same_alert_as_a_tap() -> None:
    by_typing = typed("0", "0", "1")
    tapped = Chat(library(FORM), "t", {"language": "en"})
    for label in ("Not at all", "Not at all", "Several days"):
        tapped.tap(label)
    assert of(Alert, by_typing.history) == of(Alert, tapped.history)
    (alert,) = of(Alert, by_typing.history)
    assert (alert.reason, alert.level, alert.detail) == (
        "self_harm_item",
        "urgent",
        {"instrument": "mini", "total": 1, "q9": 1},
    )
    assert by_typing.vars["mini"]["items"]["q9"] == 1


def test_a_typed_0_is_not_at_all_and_no_alert_is_raised() -> None:
    chat = typed("0", "0", "0")
    assert chat.vars["mini"]["items"] == {"q1": 0, "q2": 0, "q9": 0}
    assert not of(Alert, chat.history)


def test_a_number_that_is_no_score_asks_the_same_item_again() -> None:
    chat = Chat(library(FORM), "t")
    token = chat.token
    effects = chat.send("4")
    assert texts(effects) == [
        "Sorry, I didn't catch that. Please tap one of the buttons.",
        "(1/3) Little interest",
    ]
    assert chat.token == token
    assert chat.state.scores == {}


def test_questionnaire_buttons_carry_their_scores_and_are_not_numbered() -> None:
    ask = Chat(library(FORM), "t").last_ask
    assert [(b.label, b.value) for b in ask.buttons] == [
        ("Not at all", 0),
        ("Several days", 1),
        ("More than half the days", 2),
        ("Nearly every day", 3),
    ]
    assert ask.numbered is False


def test_typed_labels_and_also_words_still_answer_an_item() -> None:
    words = FORM.replace(
        "{label: Not at all, score: 0}",
        "{label: Not at all, score: 0, also: {en: [never], zh: [从不]}}",
    )
    chat = typed("  SEVERAL DAYS! ", "Never", "nearly every day", form=words)
    assert chat.vars["mini"]["items"] == {"q1": 1, "q2": 0, "q9": 3}
    chat = typed("从不", "0", "0", language="zh", form=words)
    assert chat.vars["mini"]["items"]["q1"] == 0


QUIZ = flow("""
  s:
    questionnaire:
      id: quiz
      items:
        - id: spot
          text: A thought, a feeling or an action?
          options:
            - {label: Thought, score: 1}
            - {label: Feeling, score: 0}
            - {label: Action, score: 0}
    next: e
  e:
    end: completed
""")


def test_a_quiz_whose_scores_repeat_is_answered_by_position() -> None:
    chat = Chat(library(QUIZ), "t")
    ask = chat.last_ask
    assert ask.numbered is True
    assert [b.value for b in ask.buttons] == [None, None, None]
    chat.send("2")
    assert chat.vars["quiz"]["items"] == {"spot": 0}
    chat = Chat(library(QUIZ), "t")
    chat.send("1")
    assert chat.vars["quiz"]["items"] == {"spot": 1}


# ----- scales -----------------------------------------------------------------------------


SCALE = flow("""
  s:
    ask: Mood from 0 to 10?
    input: scale
    min: 0
    max: 10
    labels: {0: Very low, 10: Very good}
    save_as: mood
    next: e
  e:
    end: completed
""")


def test_a_typed_5_on_a_0_to_10_scale_records_5() -> None:
    chat = Chat(library(SCALE), "t")
    effects = chat.send("5")
    assert chat.vars["mood"] == 5
    assert of(SaveAnswer, effects)[0].value == 5


def test_scale_buttons_show_their_values_and_are_not_numbered() -> None:
    ask = of(Ask, Chat(library(SCALE), "t").effects)[0]
    assert ask.numbered is False
    assert [b.value for b in ask.buttons] == list(range(11))
    assert ask.buttons[0].label == "0 Very low"


def test_a_fraction_is_no_point_on_a_scale() -> None:
    chat = Chat(library(SCALE), "t")
    chat.send("7.5")
    assert "mood" not in chat.vars
    assert chat.last_ask.reprompt


# ----- buttons ----------------------------------------------------------------------------


SAFE = flow("""
  s:
    ask: {en: Are you safe right now?, zh: 你现在安全吗？}
    buttons:
      - label: {en: "I'm safe right now", zh: 我现在是安全的}
        value: safe
        also: {en: [safe, fine, "yes"], zh: [安全, 没事]}
      - label: {en: "I'm not sure", zh: 我不确定}
        value: unsure
        also: {en: [not sure, "don't know"], zh: [不知道]}
      - label: {en: "I'm not safe", zh: 我不安全}
        value: not_safe
        also: {en: [not safe, unsafe, "no"], zh: [不安全]}
    save_as: safety
    next: e
  e:
    end: completed
""")


def answered(text: str, language: str = "en") -> object:
    chat = Chat(library(SAFE), "t", {"language": language})
    chat.send(text)
    return chat.vars.get("safety")


def test_also_words_answer_like_their_button_whatever_the_case_and_punctuation() -> None:
    assert answered("Not safe!") == "not_safe"
    assert answered("NO") == "not_safe"
    assert answered("unsafe.") == "not_safe"
    assert answered("dont know") == "unsure"
    assert answered("Fine") == "safe"
    assert answered("i’m not safe") == "not_safe"  # a curly apostrophe, as phones type it


def test_also_words_are_per_language() -> None:
    assert answered("不安全。", "zh") == "not_safe"
    assert answered("没事", "zh") == "safe"
    assert answered("unsafe", "zh") is None  # the English words are for English speakers


def test_a_typed_digit_is_the_position_where_no_label_is_a_number() -> None:
    assert answered("3") == "not_safe"
    assert answered("1") == "safe"
    assert answered("0") is None
    assert answered("4") is None
    assert Chat(library(SAFE), "t").last_ask.numbered is True


def test_words_that_only_contain_an_also_word_are_not_an_answer() -> None:
    # "not safe" inside a longer sentence must not be read as a tap on either button.
    assert answered("I'm not sure I'm safe") is None


COUNTS = flow("""
  s:
    ask: How many times?
    buttons:
      - {label: "1", value: one}
      - {label: "2", value: two}
      - {label: "5 or more", value: many}
    save_as: times
    next: e
  e:
    end: completed
""")


def test_where_labels_are_numbers_a_typed_number_is_never_a_position() -> None:
    chat = Chat(library(COUNTS), "t")
    assert chat.last_ask.numbered is False
    chat.send("2")
    assert chat.vars["times"] == "two"
    chat = Chat(library(COUNTS), "t")
    chat.send("3")  # the third button's position, but "3" is not what it says
    assert "times" not in chat.vars
    chat.send("5 or more")
    assert chat.vars["times"] == "many"


YES_NO = flow("""
  s:
    ask: Are you 18 or older?
    input: yes_no
    save_as: adult
    next: e
  e:
    end: completed
""")


def test_yes_no_reads_its_words_and_its_positions() -> None:
    for text, value in [("1", True), ("2", False), ("Yes!", True), ("nope", False)]:
        chat = Chat(library(YES_NO), "t")
        chat.send(text)
        assert chat.vars["adult"] is value, text
    assert Chat(library(YES_NO), "t").last_ask.numbered is True
