"""A sweeper in its own process, for the crash test: `python sweeper_process.py URL KEY ISO`."""

from __future__ import annotations

import asyncio
import sys
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from scheduler.clock import FrozenClock
from tests.integration.scheduler.conftest import fixture_library
from tests.support.databases import app_settings, running_app


async def main(url: str, key: str, now: str) -> None:
    """Sweep one item at a time, printing a line after each commit, until nothing is due."""
    clock = FrozenClock(datetime.fromisoformat(now))
    settings = app_settings(url, data_key=key, quiet_hours=None)
    async with running_app(settings, clock, fixture_library()) as app:
        print("ready", flush=True)
        while outcomes := await app.scheduler.sweeper.settle_next():
            print(" ".join(outcomes), flush=True)
    print("drained", flush=True)


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:4]))
