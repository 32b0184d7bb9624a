"""Long-running work kept running: each task is restarted after a failure, with capped backoff.

A failure is logged once per streak, in one line (a traceback only for what looks like a bug),
and the recovery once more. A task that has not recovered after `give_up_after` seconds sets
`failed`: the process then stops with a non-zero exit, so systemd or Kubernetes restarts it.
No library is needed for this; what aiogram and APScheduler do on their own is log and carry on
(or die silently), which is what this replaces.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
import traceback
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

log = logging.getLogger(__name__)

EXIT_GAVE_UP = 3  # `daybreak run`'s exit status when a task could not recover
# A restarted task that runs this long without failing again has recovered.
SETTLE_SECONDS = 5.0

# Failures of what we depend on, not bugs of ours: the database or the network is away, or
# Telegram answered 5xx. Named rather than imported, so this module depends on neither library.
_TRANSIENT_NAMES = frozenset(
    {
        "OperationalError",  # SQLAlchemy: server gone, SQLite locked
        "InterfaceError",  # SQLAlchemy/asyncpg: the connection closed under us
        "DisconnectionError",
        "ConnectionDoesNotExistError",
        "CannotConnectNowError",
        "TelegramNetworkError",
        "TelegramServerError",
        "TelegramRetryAfter",
        "ClientError",  # aiohttp
    }
)


def is_transient(error: BaseException) -> bool:
    """Whether `error` is a dependency being away (retry quietly) rather than a bug."""
    if isinstance(error, OSError | TimeoutError):
        return True
    if getattr(error, "connection_invalidated", False):  # SQLAlchemy's DBAPIError
        return True
    return any(kind.__name__ in _TRANSIENT_NAMES for kind in type(error).__mro__)


def where(error: BaseException) -> str:
    """Where a bug happened: its traceback's frames, not its message (which may quote data)."""
    return "".join(traceback.format_tb(error.__traceback__)).rstrip()


def describe(error: BaseException) -> str:
    """A failure in a few safe words: its kind, never its message (which may quote data)."""
    cause = error.__cause__ or error.__context__
    inner = f" from {type(cause).__name__}" if cause is not None else ""
    return f"{type(error).__name__}{inner}"


@dataclass
class Supervisor:
    """Runs named tasks until `stop`; `failed` is set when one gives up."""

    give_up_after: float = 300.0
    backoff_cap: float = 30.0
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], Awaitable[object]] = asyncio.sleep
    settle: float = SETTLE_SECONDS
    failed: asyncio.Event = field(default_factory=asyncio.Event)
    gave_up: list[str] = field(default_factory=list)
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)

    def run(
        self,
        name: str,
        work: Callable[[], Awaitable[None]],
        stop: asyncio.Event,
        *,
        essential: bool = True,
    ) -> asyncio.Task[None]:
        """Start `work()` as task `name`; restart it whenever it fails, until `stop` is set.

        Only an `essential` task that cannot recover stops the process; the others keep trying.
        """
        task = asyncio.create_task(self._keep(name, work, stop, essential), name=name)
        self._tasks.append(task)
        return task

    async def wait(self, within: float) -> None:
        """Wait for every task to end (after `stop`), for at most `within` seconds."""
        if self._tasks:
            _done, pending = await asyncio.wait(self._tasks, timeout=within)
            for task in pending:
                task.cancel()

    async def _keep(
        self, name: str, work: Callable[[], Awaitable[None]], stop: asyncio.Event, essential: bool
    ) -> None:
        failing_since: float | None = None
        attempt = 0
        while not stop.is_set():
            running = asyncio.ensure_future(work())
            if failing_since is not None:
                finished, _ = await asyncio.wait({running}, timeout=self.settle)
                if not finished:
                    log.warning(
                        "%s: working again after %.0f s", name, self.clock() - failing_since
                    )
                    failing_since, attempt = None, 0
            try:
                await running
                return  # ended by `stop`
            except Exception as error:
                if failing_since is None:
                    failing_since = self.clock()
                    self._report(name, error)
                if essential and self.clock() - failing_since >= self.give_up_after:
                    self._give_up(name)
                    return
                attempt += 1
                await self._pause(stop, attempt)

    def _report(self, name: str, error: Exception) -> None:
        if is_transient(error):
            log.warning("%s failed (%s); retrying until it works", name, describe(error))
        else:  # a bug: where it happened helps, and names code, not data
            log.error("%s failed (%s); retrying\n%s", name, describe(error), where(error))

    def _give_up(self, name: str) -> None:
        log.error("%s has not recovered in %.0f s; stopping", name, self.give_up_after)
        self.gave_up.append(name)
        self.failed.set()

    async def _pause(self, stop: asyncio.Event, attempt: int) -> None:
        delay = random.uniform(0, min(self.backoff_cap, 2.0**attempt))
        waiters = {asyncio.ensure_future(stop.wait()), asyncio.ensure_future(self.sleep(delay))}
        try:
            await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in waiters:
                waiter.cancel()
