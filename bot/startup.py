"""Start-up that waits for what it needs: a dependency away at start is tried again, in one line
per try, until `runtime.startup_deadline`; then one line and exit status 2, never a traceback.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from bot.errors import StartupError
from bot.supervisor import describe, is_transient

log = logging.getLogger(__name__)
T = TypeVar("T")


async def start_within(
    deadline: float,
    what: str,
    attempt: Callable[[], Awaitable[T]],
    *,
    retry_cap: float = 10.0,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
) -> T:
    """Run `attempt` until it works; while `what` is unreachable, wait and try again."""
    started, tries = clock(), 0
    while True:
        try:
            return await attempt()
        except Exception as error:
            if not is_transient(error):
                raise
            left = deadline - (clock() - started)
            if left <= 0:
                raise StartupError(
                    f"{what} is unreachable ({describe(error)}); gave up after "
                    f"{deadline:.0f} s (runtime.startup_deadline)"
                ) from None
            tries += 1
            delay = min(retry_cap, 2.0 ** (tries - 1), left)
            log.warning("%s is unreachable (%s); retrying in %.0f s", what, describe(error), delay)
            await sleep(delay)
