"""Benchmark `daybreak run`'s start-up: seconds from launch to its first getUpdates.

The real `python -m bot run` against the fake Bot API on a fresh SQLite database (migrations
included), repeated; printed: each run, the median, and the share of it an interpreter spends
just importing the bot's Telegram side (measured the same way, in a fresh interpreter).

    .venv/bin/python bench/startup.py            # 5 runs
    .venv/bin/python bench/startup.py --runs 9
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.fakebot import FakeBotApi  # noqa: E402

TIMEOUT = 120.0


async def one_start(folder: Path) -> float:
    """Seconds from launching the bot to its first getUpdates."""
    async with FakeBotApi() as fake:
        env = {k: v for k, v in os.environ.items() if not k.startswith("DAYBREAK_")}
        env.update(
            DAYBREAK_TELEGRAM__TOKEN=fake.token,
            DAYBREAK_TELEGRAM__API_BASE_URL=fake.base_url,
            DAYBREAK_DATABASE__URL=f"sqlite+aiosqlite:///{folder / 'db.sqlite'}",
            DAYBREAK_SECURITY__KEY_FILE=str(folder / "key"),
            DAYBREAK_PROGRAMME__STAFFING="unstaffed",
            PYTHONPATH=str(ROOT),
        )
        started = time.monotonic()
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", cwd=folder, env=env,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            while not fake.calls("getUpdates"):
                if time.monotonic() - started > TIMEOUT or process.returncode is not None:
                    raise RuntimeError("the bot did not start")
                await asyncio.sleep(0.01)
            return time.monotonic() - started
        finally:
            process.terminate()
            await process.wait()


def import_seconds() -> float:
    """Seconds a fresh interpreter takes to import the bot's Telegram side."""
    started = time.monotonic()
    subprocess.run(
        [sys.executable, "-c", "import bot.cli, bot.telegram.runner"], cwd=ROOT, check=True
    )
    return time.monotonic() - started


async def main(runs: int) -> None:
    """Measure and print."""
    starts = []
    for run in range(runs):
        with tempfile.TemporaryDirectory() as folder:
            starts.append(await one_start(Path(folder)))
        print(f"run {run + 1}: first getUpdates after {starts[-1]:.2f} s")
    imports = statistics.median(import_seconds() for _ in range(runs))
    median = statistics.median(starts)
    print(f"median time to first getUpdates: {median:.2f} s over {runs} runs")
    print(f"of which importing the bot: {imports:.2f} s ({imports / median:.0%})")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    asyncio.run(main(parser.parse_args().runs))
