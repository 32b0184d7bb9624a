"""In `daybreak chat` a typed number means what it means on paper, and the screen says so.

Scales and questionnaires show the numbers that stand for their answers ("0 Not at all"), with
no numbering of their own beside them; buttons whose labels are words are numbered, and typing a
number picks that one.
"""

from __future__ import annotations

import io
import re
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from bot.app import App
from bot.console.chat import ConsoleChat
from scheduler.clock import FrozenClock
from tests.support.databases import app_settings, running_app

pytestmark = pytest.mark.slow

Answer = Callable[[str], str | None]  # what the person types, given what was printed since


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[App]:
    settings = app_settings(f"sqlite+aiosqlite:///{tmp_path / 'chat.db'}")
    async with running_app(settings, FrozenClock()) as built:
        yield built


async def chat(app: App, folder: Path, flow: str, answer: Answer) -> str:
    """Chat in `flow` until `answer` has nothing more to type; the whole screen."""
    out = io.StringIO()
    seen = 0

    async def read(prompt: str) -> str | None:
        nonlocal seen
        printed, seen = out.getvalue()[seen:], len(out.getvalue())
        out.write(prompt)
        seen += len(prompt)
        line = answer(printed)
        if line is not None:
            out.write(line + "\n")
            seen += len(line) + 1
        return line

    await ConsoleChat(app, user="t1", out=out, read=read, files=folder).run(flow)
    return out.getvalue()


def scripted(*lines: str) -> Answer:
    """Type these lines, one per prompt."""
    left = list(lines)
    return lambda _: left.pop(0) if left else None


async def test_the_mood_scale_shows_its_values_and_a_typed_7_is_7(app: App, tmp_path: Path) -> None:
    screen = await chat(app, tmp_path, "checkin", scripted("7", "2"))
    assert "\n  0 Very low\n  1\n  2\n" in screen
    assert "\n  10 Very good\n" in screen
    assert not re.search(r"^  \d+\. \d", screen, re.MULTILINE)  # no "1. 0 Very low"
    assert "\n  1. Add a note\n  2. No, that's all\n" in screen  # words are numbered
    assert "Glad to hear it's a better day!" in screen  # 7 is a good day; 6 would be "noted"


def phq9_answers(printed: str) -> str | None:
    """Score 0 on every PHQ-9 item, 1 (several days) on item 9, then answer "not safe"."""
    if "Are you safe right now?" in printed:
        return "not safe"
    if "Thoughts that you would be better off dead" in printed:
        return "1"
    if "how difficult have these problems made it" in printed:
        return "1"
    if "\n  0 Not at all\n" in printed:
        return "0"
    return None


async def test_typed_scores_at_the_phq9_start_the_safety_pathway(app: App, tmp_path: Path) -> None:
    screen = await chat(app, tmp_path, "phq9", phq9_answers)
    assert "\n  0 Not at all\n  1 Several days\n  2 More than half the days\n" in screen
    assert "1. Not at all" not in screen
    assert "didn't catch that" not in screen  # a typed 0 is an answer, not a mistake
    assert "You mentioned thoughts of being better off dead" in screen  # item 9 scored 1
    assert "\n  1. I'm safe right now\n  2. I'm not sure\n  3. I'm not safe\n" in screen
    assert "contact emergency services or a crisis line right now" in screen  # "not safe"
