"""Crisis language in two tiers, however it is typed; look-alikes are not crisis language."""

from pathlib import Path

import pytest

from bot.care.crisis import CrisisTerms, CrisisTermsError, load_terms

TERMS = load_terms(Path(__file__).parents[3] / "flows/programme/safety/crisis_terms.yml")


@pytest.mark.parametrize(
    "text",
    [
        "i wanna kms",
        "kys",
        "I took all my pills",
        "I've taken too many pills",
        "i want 2 die",
        "suicidle",
        "I'm going to jump",
        "I want to unalive myself",
        "gonna off myself",
        "Honestly I want to kill myself",
        "I'M SUICIDAL",
        "thinking about self-harm again",
        "I feel like ending my life tonight",
        "I’d be better off dead",
        "just took 30 paracetamol",
        "一死了之",
        "我吃了很多药",
        "割脉",
        "想结束自己",
        "我不想活了",
        "有时候我想自杀",
    ],
)
def test_explicit_risk(text: str) -> None:
    assert TERMS.assess(text) == "explicit"
    assert TERMS.found_in(text)


@pytest.mark.parametrize(
    "text",
    [
        "I want to end it",
        "I'm thinking of ending things",
        "I can't go on",
        "nobody would miss me if I was gone",
        "I'm such a burden to everyone",
        "this is goodbye",
        "everything feels hopeless",
        "活够了",
        "我撑不下去了",
        "我是大家的累赘",
    ],
)
def test_possible_risk(text: str) -> None:
    assert TERMS.assess(text) == "possible"


@pytest.mark.parametrize(
    "text",
    [
        "killing time",
        "I was just killing time before work",
        "this traffic is killing me",
        "dying to see the film",
        "I could murder a pizza",
        "my phone died",
        "dead tired",
        "drop dead gorgeous",
        "shoot me an email",
        "That cake was to die for",
        "I took my pills this morning",
        "I can't go on the trip this weekend",
        "I ran 5 kms today",
        "笑死我了",
        "累死了",
        "饿死了",
        "死机",
        "想死你了！",
        "我打算去计划自己的活动",
        "skills and kilometres",
    ],
)
def test_everyday_phrases_are_not_crisis(text: str) -> None:
    assert TERMS.assess(text) is None
    assert not TERMS.found_in(text)


def test_explicit_wins_over_possible() -> None:
    assert TERMS.assess("I can't go on, I want to kill myself") == "explicit"


@pytest.mark.parametrize(
    ("typed", "means"),
    [
        ("I WANT TO DIE", "case"),
        ("ｉ　ｗａｎｔ　ｔｏ　ｄｉｅ", "full-width letters"),
        ("i want to dieeee", "held-down letters"),
        ("i'm gonna kiiill myself", "held-down letters"),
        ("i wanna die", "text-speak"),
        ("i want 2 die", "digits for words"),
        ("u know i want to kill myself", "letters for words"),
        ("I don’t want to live anymore", "curly apostrophe"),
        ("i dont want to live anymore", "no apostrophe"),
        ("i do not want to live anymore", "spelled out"),
        ("i want to kill myslef", "a typo in a long word"),
        ("k1ll myself", "digits for letters"),
        ("i want to… die", "an ellipsis is a pause"),
        ("#selfharm", "a hashtag"),
        ("i want to un-alive myself", "a hyphen"),
        ("我想自殺", "traditional characters"),
        ("割脈", "traditional characters"),
        ("我 想 死", "spaces between characters"),
    ],
)
def test_how_it_is_typed_does_not_matter(typed: str, means: str) -> None:
    assert TERMS.assess(typed) == "explicit", means


def test_typos_are_not_guessed_in_short_words_or_from_another_first_letter() -> None:
    assert TERMS.assess("i want to dye") is None  # "dye" is not "die"
    assert TERMS.assess("i'm willing myself to get up") is None  # not "killing myself"


def test_a_look_alike_hides_only_what_lies_inside_it() -> None:
    assert TERMS.assess("just killing time, but I want to die") == "explicit"
    assert TERMS.assess("想死你了，但我真的想死") == "explicit"
    assert TERMS.assess("I ran 2 kms") is None
    assert TERMS.assess("i want 2 kms") == "explicit"  # "want to kms" lies outside "2 kms"


def test_no_typo_is_guessed_inside_a_look_alike() -> None:
    assert TERMS.assess("I've overdone it with the chocolate") is None
    assert TERMS.assess("i overdoes it") is None
    assert TERMS.assess("i overdosed") == "explicit"


def test_a_sentence_end_is_part_of_some_phrases() -> None:
    assert TERMS.assess("I can't go on.") == "possible"
    assert TERMS.assess("i can't go on 😭 help") == "possible"
    assert TERMS.assess("I can't go on the bus today") is None


def test_a_number_of_pills_counts_from_ten() -> None:
    assert TERMS.assess("took 2 pills for my headache") is None
    assert TERMS.assess("took 20 pills") == "explicit"
    assert TERMS.assess("i took twenty pills") == "explicit"


def test_no_terms_find_nothing() -> None:
    empty = CrisisTerms.empty()
    assert empty.is_empty
    assert empty.assess("I want to kill myself") is None
    assert not TERMS.is_empty


def test_a_broken_terms_file_is_refused_with_its_lines(tmp_path: Path) -> None:
    path = tmp_path / "crisis_terms.yml"
    path.write_text("en:\n  explicit:\n    - (kill myself\n  possible: []\n", encoding="utf-8")
    with pytest.raises(CrisisTermsError) as raised:
        load_terms(path)
    assert f"{path}:3:7: error: `(` is never closed" in str(raised.value)
    assert f"{path}:4:3: error: `possible` is empty" in str(raised.value)
