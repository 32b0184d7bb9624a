"""Unstaffed, no text of the shipped programme promises a person: every text, every language."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from flows.checks import nodes
from flows.checks.base import FlowFile
from flows.checks.texts import variants
from flows.expressions import render
from flows.loader import load_flow_file

PROGRAMME = Path(__file__).resolve().parents[3] / "flows" / "programme"
# What a promise of a person sounds like, in English and Chinese (the bot's own "I'll check in
# with you" is no such promise: the re-check comes).
PROMISE = re.compile(
    r"let (a person|the team|our support team) know|a person from|told a person|in touch"
    r"|trained helper|asked a helper|a helper can|team can see|someone can check in"
    r"|they'll (check in|contact you)"
    r"|通知了|工作人员会|团队的工作人员|工作人员你|告诉了团队|团队能看到你|支持团队|请一位助手|助手可以|助手会",
    re.IGNORECASE,
)


def programme_texts(staffed: bool) -> Iterator[tuple[str, str]]:
    """Every text a patient may see, rendered as the app would: (where, text)."""
    for path in sorted(PROGRAMME.rglob("*.yaml")):
        if path.name.endswith(".test.yaml"):
            continue
        parsed, _ = load_flow_file(path)
        if parsed is None:
            continue
        file = FlowFile(parsed)
        for at, text in nodes.texts(file):
            for where, source in variants(at, text):
                shown = render(source, {"staffed": staffed, "recheck_again": True})
                yield f"{path.relative_to(PROGRAMME)}:{'.'.join(map(str, where))}", shown


def test_unstaffed_no_text_promises_a_person() -> None:
    promises = [
        f"{where}: {text}" for where, text in programme_texts(False) if PROMISE.search(text)
    ]
    assert promises == []


def test_staffed_the_same_texts_do_promise_one() -> None:
    # The pattern above really finds the promises: staffed, the programme makes them.
    promising = {
        where.split(":")[0] for where, text in programme_texts(True) if PROMISE.search(text)
    }
    assert {
        "safety/safety.yaml",
        "safety/safety_recheck.yaml",
        "onboarding.yaml",
        "example_lesson.yaml",
        "tools/thought_record.yaml",
    } <= promising
