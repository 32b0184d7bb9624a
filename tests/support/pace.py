"""How fast this machine is right now, measured, so that waits for a child process scale with it.

A CI machine shared with other jobs can take many times longer than a quiet laptop to start
Python and import aiogram and SQLAlchemy; a fixed wait long enough for the one is a guess for
the other.
"""

from __future__ import annotations

import functools
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# What `daybreak run` does before its first poll, beyond these imports (reading the programme,
# migrating the database), costs a few times as much again.
START_FACTOR = 4.0


@functools.cache
def import_seconds() -> float:
    """Seconds a fresh interpreter takes to import the bot's Telegram side (measured once)."""
    started = time.monotonic()
    subprocess.run(
        [sys.executable, "-c", "import bot.cli, bot.telegram.runner"], cwd=ROOT, check=True
    )
    return time.monotonic() - started


def start_budget(floor: float) -> float:
    """How long a bot process may take to start: `floor`, or more on a slow machine."""
    return max(floor, START_FACTOR * import_seconds())
