"""A person goes through module 1 and the mood diary in `daybreak chat`, as they would by hand."""

from __future__ import annotations

import asyncio
import os
import re
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

CHOICE = re.compile(r"^  (\d+)\. (.+)$", re.MULTILINE)
VALUED = re.compile(r"^  (\d+)(?: (.*))?$", re.MULTILINE)  # a scale point or a score: "0 Very low"
AVOID = re.compile(r"break|not now|later|skip|stop|^no$", re.IGNORECASE)
PROMPT = b"> "


class Terminal:
    """`daybreak chat` in a subprocess: read up to each prompt, then type a line."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.screen = ""

    async def read_to_prompt(self) -> str:
        """Everything printed since the last line typed."""
        assert self.process.stdout is not None
        chunk = await asyncio.wait_for(self.process.stdout.readuntil(PROMPT), 30)
        text = chunk.decode("utf-8")
        self.screen += text
        return text

    async def type(self, line: str) -> str:
        """Type a line and return what the programme printed in reply."""
        assert self.process.stdin is not None
        self.process.stdin.write(line.encode("utf-8") + b"\n")
        await self.process.stdin.drain()
        return await self.read_to_prompt()


def answer_for(printed: str, asked: dict[str, int]) -> str:
    """Pick a sensible answer: a choice (another one if asked again), else words."""
    found = list(CHOICE.finditer(printed)) or list(VALUED.finditer(printed))
    choices = [(match.group(1), match.group(2) or "") for match in found]
    if "7" in [value for value, _ in choices] and not CHOICE.search(printed):
        return "7"  # a mood scale shows its values: a fairly good day
    if choices:
        question = printed[: found[0].start()].strip()[-120:]
        tries = asked[question] = asked.get(question, -1) + 1
        usable = [number for number, label in choices if not AVOID.search(label)]
        usable = usable or [choices[0][0]]
        return usable[tries % len(usable)]
    if re.search(r"number|0 to 10|0-10", printed):
        return "6"
    return "I'd like to feel more like myself and see friends again."


async def start_chat(folder: Path, *args: str) -> Terminal:
    env = {
        **os.environ,
        "DAYBREAK_DATABASE__URL": f"sqlite+aiosqlite:///{folder / 'chat.db'}",
        "DAYBREAK_SECURITY__KEY_FILE": str(folder / "data.key"),
    }
    env.pop("DAYBREAK_CONFIG", None)
    env.pop("DAYBREAK_SECURITY__DATA_KEY", None)
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "chat", "--user", "m1", *args,
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE, cwd=folder, env=env,
    )  # fmt: skip
    terminal = Terminal(process)
    await terminal.read_to_prompt()
    return terminal


async def finish(terminal: Terminal) -> None:
    assert terminal.process.stdin is not None
    terminal.process.stdin.write(b"/quit\n")
    await terminal.process.stdin.drain()
    await asyncio.wait_for(terminal.process.communicate(), 30)
    assert terminal.process.returncode == 0


async def test_module_1_then_the_mood_diary_in_a_terminal(tmp_path: Path) -> None:
    terminal = await start_chat(tmp_path, "--flow", "module_1")
    assert "welcome to week 1 of Daybreak" in terminal.screen
    asked: dict[str, int] = {}
    printed = terminal.screen
    for _ in range(150):
        if "Next week we'll look at how what we do affects our mood" in printed:
            break
        printed = await terminal.type(answer_for(printed, asked))
    else:
        raise AssertionError(f"module 1 did not finish:\n{terminal.screen[-1500:]}")
    assert "mood diary" in terminal.screen.lower()
    printed = await terminal.type("/tools")
    number = next(n for n, label in CHOICE.findall(printed) if "Mood diary" in label)
    printed = await terminal.type(number)
    for _ in range(12):
        if "Saved: 7 out of 10" in printed:
            break
        printed = await terminal.type(answer_for(printed, asked))
    else:
        raise AssertionError(f"the mood diary did not save:\n{terminal.screen[-1500:]}")
    printed = await terminal.type("/tools")
    number = next(n for n, label in CHOICE.findall(printed) if "My entries" in label)
    printed = await terminal.type(number)
    assert "mood diary" in printed
    await finish(terminal)
