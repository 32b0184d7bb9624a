"""The Mermaid diagram of a flow: nodes by kind, every kind of edge, stable output."""

from __future__ import annotations

from datetime import timedelta

import pytest
from tools_support import FIXTURE_PROGRAMME

from flows.graph import escape, iso_duration, mermaid
from flows.library import load_programme
from flows.model import Flow


def fixture_flow(flow_id: str) -> Flow:
    library, problems = load_programme([FIXTURE_PROGRAMME])
    assert not problems
    return library.get(flow_id)


def test_every_state_is_a_node_shaped_by_its_kind() -> None:
    chart = mermaid(fixture_flow("greet"), "en").splitlines()
    assert chart[0] == "flowchart TD"
    for node in [
        's_welcome["welcome<br/><i>say</i>"]',
        's_consent("consent<br/><i>ask: buttons</i>")',
        's_check{"check<br/><i>branch</i>"}',
        's_low[["low<br/><i>call: screen</i>"]]',
        's_tip[/"tip<br/><i>assign</i>"\\]',
        's_pause(("pause<br/><i>wait: PT2H</i>"))',
        's_helper>"helper<br/><i>handover</i>"]',
        's_done(["done<br/><i>end: completed</i>"])',
        'f_screen[["flow screen"]]',
    ]:
        assert f"    {node}" in chart


def test_every_way_out_is_an_edge() -> None:
    chart = mermaid(fixture_flow("greet"), "en").splitlines()
    for edge in [
        "start_((start)) --> s_welcome",
        "s_welcome --> s_consent",
        's_consent -->|"I agree"| s_name',
        's_consent -->|"Not now"| s_declined',
        's_consent -.->|"after P1D"| s_reminder',
        's_mood -.->|"after 2 misfits"| s_helper',
        's_check -->|"mood #lt;= 3"| s_low',
        's_check -->|"else"| s_fine',
        's_low -->|"call"| f_screen',
        "s_low --> s_pause",
        's_tip_offer -->|"yes"| s_tip',
        's_tip_offer -->|"no"| s_pause',
        's_pause -.->|"after PT2H"| s_done',
    ]:
        assert f"    {edge}" in chart


def test_the_output_is_stable() -> None:
    first = mermaid(fixture_flow("greet"), "en")
    assert mermaid(fixture_flow("greet"), "en") == first
    assert first.endswith("\n")


def test_odd_names_labels_and_missing_targets_stay_valid_mermaid() -> None:
    flow = Flow.model_validate(
        {
            "id": "odd",
            "title": "Odd",
            "start": "end",
            "states": {
                "end": {
                    "ask": "Pick",
                    "buttons": [{"label": {"zh": "好", "en": 'Say "hi"'}, "next": "gone"}],
                },
                "leave": {"jump": "other flow"},
            },
        }
    )
    chart = mermaid(flow, "en")
    assert "start_((start)) --> s_end" in chart  # `end` alone is a Mermaid keyword
    assert 's_end -->|"Say #quot;hi#quot;"| missing_gone' in chart
    assert 'missing_gone["gone<br/><i>no such state</i>"]' in chart
    assert 's_leave -->|"jump"| f_other_flow' in chart
    assert 's_end -->|"好"|' in mermaid(flow, "zh")


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (timedelta(days=1), "P1D"),
        (timedelta(hours=4), "PT4H"),
        (timedelta(days=2, minutes=30), "P2DT30M"),
        (timedelta(seconds=45), "PT45S"),
        (timedelta(0), "PT0S"),
    ],
)
def test_durations_read_as_researchers_write_them(value: timedelta, text: str) -> None:
    assert iso_duration(value) == text


def test_escape_keeps_labels_inside_their_quotes() -> None:
    assert escape('a "b" <c> #1\nnext') == "a #quot;b#quot; #lt;c#gt; #35;1 next"
