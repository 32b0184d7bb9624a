"""This process on the shared database: its heartbeat, and the lease that lets one process poll.

Every `daybreak run` registers and heartbeats about once a second. A process is live while its
last heartbeat is younger than the lease (`telegram.standby_lease`). In polling mode a process
polls only while it holds the `poller` lease; a second process waits as a hot standby until the
lease is free, or expired with its holder no longer live, and takes it. A poller that cannot
renew its lease in time (its database away) pauses polling a beat before a standby may take
over, so two processes never poll at once; once the database is back it polls again if the
lease is still its own, and stops (`lost`) if another process took it meanwhile. Times come
from each process's clock: hosts sharing a database keep their clocks in sync (NTP), as they
must for the outbox's leases too.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.care.ports import Clock, UnitOfWork, UnitOfWorkFactory

log = logging.getLogger(__name__)

POLLER = "poller"
DEFAULT_LEASE = timedelta(seconds=5)
# The beat is at most a second and a few beats fit in a lease, so one late beat loses nothing.
MAX_BEAT = timedelta(seconds=1)
BEATS_PER_LEASE = 4
# Processes silent this long are dropped from the registry (the registry is not a history).
FORGET_AFTER = timedelta(days=1)
Sleep = Callable[[float], Awaitable[None]]


def new_holder_id() -> str:
    """A name for this process, unique across restarts: host, pid and a random tail."""
    return f"{socket.gethostname()[:32]}:{os.getpid()}:{secrets.token_hex(4)}"


def beat_of(lease: timedelta) -> timedelta:
    """How often a process heartbeats for a lease of this length."""
    return min(MAX_BEAT, lease / BEATS_PER_LEASE)


async def release_abandoned_work(uow: UnitOfWorkFactory, live: set[str]) -> int:
    """Give back what processes no longer live had claimed (outbox rows, updates); how many."""
    async with uow() as work:
        messages = await work.outbox.release_abandoned(live)
        updates = await work.inbox.release_abandoned(live)
        await work.commit(notify=messages > 0)
    if messages or updates:
        log.warning(
            "took back %s outbox messages and %s updates from a process that is gone",
            messages, updates,
        )  # fmt: skip
    return messages + updates


@dataclass
class Liveness:
    """The heartbeat of one process, and (in polling mode) its hold on the poller lease."""

    uow: UnitOfWorkFactory
    clock: Clock
    holder: str = field(default_factory=new_holder_id)
    role: str = "standby"
    lease: timedelta = DEFAULT_LEASE
    sleep: Sleep = asyncio.sleep
    lost: asyncio.Event = field(default_factory=asyncio.Event)
    paused: bool = False  # holding the lease, but unsure of it: the database did not answer
    _renewed_at: datetime | None = None
    _steady_since: datetime | None = None  # beating without a failure since then
    _swept_at: datetime | None = None  # when claims of processes gone were last looked for

    @property
    def beat(self) -> timedelta:
        """Time between heartbeats."""
        return beat_of(self.lease)

    @property
    def polling(self) -> bool:
        """True while this process holds the poller lease (and may poll now)."""
        return self._holding and not self.paused

    @property
    def _holding(self) -> bool:
        return self._renewed_at is not None and not self.lost.is_set()

    async def live_holders(self) -> set[str]:
        """The processes whose heartbeat is recent (this one included once it beat)."""
        async with self.uow(reading=True) as work:
            return await work.processes.live_holders(self.lease)

    async def try_poller(self) -> bool:
        """Heartbeat and take the poller lease if it is free or its holder is gone."""
        async with self.uow() as work:
            await work.processes.heartbeat(self.holder, self.role)
            live = await work.processes.live_holders(self.lease)
            taken = await work.leases.acquire(POLLER, self.holder, self.lease, live | {self.holder})
            await work.commit(notify=False)
        if taken:
            self.role, self._renewed_at = POLLER, self.clock.now()
        return taken

    async def acquire_poller(self) -> None:
        """Wait as a hot standby until this process holds the poller lease."""
        told = False
        while not await self._try_quietly():
            if not told:
                log.info("standby: another process polls; waiting")
                told = True
            await self.sleep(self.beat.total_seconds())
        log.info("took the poller lease")

    async def _try_quietly(self) -> bool:
        try:
            return await self.try_poller()
        except Exception as error:  # the database may be down: wait, the lease is still there
            log.warning("standby: could not reach the database (%s)", type(error).__name__)
            return False

    async def beat_once(self) -> None:
        """Heartbeat, and renew the poller lease if held; pause if late, `lost` if taken."""
        try:
            async with self.uow() as work:
                await work.processes.heartbeat(self.holder, self.role)
                kept = not self._holding or await self._keep(work)
                freed = await self._free_abandoned(work)
                await work.commit(notify=freed > 0)
        except Exception as error:  # one line per outage, and the next beat tries again
            if not self.paused:
                log.warning("heartbeat failed (%s)", type(error).__name__)
            self._steady_since = None
            self._check_late()
            return
        if not kept:
            self._lose("the poller lease was taken by another process")
        elif self._holding:
            if self.paused:
                log.warning("the database is back and the poller lease still ours: polling again")
            self.paused, self._renewed_at = False, self.clock.now()

    async def _keep(self, work: UnitOfWork) -> bool:
        """Renew the lease; after a pause, take it again unless another process has it now."""
        if not self.paused:
            return await work.leases.renew(POLLER, self.holder, self.lease)
        live = await work.processes.live_holders(self.lease) | {self.holder}
        return await work.leases.acquire(POLLER, self.holder, self.lease, live)

    async def _free_abandoned(self, work: UnitOfWork) -> int:
        """Once a lease, give back the claims of processes that stopped beating meanwhile.

        A process killed just before another started still looked live at that start, and its
        claims would wait out their own leases (a minute for a message). Only a process that
        has itself beaten without a failure for a whole lease judges: then the database was
        there for everyone, and a process that did not beat meanwhile is gone.
        """
        now = self.clock.now()
        if self._steady_since is None:
            self._steady_since = now
        if now - self._steady_since < self.lease:
            return 0
        if self._swept_at is not None and now - self._swept_at < self.lease:
            return 0
        self._swept_at = now
        live = await work.processes.live_holders(self.lease) | {self.holder}
        messages = await work.outbox.release_abandoned(live)
        updates = await work.inbox.release_abandoned(live)
        if messages or updates:
            log.warning(
                "took back %s outbox messages and %s updates from a process that stopped",
                messages, updates,
            )  # fmt: skip
        return messages

    def _check_late(self) -> None:
        # A standby may take the lease once it expired; pause a beat before that can happen.
        since = None if self._renewed_at is None else self.clock.now() - self._renewed_at
        if self.polling and since is not None and since >= self.lease - self.beat:
            log.warning("the poller lease could not be renewed in time: polling paused")
            self.paused = True

    def _lose(self, why: str) -> None:
        log.error("stopping: %s", why)
        self.lost.set()

    async def run(self, stop: asyncio.Event) -> None:
        """Heartbeat until `stop` is set or the lease is lost."""
        while not stop.is_set() and not self.lost.is_set():
            await self.beat_once()
            await self.sleep(self.beat.total_seconds())

    async def leave(self) -> None:
        """A clean stop: give the lease up and leave the registry, so a standby starts at once."""
        try:
            async with self.uow() as work:
                if self.polling:
                    await work.leases.release(POLLER, self.holder)
                await work.processes.forget(self.holder)
                await work.processes.forget_dead(FORGET_AFTER)
                await work.commit(notify=False)
        except Exception as error:  # the lease expires by itself
            log.warning("could not give up the poller lease (%s)", type(error).__name__)
