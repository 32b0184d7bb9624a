"""`daybreak chat` persists: quit in the middle, start again, and carry on where you were."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


def chat(folder: Path, *lines: str) -> str:
    """Run `python -m bot chat --user t1` in `folder` with typed lines; its output."""
    env = {
        **os.environ,
        "DAYBREAK_DATABASE__URL": f"sqlite+aiosqlite:///{folder / 'chat.db'}",
        "DAYBREAK_SECURITY__KEY_FILE": str(folder / "data.key"),
    }
    env.pop("DAYBREAK_CONFIG", None)
    env.pop("DAYBREAK_SECURITY__DATA_KEY", None)
    done = subprocess.run(
        [sys.executable, "-m", "bot", "chat", "--user", "t1"],
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        cwd=folder,
        env=env,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_chat_continues_where_it_was_after_quitting(tmp_path: Path):
    # Consent (1 = I agree), 18+ (1 = Yes), a name, then quit in the middle.
    first = chat(tmp_path, "1", "1", "Juniper", "/quit")
    assert "Would you like to start Daybreak?" in first
    assert "Are you 18 or older?" in first
    assert "Nice to meet you, Juniper." in first
    assert "Bye for now" in first
    assert (tmp_path / "data.key").stat().st_mode & 0o077 == 0  # owner-only key file

    # Start again: the open question (language) is asked again, then the country and its time
    # (1 = the first country, 1 = Yes); then a full PHQ-9 and GAD-7, typed as the scores on the
    # paper forms: "several days" (1) eight times, then "not at all" (0) for item 9, the
    # difficulty question and the GAD-7.
    answers = ["1", "1", "1"] + ["1"] * 8 + ["0"] + ["0"] + ["0"] * 7
    second = chat(tmp_path, *answers, "/quit")
    assert "Would you like to start Daybreak?" not in second
    assert second.index("Which language would you like me to use?") < second.index("9 short")
    assert "Your score is <b>" not in second  # shown as terminal text
    assert "Your score is 8 out of 27" in second
    assert "That's everything for today, Juniper." in second

    # A third start: nothing open, so the enrolled patient gets the menu.
    third = chat(tmp_path, "/quit")
    assert "Hi Juniper! What would you like to do?" in third
